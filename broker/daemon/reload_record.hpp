// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The answer to one reload, for the process that asked: the daemon writes it
// under its runtime directory after every SIGHUP, naming the sender's pid,
// and `lockdown-brokerd --reload` (ExecReload=) waits for the answer to its
// own signal. Three lines:
//   pid=1234
//   result=applied|unchanged|refused|invalid|failed
//   message=one line for people
#include <string>
#include <string_view>
#include <sys/types.h>

#include "daemon/policy_reload.hpp"

namespace ldb {

struct ReloadRecord {
    pid_t for_pid = 0; // who sent the SIGHUP
    ReloadResult result = ReloadResult::Invalid;
    std::string message;
    bool operator==(const ReloadRecord&) const = default;
};

std::string reload_record_path(const std::string& runtime_dir);
// Line breaks in the message become spaces: the record stays three lines.
std::string format_reload_record(const ReloadRecord& r);
// Throws ErrorKind::InvalidArgument unless `text` is such a record.
ReloadRecord parse_reload_record(std::string_view text);

} // namespace ldb
