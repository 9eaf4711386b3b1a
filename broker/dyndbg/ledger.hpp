// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The bookkeeping behind "reverted when the session ends": which callsites
// each SetDebug changed, from what to what, and how to put them back without
// touching what others changed since. Reaches the kernel only through the
// narrow ControlPort, so that tests can give it a fake control file.
//
// Reverting one record, callsite by callsite:
//  - a later record (of any session) that changed the same callsite from
//    exactly our flags takes over our "before": the callsite is put back
//    when that later change ends, and stacked changes unwind exactly;
//  - otherwise, if the callsite still has the flags our write left, the
//    broker writes one query for that callsite alone, setting its old flags;
//  - otherwise someone changed it since (or its module is gone): left alone.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dyndbg/control.hpp"
#include "dyndbg/change_store.hpp"

namespace ldb::dyndbg {

class ControlPort {
public:
    virtual ~ControlPort() = default;
    // The whole control file, as the kernel prints it.
    virtual std::string read() = 0;
    // Writes each query with its own write(2), in order; returns 0 or the
    // errno of each. Throws when the file cannot be opened for writing.
    virtual std::vector<int> write(const std::vector<std::string>& queries) = 0;
};

struct LeftAlone {
    SiteChange site;
    std::string why; // "changed-since", "gone", "unnameable", "write-failed: ...", "not-restored"
};

struct RevertOutcome {
    std::vector<SiteChange> restored;  // written back, and seen back in the control file
    std::vector<SiteChange> passed_on; // handed to a later change of the same callsite
    std::vector<LeftAlone> left;
    std::vector<uint64_t> updated; // other records whose "before" changed (to save again)
};

class Ledger {
public:
    explicit Ledger(Grammar grammar) : grammar_(std::move(grammar)) {}

    const Grammar& grammar() const noexcept { return grammar_; }
    const std::map<uint64_t, ChangeRecord>& records() const noexcept { return records_; }
    const ChangeRecord* find(uint64_t id) const;
    // The next sequence number: above every record's.
    uint64_t next_seq() const;

    void add(ChangeRecord r);
    // Puts record `id` back as described above and forgets it. Throws (and
    // keeps the record) only when the control file cannot be read or opened
    // for writing.
    RevertOutcome revert(uint64_t id, ControlPort& port);

private:
    Grammar grammar_;
    std::map<uint64_t, ChangeRecord> records_;
};

} // namespace ldb::dyndbg
