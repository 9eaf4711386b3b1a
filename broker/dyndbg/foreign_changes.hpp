// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Callsites whose flags changed without the broker, and the queries that put
// them back. The control file stays closed to everyone, but a module's
// dyndbg= parameter (`modprobe M dyndbg=+p`, an `options M dyndbg=...` line
// in modprobe.d, M.dyndbg= on the kernel command line) is applied inside
// load_module, where no LSM hook sees it. So the broker compares what the
// kernel shows with what it expects:
//  - a callsite a session's change holds: the flags that change left
//    (the newest change of that callsite, as the ledger has it);
//  - any other callsite: no flags ("_").
// Every callsite that differs is "foreign"; its query sets exactly the
// expected flags on it and on nothing else (module, file, line and function
// or class: site_query()), so what sessions enabled through the broker is
// never touched. Pure: no I/O.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dyndbg/change_store.hpp"
#include "dyndbg/control.hpp"
#include "dyndbg/query.hpp"

namespace ldb::dyndbg {

// What the broker's changes left on each callsite they hold.
using BrokerFlags = std::map<SiteKey, std::string>;

// From the ledger's records: per callsite, the new flags of its newest
// change (highest seq), since stacked changes of one callsite unwind in order.
BrokerFlags broker_flags(const std::map<uint64_t, ChangeRecord>& records);

struct ForeignSite {
    Callsite site;                    // as the control file shows it now
    std::string expected;             // "_", or the flags a session's change left
    std::optional<std::string> query; // sets `expected` on exactly this callsite; nullopt: no query names it
};

struct ForeignChanges {
    std::vector<ForeignSite> sites;   // in the control file's order
    std::vector<std::string> queries; // the distinct queries of `sites`, in the same order
    std::vector<std::string> bad;     // control lines that did not parse (left alone)
};

// Only callsites of `modules` are looked at (nullptr: all). The broker
// passes the loadable modules loaded now (/proc/modules): a built-in
// callsite takes no dyndbg= from modprobe, and those the kernel turns on by
// default (files built with DEBUG, such as init/main.c and kernel/power/
// on Debian) would otherwise be "reverted" at every start.
// Throws ldb::Error(Kernel) for a reading beyond kMaxControlBytes; a line
// that does not parse is described in `bad` and never reverted.
ForeignChanges foreign_changes(std::string_view control, const BrokerFlags& broker, const Grammar& grammar,
                               const std::set<std::string>* modules = nullptr);

// The module names of /proc/modules ("nbd 65536 0 - Live 0x0"): the first
// word of each line. Lines without one are skipped.
std::set<std::string> proc_modules(std::string_view text);

} // namespace ldb::dyndbg
