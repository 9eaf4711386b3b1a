// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A fake root for the hibernation check (gather_hibernation_facts below a
// directory): /sys, /proc and /dev laid out as the kernel does it, and a
// CryptInspector that answers from a table.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "fakes/test_support.hpp"
#include "hibernation/check.hpp"

namespace ldb {
// Readable failures: "shared-layer", not "4-byte object <0A-00 00-00>".
inline void PrintTo(HibernationBlock b, std::ostream* os) { *os << to_string(b); }
} // namespace ldb

namespace ldb_test::hibernation {

using namespace ldb;
namespace fs = std::filesystem;

inline constexpr const char* kLuks2Hex = "86f5ccb390cd4d19aeb14281012d3a72";

// Answers from a table, as libcryptsetup would; records what it was asked.
class FakeInspector : public CryptInspector {
public:
    std::map<std::string, CryptFacts> facts;
    std::map<std::string, std::string> errors;
    std::vector<CryptTarget> asked;

    CryptFacts inspect(const CryptTarget& t) override
    {
        asked.push_back(t);
        if (auto it = errors.find(t.dm_name); it != errors.end())
            throw Error(ErrorKind::Permission, it->second, "needs CAP_SYS_ADMIN");
        if (auto it = facts.find(t.dm_name); it != facts.end())
            return it->second;
        return CryptFacts{}; // not a crypt target
    }
};

inline CryptFacts crypt(std::string type, std::string cipher, std::string mode, std::string integrity = "",
                 uint32_t key = 0)
{
    CryptFacts f;
    f.type = std::move(type);
    f.cipher = std::move(cipher);
    f.cipher_mode = std::move(mode);
    f.integrity = std::move(integrity);
    f.integrity_key_size = key;
    f.live = true;
    f.source = "fake";
    return f;
}

struct Block {
    std::string name;
    DevNo devno;
    std::string dm_name;
    std::string dm_uuid;
    std::vector<std::string> slaves;
    uint64_t sectors = 16 * 1024 * 1024; // 8 GiB
};

// A fake root with /sys, /proc and /dev, laid out as the kernel does it
// (relative symlinks, so that they resolve inside the tree).
class Tree {
public:
    TempDir tmp;
    FakeInspector inspector;

    Tree()
    {
        resume("0:0");
        write_file(tmp / "sys/power/image_size", std::to_string(1717986918ULL) + "\n"); // 2/5 of 4 GiB
        meminfo(4ULL * 1024 * 1024, 1024 * 1024);
        swaps({});
    }

    void resume(const std::string& text) { write_file(tmp / "sys/power/resume", text + "\n"); }
    void resume_offset(uint64_t off) { write_file(tmp / "sys/power/resume_offset", std::to_string(off) + "\n"); }
    void image_size(uint64_t bytes) { write_file(tmp / "sys/power/image_size", std::to_string(bytes) + "\n"); }
    void meminfo(uint64_t total_kib, uint64_t active_anon_kib)
    {
        write_file(tmp / "proc/meminfo", "MemTotal:       " + std::to_string(total_kib) +
                                             " kB\nMemFree:          123456 kB\nActive(anon):   " +
                                             std::to_string(active_anon_kib) + " kB\n");
    }
    void swaps(const std::vector<std::string>& lines)
    {
        std::string s = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
        for (const auto& l : lines)
            s += l + "\n";
        write_file(tmp / "proc/swaps", s);
    }
    void block(const Block& b)
    {
        const std::string dir = "sys/devices/virtual/block/" + b.name;
        write_file(tmp / dir / "dev", to_string(b.devno) + "\n");
        write_file(tmp / dir / "size", std::to_string(b.sectors) + "\n");
        if (!b.dm_name.empty()) {
            write_file(tmp / dir / "dm/name", b.dm_name + "\n");
            write_file(tmp / dir / "dm/uuid", b.dm_uuid + "\n");
        }
        fs::create_directories(tmp / dir / "slaves");
        fs::create_directories(tmp / dir / "holders");
        for (const auto& s : b.slaves) {
            fs::create_symlink("../../" + s, tmp / dir / "slaves" / s);
            // The kernel links both ways: the lower device lists its holders.
            const auto holders = tmp / "sys/devices/virtual/block" / s / "holders";
            fs::create_directories(holders);
            fs::remove(holders / b.name);
            fs::create_symlink("../../" + b.name, holders / b.name);
        }
        link("sys/dev/block/" + to_string(b.devno), "../../devices/virtual/block/" + b.name);
        link("sys/class/block/" + b.name, "../../devices/virtual/block/" + b.name);
        write_file(tmp / "dev" / b.name, "");
        if (!b.dm_name.empty())
            link("dev/mapper/" + b.dm_name, "../" + b.name);
    }
    // udev's /dev/disk/by-uuid link to a device.
    void uuid(const std::string& uuid, const std::string& name) { link("dev/disk/by-uuid/" + uuid, "../../" + name); }
    void link(const std::string& at, const std::string& target)
    {
        fs::create_directories((tmp / at).parent_path());
        fs::remove(tmp / at);
        fs::create_symlink(target, tmp / at);
    }

    // The usual LUKS2 --integrity stack: dm-1 (crypt) over dm-0 (integrity) over vda2.
    void luks2_integrity_stack(const std::string& name, const CryptFacts& f)
    {
        block({"vda2", {254, 2}, "", "", {}});
        block({"dm-0", {253, 0}, name + "_dif", std::string("CRYPT-SUBDEV-") + kLuks2Hex + "-" + name + "_dif", {"vda2"}});
        block({"dm-1", {253, 1}, name, std::string("CRYPT-LUKS2-") + kLuks2Hex + "-" + name, {"dm-0"}});
        inspector.facts[name] = f;
    }
    // dm-0 (crypt, given uuid) directly over vda2.
    void crypt_stack(const std::string& uuid, const CryptFacts& f)
    {
        block({"vda2", {254, 2}, "", "", {}});
        block({"dm-0", {253, 0}, "cryptswap", uuid, {"vda2"}});
        inspector.facts["cryptswap"] = f;
    }

    HibernationFacts facts() { return gather_hibernation_facts(inspector, tmp.str()); }
    HibernationVerdict verdict(bool require_authenticated = true)
    {
        return classify_hibernation(facts(), HibernationPolicy{require_authenticated});
    }
};

inline const std::string kSwapLine = "/dev/dm-1                               partition\t8388604\t\t0\t\t-2";

} // namespace ldb_test::hibernation
