// SPDX-License-Identifier: LGPL-2.1-or-later
#include "base/files.hpp"

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace ldb {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view kTmp = ".tmp";
}

void make_record_dir(const std::string& dir)
{
    if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST)
        throw errno_error(errno, "creating " + dir);
}

void write_record(const std::string& path, const std::string& text)
{
    const std::string tmp = path + std::string(kTmp);
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd)
        throw errno_error(errno, "writing " + tmp);
    for (size_t off = 0; off < text.size();) {
        const ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            ::unlink(tmp.c_str());
            throw errno_error(err, "writing " + tmp);
        }
        off += static_cast<size_t>(n);
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw errno_error(err, "renaming " + tmp);
    }
}

void erase_record(const std::string& path)
{
    if (::unlink(path.c_str()) < 0 && errno != ENOENT)
        throw errno_error(errno, "removing " + path);
}

std::vector<std::string> record_paths(const std::string& dir, std::string_view suffix)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::string path = entry.path().string();
        if (path.ends_with(suffix))
            out.push_back(std::move(path));
        else if (path.ends_with(kTmp))
            ::unlink(path.c_str()); // a write cut short by a crash
    }
    if (ec && ec != std::errc::no_such_file_or_directory)
        throw Error(ErrorKind::Internal, "listing " + dir + ": " + ec.message());
    return out;
}

namespace {
std::optional<std::string> read_bounded(const std::string& path, const ReadLimits& l, bool absent_ok)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        if (absent_ok && errno == ENOENT)
            return std::nullopt;
        throw errno_error(errno, "opening " + path);
    }
    if (l.regular_only) {
        struct stat st{};
        if (::fstat(fd.get(), &st) < 0)
            throw errno_error(errno, "stat " + path);
        if (!S_ISREG(st.st_mode))
            throw Error(ErrorKind::Config, path + ": not a regular file");
    }
    std::string text;
    char buf[8192];
    while (true) {
        const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw errno_error(errno, "reading " + path);
        if (n == 0)
            break;
        text.append(buf, static_cast<size_t>(n));
        if (text.size() > l.max_bytes)
            throw Error(l.too_big, path + ": file is larger than " + std::to_string(l.max_bytes) + " bytes");
    }
    return text;
}
} // namespace

std::string read_file(const std::string& path, const ReadLimits& limits)
{
    return *read_bounded(path, limits, false);
}

std::optional<std::string> read_file_if_exists(const std::string& path, const ReadLimits& limits)
{
    return read_bounded(path, limits, true);
}

} // namespace ldb
