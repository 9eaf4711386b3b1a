// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dyndbg/change_store.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.hpp"
#include "exceptions/store.hpp"
#include "base/files.hpp"
#include "base/unique_fd.hpp"
#include "base/text.hpp"

namespace fs = std::filesystem;

namespace ldb::dyndbg {

namespace {

constexpr const char* kSuffix = ".change";
constexpr std::string_view kHeader = "# lockdown-brokerd dynamic debug change; do not edit";

bool is_text(std::string_view s)
{
    for (char c : s)
        if (c < ' ' || c > '~')
            return false;
    return true;
}

bool is_flags(std::string_view s)
{
    if (s.empty() || s.size() > 16)
        return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
            return false;
    return true;
}

template <typename T>
T number(std::string_view v, const std::string& file, const char* what, int base = 10)
{
    if (v.empty() || v.size() > 20)
        throw Error(ErrorKind::Config, file + ": invalid " + what);
    unsigned long long n = 0;
    for (char c : v) {
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else
            throw Error(ErrorKind::Config, file + ": invalid " + what);
        if (n > (~0ull - static_cast<unsigned>(d)) / static_cast<unsigned>(base))
            throw Error(ErrorKind::Config, file + ": " + what + " out of range");
        n = n * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    }
    if (n > static_cast<unsigned long long>(static_cast<T>(~T{0})))
        throw Error(ErrorKind::Config, file + ": " + what + " out of range");
    return static_cast<T>(n);
}

std::vector<std::string_view> fields(std::string_view s)
{
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos <= s.size()) {
        const size_t sp = std::min(s.find(' ', pos), s.size());
        out.push_back(s.substr(pos, sp - pos));
        pos = sp + 1;
    }
    return out;
}

} // namespace

bool storable(const SiteChange& s)
{
    return is_flags(s.old_flags) && is_flags(s.new_flags) && is_word(s.key.module) && is_word(s.key.function) &&
           is_word(s.key.file) && (s.key.cls.empty() || is_word(s.key.cls));
}

std::string serialize(const ChangeRecord& r)
{
    if (!is_word(r.holder.session.empty() ? "-" : r.holder.session) ||
        !is_word(r.holder.unit.empty() ? "-" : r.holder.unit) || r.query.empty() || !is_text(r.query) || r.id == 0)
        throw Error(ErrorKind::Internal, "a dynamic debug change record with an unwritable field");
    std::string out(kHeader);
    out += "\nid " + hex_id(r.id) + "\nseq " + std::to_string(r.seq) + "\nuid " + std::to_string(r.holder.uid) +
           "\nsession " + r.holder.session + "\nunit " + r.holder.unit + "\ncreated " +
           std::to_string(r.created_realtime_usec) + "\nexpires-boot " + std::to_string(r.expires_boot_ns) +
           "\nexpires-real " + std::to_string(r.expires_realtime_usec) + "\nquery " + r.query + "\n";
    for (const auto& s : r.sites) {
        if (!storable(s))
            throw Error(ErrorKind::Internal, "a dynamic debug callsite with an unwritable name");
        out += "site " + s.old_flags + " " + s.new_flags + " " + std::to_string(s.key.line) + " " + s.key.module +
               " " + s.key.function + " " + s.key.file + (s.key.cls.empty() ? "" : " " + s.key.cls) + "\n";
    }
    return out;
}

