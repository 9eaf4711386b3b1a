// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Small helpers for the unit tests: a temporary directory that cleans up
// after itself, file writing, and catching the ldb::Error a call throws.

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "base/error.hpp"

namespace ldb_test {

namespace fs = std::filesystem;

class TempDir {
public:
    TempDir()
    {
        const char* tmp = std::getenv("TMPDIR");
        std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/ldb-unit-XXXXXX";
        if (!::mkdtemp(tmpl.data()))
            throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
        path_ = tmpl;
    }
    ~TempDir()
    {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const noexcept { return path_; }
    std::string str() const { return path_.string(); }
    fs::path operator/(const std::string& rel) const { return path_ / rel; }

private:
    fs::path path_;
};

// Writes `content` to `p`, creating parent directories.
inline void write_file(const fs::path& p, const std::string& content)
{
    fs::create_directories(p.parent_path());
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    if (!f)
        throw std::runtime_error("cannot create " + p.string());
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!f)
        throw std::runtime_error("cannot write " + p.string());
}

// Runs `f` and returns the ldb::Error it throws. Records a test failure when
// it throws nothing; any other exception escapes and fails the test as well.
template <class F>
ldb::Error catch_error(F&& f)
{
    try {
        f();
    } catch (const ldb::Error& e) {
        return e;
    }
    ADD_FAILURE() << "expected an ldb::Error, but nothing was thrown";
    return ldb::Error(ldb::ErrorKind::Internal, "<nothing was thrown>", "<nothing was thrown>");
}

} // namespace ldb_test
