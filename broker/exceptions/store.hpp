// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The exception records under the runtime directory
// (/run/lockdown-broker/exceptions/<id>.exception), which let a restarted
// daemon know why each kernel grant exists. /run is empty after a reboot, and
// so are the kernel maps: the two always start together.
#include <cstdint>
#include <string>
#include <vector>

#include "exceptions/exception.hpp"

namespace ldb {


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