ChangeRecord parse_change_record(std::string_view text, const std::string& file)
{
    if (text.size() > kMaxRecordBytes)
        throw Error(ErrorKind::Config, file + ": larger than " + std::to_string(kMaxRecordBytes) + " bytes");
    if (!text.starts_with(kHeader) || text.size() == kHeader.size() || text[kHeader.size()] != '\n')
        throw Error(ErrorKind::Config, file + ": not a dynamic debug change record");
    if (text.back() != '\n')
        throw Error(ErrorKind::Config, file + ": cut short");
    ChangeRecord r;
    std::set<std::string> seen;
    size_t pos = kHeader.size() + 1;
    while (pos < text.size()) {
        const size_t nl = text.find('\n', pos);
        const std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        const size_t sp = line.find(' ');
        if (sp == std::string_view::npos)
            throw Error(ErrorKind::Config, file + ": a line without a value: '" + shown_token(line) + "'");
        const std::string key(line.substr(0, sp));
        const std::string_view v = line.substr(sp + 1);
        if (key != "site" && !seen.insert(key).second)
            throw Error(ErrorKind::Config, file + ": '" + shown_token(key) + "' given twice");
        if (key == "id") {
            if (v.size() != 16)
                throw Error(ErrorKind::Config, file + ": invalid id");
            r.id = number<uint64_t>(v, file, "id", 16);
        } else if (key == "seq") {
            r.seq = number<uint64_t>(v, file, "seq");
        } else if (key == "uid") {
            r.holder.uid = number<uint32_t>(v, file, "uid");
        } else if (key == "session" || key == "unit") {
            if (!v.empty() && !is_word(v))
                throw Error(ErrorKind::Config, file + ": invalid " + key);
            (key == "session" ? r.holder.session : r.holder.unit) = std::string(v);
        } else if (key == "created") {
            r.created_realtime_usec = number<uint64_t>(v, file, "created");
        } else if (key == "expires-boot") {
            r.expires_boot_ns = number<uint64_t>(v, file, "expires-boot");
        } else if (key == "expires-real") {
            r.expires_realtime_usec = number<uint64_t>(v, file, "expires-real");
        } else if (key == "query") {
            if (v.empty() || !is_text(v))
                throw Error(ErrorKind::Config, file + ": invalid query");
            r.query = std::string(v);
        } else if (key == "site") {
            const auto f = fields(v);
            if (f.size() != 6 && f.size() != 7)
                throw Error(ErrorKind::Config, file + ": a site needs 6 or 7 fields");
            SiteChange s;
            s.old_flags = std::string(f[0]);
            s.new_flags = std::string(f[1]);
            s.key.line = number<uint32_t>(f[2], file, "site line");
            s.key.module = std::string(f[3]);
            s.key.function = std::string(f[4]);
            s.key.file = std::string(f[5]);
            if (f.size() == 7)
                s.key.cls = std::string(f[6]);
            if (!storable(s))
                throw Error(ErrorKind::Config, file + ": invalid site '" + shown_token(v) + "'");
            if (r.sites.size() >= kMaxRecordSites)
                throw Error(ErrorKind::Config, file + ": more than " + std::to_string(kMaxRecordSites) + " sites");
            r.sites.push_back(std::move(s));
        } else {
            throw Error(ErrorKind::Config, file + ": unknown key '" + shown_token(key) + "'");
        }
    }
    for (const char* k : {"id", "seq", "uid", "session", "unit", "created", "expires-boot", "expires-real", "query"})
        if (!seen.count(k))
            throw Error(ErrorKind::Config, file + ": no " + k);
    if (r.id == 0)
        throw Error(ErrorKind::Config, file + ": id 0");
    return r;
}

void ChangeStore::open()
{
    make_record_dir(dir_);
}

std::string ChangeStore::path_of(uint64_t id) const
{
    return dir_ + "/" + hex_id(id) + kSuffix;
}

void ChangeStore::save(const ChangeRecord& r)
{
    write_record(path_of(r.id), serialize(r));
}

void ChangeStore::erase(uint64_t id)
{
    erase_record(path_of(id));
}

std::vector<ChangeRecord> ChangeStore::load_all(std::vector<std::string>& bad)
{
    std::vector<ChangeRecord> out;
    for (const auto& path : record_paths(dir_, kSuffix)) {
        try {
            ChangeRecord r = parse_change_record(read_file(path, {.max_bytes = kMaxRecordBytes}), path);
            if (path_of(r.id) != path)
                throw Error(ErrorKind::Config, path + ": id does not match the file name");
            out.push_back(std::move(r));
        } catch (const Error& err) {
            bad.push_back(err.what());
            ::unlink(path.c_str());
        }
    }
    return out;
}

} // namespace ldb::dyndbg
