// SPDX-License-Identifier: LGPL-2.1-or-later
#include "base/random_id.hpp"

#include <cerrno>
#include <sys/random.h>

#include "base/error.hpp"

namespace ldb {

uint64_t random_id_from(const std::function<uint64_t()>& source)
{
    // Masking keeps uniformity (2^53 divides 2^64); rejecting 0 keeps it
    // over [1, 2^53).
    uint64_t id = 0;
    while (id == 0)
        id = source() & (kRandomIdLimit - 1);
    return id;
}

uint64_t random_id()
{
    return random_id_from([] {
        uint64_t word = 0;
        if (::getrandom(&word, sizeof(word), 0) != sizeof(word))
            throw errno_error(errno, "getrandom");
        return word;
    });
}

} // namespace ldb
