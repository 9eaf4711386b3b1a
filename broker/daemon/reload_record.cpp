// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon/reload_record.hpp"

#include <algorithm>
#include <charconv>

#include "base/error.hpp"

namespace ldb {

namespace {

// The value of the line `key=...` that starts `text`; moves `text` past it.
std::string_view take_line(std::string_view& text, std::string_view key)
{
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos)
        throw Error(ErrorKind::InvalidArgument, "reload record: the line " + std::string(key) + "= is missing or unterminated");
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line.size() <= key.size() || !line.starts_with(key) || line[key.size()] != '=')
        throw Error(ErrorKind::InvalidArgument, "reload record: expected " + std::string(key) + "=, found '" +
                                                    std::string(line.substr(0, 40)) + "'");
    return line.substr(key.size() + 1);
}

ReloadResult parse_result(std::string_view v)
{
    for (auto r : {ReloadResult::Applied, ReloadResult::Unchanged, ReloadResult::Refused, ReloadResult::Invalid,
                   ReloadResult::Failed})
        if (v == to_string(r))
            return r;
    throw Error(ErrorKind::InvalidArgument, "reload record: unknown result '" + std::string(v.substr(0, 40)) + "'");
}

} // namespace

std::string reload_record_path(const std::string& runtime_dir)
{
    return runtime_dir + "/reload";
}

std::string format_reload_record(const ReloadRecord& r)
{
    std::string msg = r.message;
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    return "pid=" + std::to_string(r.for_pid) + "\nresult=" + to_string(r.result) + "\nmessage=" + msg + "\n";
}

ReloadRecord parse_reload_record(std::string_view text)
{
    ReloadRecord r;
    const std::string_view pid = take_line(text, "pid");
    const auto [end, ec] = std::from_chars(pid.data(), pid.data() + pid.size(), r.for_pid);
    if (ec != std::errc() || end != pid.data() + pid.size() || r.for_pid <= 0)
        throw Error(ErrorKind::InvalidArgument, "reload record: bad pid '" + std::string(pid.substr(0, 40)) + "'");
    r.result = parse_result(take_line(text, "result"));
    const size_t nl = text.find('\n');
    if (!text.starts_with("message=") || nl == std::string_view::npos || nl + 1 != text.size())
        throw Error(ErrorKind::InvalidArgument, "reload record: expected one last line message=...");
    r.message = std::string(text.substr(8, nl - 8));
    return r;
}

} // namespace ldb
