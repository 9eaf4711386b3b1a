// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What one SetDebug changed, and its record under the runtime directory
// (/run/lockdown-broker/dynamic-debug/<id>.change), so that a restarted
// daemon can still put the flags back. /run is empty after a reboot, and so
// is the kernel's dynamic_debug state: the two start over together.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dyndbg/control.hpp"

namespace ldb::dyndbg {

// Bounds that keep a damaged record from costing much.
inline constexpr size_t kMaxRecordBytes = 8 * 1024 * 1024;
inline constexpr size_t kMaxRecordSites = 65536;

struct SiteChange {
    SiteKey key;
    std::string old_flags; // before our write, as the kernel prints them
    std::string new_flags; // what our write left
    bool operator==(const SiteChange&) const = default;
};

struct Holder {
    uint32_t uid = 0;
    std::string session; // logind session id
    std::string unit;    // the session's scope unit, for people
    bool operator==(const Holder&) const = default;
};

struct ChangeRecord {
    uint64_t id = 0;  // random, never 0
    uint64_t seq = 0; // order of application, across restarts
    Holder holder;
    std::string query; // the canonical command written
    uint64_t created_realtime_usec = 0;
    uint64_t expires_boot_ns = 0;       // CLOCK_BOOTTIME: reverted then at the latest
    uint64_t expires_realtime_usec = 0; // the same, for people
    std::vector<SiteChange> sites;
    bool operator==(const ChangeRecord&) const = default;
};

// The record's text, and back. Strict: parse throws ldb::Error(Config)
// naming `file` for anything it did not write itself.
std::string serialize(const ChangeRecord& r);
ChangeRecord parse_change_record(std::string_view text, const std::string& file);
// Whether serialize() can write this site (no spaces or control characters
// in its names and flags).
bool storable(const SiteChange& s);

class ChangeStore {
public:
    explicit ChangeStore(std::string dir) : dir_(std::move(dir)) {}
    // Creates the directory if needed (mode 0700).
    void open();
    // Atomic: a temporary file, then rename.
    void save(const ChangeRecord& r);
    void erase(uint64_t id);
    // Every readable record; unreadable ones are described in `bad` and removed.
    std::vector<ChangeRecord> load_all(std::vector<std::string>& bad);

private:
    std::string path_of(uint64_t id) const;
    std::string dir_;
};

} // namespace ldb::dyndbg
