// SPDX-License-Identifier: LGPL-2.1-or-later
// Configure-time check that clang++ can link a libFuzzer binary (the
// runtime comes from libclang-rt-*-dev).
#include <cstddef>
#include <cstdint>
extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }
