// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon/reload_command.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>
#include <unistd.h>

#include "base/error.hpp"
#include "base/files.hpp"
#include "base/i18n.hpp"
#include "daemon/reload_record.hpp"

namespace ldb {

namespace {

// The record the daemon wrote for this process, once it is there.
std::optional<ReloadRecord> answer_for_me(const std::string& path)
{
    const auto text = read_file_if_exists(path, {.max_bytes = 16384, .too_big = ErrorKind::InvalidArgument});
    if (!text)
        return std::nullopt;
    try {
        auto r = parse_reload_record(*text);
        if (r.for_pid == ::getpid())
            return r;
    } catch (const Error&) {
        // Written atomically, so never half a record; a foreign file is not
        // our answer: keep waiting, and say so if none comes.
    }
    return std::nullopt;
}

// The line that reports the daemon's answer. The daemon's message comes as
// it wrote it (English: the daemon's log language); the words around it
// follow the caller's language.
std::string answer_line(const ReloadRecord& r)
{
    const char* sentence = N_("reload failed: %s");
    switch (r.result) {
    case ReloadResult::Applied:
        sentence = N_("reload applied: %s");
        break;
    case ReloadResult::Unchanged:
        sentence = N_("reload unchanged: %s");
        break;
    case ReloadResult::Refused:
        sentence = N_("reload refused: %s");
        break;
    case ReloadResult::Invalid:
        sentence = N_("reload invalid: %s");
        break;
    case ReloadResult::Failed:
        break;
    }
    return fill(_(sentence), {r.message});
}

} // namespace

int run_reload_command(const ReloadCommand& c)
{
    if (c.main_pid <= 0)
        throw Error(ErrorKind::InvalidArgument, _("--reload needs the daemon's pid in $MAINPID"),
                    _("it is the unit's ExecReload=; run: systemctl reload lockdown-broker"));
    const std::string path = reload_record_path(c.runtime_dir);
    if (::kill(c.main_pid, SIGHUP) < 0)
        throw errno_error(errno, fill(_("sending SIGHUP to lockdown-brokerd (pid %s)"), {std::to_string(c.main_pid)}));
    const auto deadline = std::chrono::steady_clock::now() + c.timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (const auto r = answer_for_me(path)) {
            const bool ok = r->result == ReloadResult::Applied || r->result == ReloadResult::Unchanged;
            std::fprintf(ok ? stdout : stderr, "lockdown-brokerd: %s\n", answer_line(*r).c_str());
            return ok ? 0 : 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw Error(ErrorKind::Internal,
                fill(_("lockdown-brokerd (pid %1$s) did not answer the reload within %2$s s (no answer for pid %3$s "
                       "in %4$s)"),
                     {std::to_string(c.main_pid), std::to_string(c.timeout.count() / 1000),
                      std::to_string(::getpid()), path}),
                _("journalctl -u lockdown-broker shows what the daemon did"));
}

} // namespace ldb
