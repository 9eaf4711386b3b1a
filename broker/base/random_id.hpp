// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Unpredictable ids for what the broker names on the bus and in the journal
// (exceptions, dynamic debug changes).
#include <cstdint>
#include <functional>

namespace ldb {

// Ids are below 2^53 so that every client holds them exactly: JavaScript
// (GJS) turns a D-Bus uint64 into a double, exact only up to 2^53.
inline constexpr uint64_t kRandomIdLimit = uint64_t{1} << 53;

// Uniform in [1, 2^53), from getrandom(2). Throws Error on failure.
uint64_t random_id();

// The same from 64-bit words of `source` (a test's generator): it keeps the
// low 53 bits and draws again on 0, so the result is uniform when the words
// are.
uint64_t random_id_from(const std::function<uint64_t()>& source);

} // namespace ldb
