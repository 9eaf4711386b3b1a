// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/event_reader.hpp"

#include <bpf/libbpf.h>
#include <cerrno>
#include <cstring>

#include "base/error.hpp"

namespace ldb {

void EventReader::RbDeleter::operator()(ring_buffer* rb) const noexcept
{
    ring_buffer__free(rb);
}

EventReader::EventReader(int ringbuf_fd, Callback cb) : cb_(std::move(cb))
{
    auto handle = [](void* ctx, void* data, size_t size) -> int {
        auto* self = static_cast<EventReader*>(ctx);
        if (size < sizeof(ld_event))
            return 0; // a record from a different layout: skip it
        ld_event ev{};
        std::memcpy(&ev, data, sizeof(ev));
        self->cb_(ev);
        return 0;
    };
    rb_.reset(ring_buffer__new(ringbuf_fd, handle, this, nullptr));
    if (!rb_)
        throw errno_error(errno, "opening the event ring buffer");
}

EventReader::~EventReader() = default;

int EventReader::fd() const
{
    return ring_buffer__epoll_fd(rb_.get());
}

int EventReader::consume()
{
    const int n = ring_buffer__consume(rb_.get());
    if (n < 0)
        throw errno_error(-n, "reading the event ring buffer");
    return n;
}

int EventReader::poll(int timeout_ms)
{
    const int n = ring_buffer__poll(rb_.get(), timeout_ms);
    if (n < 0 && n != -EINTR)
        throw errno_error(-n, "waiting on the event ring buffer");
    return n < 0 ? 0 : n;
}

} // namespace ldb
