// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What an exception is, and its record under the runtime directory
// (/run/lockdown-broker/exceptions/<id>.exception), which lets a restarted
// daemon know why each kernel grant exists. /run is empty after a reboot, and
// so are the kernel maps: the two always start together.
#include <cstdint>
#include <string>
#include <vector>

namespace ldb {

struct Exception {
    uint64_t id = 0;
    std::vector<std::string> reasons; // names, as in the catalogue
    std::string scope_kind;           // "session", "unit" or "cgroup"
    std::string scope;                // session id, unit name or cgroup path
    std::vector<std::string> cgroups; // cgroup2 paths the kernel grant covers
    uint32_t holder_uid = 0;
    std::string holder_session;        // "" when not bound to a session
    uint64_t expires_realtime_usec = 0; // when it ends, for people
    uint64_t expires_boot_ns = 0;       // when it ends, CLOCK_BOOTTIME
    std::string origin;                 // "request", "admin", "standing" or "hibernation"
};


// The record's text form, and back. parse throws ldb::Error naming `file`.
std::string serialize(const Exception& e);
Exception parse_exception(const std::string& text, const std::string& file);

class ExceptionStore {
public:
    explicit ExceptionStore(std::string dir) : dir_(std::move(dir)) {}
    // Creates the directory if needed (mode 0700).
    void open();
    // Atomic: write a temporary file, then rename.
    void save(const Exception& e);
    void erase(uint64_t id);
    // Every readable record; unreadable ones are reported in `bad` (file and
    // error) and removed.
    std::vector<Exception> load_all(std::vector<std::string>& bad);

private:
    std::string path_of(uint64_t id) const;
    std::string dir_;
};

} // namespace ldb
