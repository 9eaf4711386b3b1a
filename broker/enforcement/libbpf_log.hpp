// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// libbpf talks through one global print callback. We keep its recent lines
// so that a failed load can be explained by the line that matters, and echo
// them only with --verbose.
#include <string>
#include <string_view>

namespace ldb {

// Routes libbpf's messages here, forgetting earlier ones; `verbose` also
// echoes them, debug ones included, to stderr.
void libbpf_log_start(bool verbose);
// Routes libbpf's messages here, keeping the log and the echo as they are.
void libbpf_log_install();
// Forgets what was logged so far (before one more load).
void libbpf_log_clear();
bool libbpf_log_contains(std::string_view text);

// The last line logged.
std::string last_libbpf_line();
// Why a load failed, from what was logged: libbpf_cause_of(the log).
std::string libbpf_cause();

// Why a load failed, from libbpf's log `log`: a CO-RE relocation that does
// not fit this kernel if one is named; else the program the kernel refused
// and the verifier's last complaint; else the last line.
std::string libbpf_cause_of(const std::string& log);

} // namespace ldb
