// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Reads decision records from the pinned ring buffer.

#include <functional>
#include <memory>

#include "lockdown-broker.h"

struct ring_buffer;

namespace ldb {

class EventReader {
public:
    using Callback = std::function<void(const ld_event&)>;
    EventReader(int ringbuf_fd, Callback cb);
    ~EventReader();
    EventReader(const EventReader&) = delete;
    EventReader& operator=(const EventReader&) = delete;

    // Handles what is already in the ring; returns how many records.
    int consume();
    // An epoll fd that turns readable when records wait, for an event loop.
    int fd() const;
    // Waits up to timeout_ms for records; returns how many were handled.
    int poll(int timeout_ms);

private:
    struct RbDeleter {
        void operator()(ring_buffer* rb) const noexcept;
    };
    Callback cb_;
    std::unique_ptr<ring_buffer, RbDeleter> rb_;
};

} // namespace ldb
