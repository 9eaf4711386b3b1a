// SPDX-License-Identifier: LGPL-2.1-or-later
#include "exceptions/store.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.hpp"
#include "base/ini.hpp"
#include "base/files.hpp"
#include "base/unique_fd.hpp"

namespace fs = std::filesystem;

namespace ldb {

namespace {

constexpr const char* kSuffix = ".exception";

template <typename T>
T number(const IniEntry& e)
{
    T v{};
    const char* end = e.value.data() + e.value.size();
    auto [p, ec] = std::from_chars(e.value.data(), end, v);
    if (e.value.empty() || ec != std::errc{} || p != end)
        throw Error(ErrorKind::Config, at(e.file, e.line, "invalid number '" + e.value + "' for " + e.key));
    return v;
}

bool one_line(const std::string& s)
{
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20)
            return false;
    return true;
}

} // namespace

std::string serialize(const Exception& e)
{
    for (const auto* s : {&e.scope, &e.holder_session, &e.narrowed})
        if (!one_line(*s))
            throw Error(ErrorKind::Internal, "exception field with a control character");
    std::string out = "# lockdown-brokerd exception record; do not edit\n[Exception]\n";
    out += "Id=" + std::to_string(e.id) + "\n";
    out += "Reasons=";
    for (size_t i = 0; i < e.reasons.size(); i++)
        out += (i ? " " : "") + e.reasons[i];
    out += "\nScopeKind=" + std::string(to_string(e.scope_kind)) + "\nScope=" + e.scope + "\n";
    for (const auto& c : e.cgroups) {
        if (!one_line(c))
            throw Error(ErrorKind::Internal, "cgroup path with a control character");
        out += "Cgroup=" + c + "\n";
    }
    out += "HolderUid=" + std::to_string(e.holder_uid) + "\n";
    out += "HolderSession=" + e.holder_session + "\n";
    out += "ExpiresRealtimeUSec=" + std::to_string(e.expires_realtime_usec) + "\n";
    out += "ExpiresBootNSec=" + std::to_string(e.expires_boot_ns) + "\n";
    out += "Origin=" + std::string(to_string(e.origin)) + "\n";
    if (!e.narrowed.empty())
        out += "Narrowed=" + e.narrowed + "\n";
    return out;
}

Exception parse_exception(const std::string& text, const std::string& file)
{
    Exception e;
    bool have_id = false;
    // Checked once the whole record is read, after Id=, Reasons= and Cgroup=.
    std::string scope_kind, origin;
    for (const auto& kv : parse_ini(text, file)) {
        if (kv.section != "Exception")
            throw Error(ErrorKind::Config, at(kv.file, kv.line, "unknown section [" + kv.section + "]"));
        if (kv.key == "Id") {
            e.id = number<uint64_t>(kv);
            have_id = true;
        } else if (kv.key == "Reasons")
            e.reasons = split_words(kv.value);
        else if (kv.key == "ScopeKind")
            scope_kind = kv.value;
        else if (kv.key == "Scope")
            e.scope = kv.value;
        else if (kv.key == "Cgroup")
            e.cgroups.push_back(kv.value);
        else if (kv.key == "HolderUid")
            e.holder_uid = number<uint32_t>(kv);
        else if (kv.key == "HolderSession")
            e.holder_session = kv.value;
        else if (kv.key == "ExpiresRealtimeUSec")
            e.expires_realtime_usec = number<uint64_t>(kv);
        else if (kv.key == "ExpiresBootNSec")
            e.expires_boot_ns = number<uint64_t>(kv);
        else if (kv.key == "Origin")
            origin = kv.value;
        else if (kv.key == "Narrowed")
            e.narrowed = kv.value;
        else
            throw Error(ErrorKind::Config, at(kv.file, kv.line, "unknown key '" + kv.key + "'"));
    }
    if (!have_id || e.id == 0)
        throw Error(ErrorKind::Config, file + ": no Id=");
    if (e.reasons.empty() || e.cgroups.empty())
        throw Error(ErrorKind::Config, file + ": an exception needs Reasons= and Cgroup=");
    const auto kind = parse_scope_kind(scope_kind);
    if (!kind)
        throw Error(ErrorKind::Config, file + ": invalid ScopeKind '" + scope_kind + "'");
    e.scope_kind = *kind;
    const auto from = parse_origin(origin);
    if (!from)
        throw Error(ErrorKind::Config, file + ": invalid Origin '" + origin + "'");
    e.origin = *from;
    return e;
}

void ExceptionStore::open()
{
    make_record_dir(dir_);
}

std::string ExceptionStore::path_of(uint64_t id) const
{
    return dir_ + "/" + std::to_string(id) + kSuffix;
}

void ExceptionStore::save(const Exception& e)
{
    write_record(path_of(e.id), serialize(e));
}

void ExceptionStore::erase(uint64_t id)
{
    erase_record(path_of(id));
}

std::vector<Exception> ExceptionStore::load_all(std::vector<std::string>& bad)
{
    std::vector<Exception> out;
    for (const auto& path : record_paths(dir_, kSuffix)) {
        try {
            Exception e = parse_exception(read_file(path, {.max_bytes = kIniMaxBytes}), path);
            if (path_of(e.id) != path)
                throw Error(ErrorKind::Config, path + ": Id= does not match the file name");
            out.push_back(std::move(e));
        } catch (const Error& err) {
            bad.push_back(err.what());
            ::unlink(path.c_str());
        }
    }
    return out;
}

} // namespace ldb
