// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <libcryptsetup.h>
#include <libdevmapper.h>

#include <map>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <vector>

#include "hibernation/crypt_inspect.hpp"
#include "hibernation/writer/dm_table.hpp"
#include "base/error.hpp"
#include "hibernation/check.hpp"
#include "fakes/test_support.hpp"

using namespace ldb;

namespace ldb {
// Readable failures: "shared-layer", not "4-byte object <0A-00 00-00>".
void PrintTo(HibernationBlock b, std::ostream* os) { *os << to_string(b); }
} // namespace ldb

using ldb_test::catch_error;
using ldb_test::TempDir;
using ldb_test::write_file;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
namespace fs = std::filesystem;

namespace {

// ---- fixtures -------------------------------------------------------------------

constexpr const char* kLuks2Hex = "86f5ccb390cd4d19aeb14281012d3a72";

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

CryptFacts crypt(std::string type, std::string cipher, std::string mode, std::string integrity = "",
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

const std::string kSwapLine = "/dev/dm-1                               partition\t8388604\t\t0\t\t-2";

} // namespace

// ---- parsers ---------------------------------------------------------------------

TEST(ParseDevno, Valid)
{
    EXPECT_EQ(parse_devno("253:1\n"), (DevNo{253, 1}));
    EXPECT_EQ(parse_devno("0:0"), (DevNo{0, 0}));
    EXPECT_EQ(parse_devno("4095:1048575"), (DevNo{4095, 1048575}));
}

TEST(ParseDevno, Junk)
{
    for (const char* s : {"", "\n", ":", "253:", ":1", "253", "253:1:2", "-1:2", "+1:2", " 253:1", "253:1 ",
                          "253:1\n\n", "4096:0", "0:1048576", "99999999999999999999:1", "a:b", "253\n:1", "0x10:1",
                          "/dev/vda2"}) {
        SCOPED_TRACE(s);
        EXPECT_EQ(parse_devno(s), std::nullopt);
    }
    EXPECT_EQ(parse_devno(std::string_view("253:1\0", 6)), std::nullopt);
}

TEST(ParseU64, ValidAndJunk)
{
    EXPECT_EQ(parse_u64("0\n"), 0u);
    EXPECT_EQ(parse_u64("18446744073709551615"), UINT64_MAX);
    for (const char* s : {"", "18446744073709551616", "-1", "1.5", "12 ", " 12", "1e3", "0x10"}) {
        SCOPED_TRACE(s);
        EXPECT_EQ(parse_u64(s), std::nullopt);
    }
}

TEST(UnescapeOctal, KernelEscapes)
{
    EXPECT_EQ(unescape_octal("/swap\\040file"), "/swap file");
    EXPECT_EQ(unescape_octal("/a\\011b\\012c\\134d"), "/a\tb\nc\\d");
    EXPECT_EQ(unescape_octal("/x\\040(deleted)"), "/x (deleted)");
    // Not an escape: left alone.
    EXPECT_EQ(unescape_octal("\\"), "\\");
    EXPECT_EQ(unescape_octal("\\04"), "\\04");
    EXPECT_EQ(unescape_octal("\\400"), "\\400");
    EXPECT_EQ(unescape_octal("\\08x"), "\\08x");
    EXPECT_EQ(unescape_octal("end\\"), "end\\");
}

TEST(ParseProcSwaps, Typical)
{
    std::vector<std::string> warnings;
    const auto e = parse_proc_swaps("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                                    "/dev/dm-1                               partition\t8388604\t\t1024\t\t-2\n"
                                    "/swap\\040file                          file\t\t1048572\t\t0\t\t10\n"
                                    "/old\\040(deleted)                      file\t\t1000\t\t0\t\t-3\n",
                                    warnings);
    EXPECT_THAT(warnings, IsEmpty());
    ASSERT_EQ(e.size(), 3u);
    EXPECT_EQ(e[0].path, "/dev/dm-1");
    EXPECT_EQ(e[0].type, SwapType::Partition);
    EXPECT_EQ(e[0].size_kib, 8388604u);
    EXPECT_EQ(e[0].used_kib, 1024u);
    EXPECT_EQ(e[0].priority, -2);
    EXPECT_EQ(e[0].line, 2u);
    EXPECT_EQ(e[1].path, "/swap file");
    EXPECT_EQ(e[1].type, SwapType::File);
    EXPECT_EQ(e[1].priority, 10);
    EXPECT_FALSE(e[1].deleted);
    EXPECT_EQ(e[2].path, "/old (deleted)");
    EXPECT_TRUE(e[2].deleted);
}

TEST(ParseProcSwaps, HeaderOnlyAndEmpty)
{
    std::vector<std::string> warnings;
    EXPECT_THAT(parse_proc_swaps("Filename\tType\tSize\tUsed\tPriority\n", warnings), IsEmpty());
    EXPECT_THAT(parse_proc_swaps("", warnings), IsEmpty());
    EXPECT_THAT(warnings, IsEmpty());
}

TEST(ParseProcSwaps, BadLinesAreSkippedAndNamed)
{
    std::vector<std::string> warnings;
    const auto e = parse_proc_swaps("Filename\tType\tSize\tUsed\tPriority\n"
                                    "/dev/vda3 partition 1000\n"             // truncated
                                    "/dev/vda4 partition 1000 0 -2 extra\n"  // too long
                                    "/dev/vda5 partition 1k 0 -2\n"          // junk number
                                    "/dev/vda6 partition 1000 0 99999999999\n" // priority overflow
                                    "/dev/vda7 partition 1000 -1 -2\n"       // negative used
                                    "\n"
                                    "/dev/vda8 partition 2000 0 -3\n"
                                    "/dev/vda9 partit",                      // cut off at EOF
                                    warnings);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].path, "/dev/vda8");
    EXPECT_EQ(e[0].line, 8u);
    ASSERT_EQ(warnings.size(), 6u);
    EXPECT_THAT(warnings[0], AllOf(HasSubstr("line 2"), HasSubstr("too few fields")));
    EXPECT_THAT(warnings[1], AllOf(HasSubstr("line 3"), HasSubstr("too many fields")));
    EXPECT_THAT(warnings[2], HasSubstr("line 4"));
    EXPECT_THAT(warnings[5], HasSubstr("line 9"));
}

TEST(ParseProcSwaps, NoHeaderAndUnknownType)
{
    std::vector<std::string> warnings;
    const auto e = parse_proc_swaps("/dev/vda3 partition 1000 0 -2\n/dev/x weird 1 0 0\n", warnings);
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0].path, "/dev/vda3");
    EXPECT_EQ(e[1].type, SwapType::Other);
    EXPECT_EQ(e[1].type_text, "weird");
}

TEST(ParseProcSwaps, FloodIsBounded)
{
    std::string text = "Filename\tType\tSize\tUsed\tPriority\n";
    for (int i = 0; i < 200; i++)
        text += "/dev/vd" + std::to_string(i) + " partition 1000 0 -2\n";
    for (int i = 0; i < 200; i++)
        text += "junk\n";
    std::vector<std::string> warnings;
    const auto e = parse_proc_swaps(text, warnings);
    EXPECT_EQ(e.size(), 64u);
    EXPECT_LE(warnings.size(), 9u);
    EXPECT_THAT(warnings.back(), HasSubstr("more malformed lines"));
}

TEST(ParseMeminfo, Fields)
{
    const std::string m = "MemTotal:       16318416 kB\nMemFree:  1 kB\nActive(anon):     123 kB\nHugePages_Total:  0\n";
    EXPECT_EQ(parse_meminfo_kib(m, "MemTotal"), 16318416u);
    EXPECT_EQ(parse_meminfo_kib(m, "Active(anon)"), 123u);
    EXPECT_EQ(parse_meminfo_kib(m, "HugePages_Total"), 0u);
    EXPECT_EQ(parse_meminfo_kib(m, "Active"), std::nullopt);
    EXPECT_EQ(parse_meminfo_kib(m, "Mem"), std::nullopt);
    EXPECT_EQ(parse_meminfo_kib("MemTotal: lots kB\n", "MemTotal"), std::nullopt);
    EXPECT_EQ(parse_meminfo_kib("MemTotal:", "MemTotal"), std::nullopt);
    EXPECT_EQ(parse_meminfo_kib("", "MemTotal"), std::nullopt);
}

TEST(ParseDmUuid, CryptsetupForms)
{
    auto u = parse_dm_uuid(std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap");
    EXPECT_TRUE(u.cryptsetup);
    EXPECT_EQ(u.type, "LUKS2");
    EXPECT_EQ(u.header_uuid, kLuks2Hex);
    EXPECT_EQ(u.name, "cryptswap");

    u = parse_dm_uuid(std::string("CRYPT-SUBDEV-") + kLuks2Hex + "-swap-with-dash_dif");
    EXPECT_EQ(u.type, "SUBDEV");
    EXPECT_EQ(u.name, "swap-with-dash_dif");

    u = parse_dm_uuid("CRYPT-PLAIN-swap");
    EXPECT_EQ(u.type, "PLAIN");
    EXPECT_EQ(u.header_uuid, "");
    EXPECT_EQ(u.name, "swap");

    u = parse_dm_uuid("CRYPT-INTEGRITY-int0");
    EXPECT_EQ(u.type, "INTEGRITY");

    u = parse_dm_uuid(std::string("CRYPT-LUKS1-") + "86F5CCB390CD4D19AEB14281012D3A72" + "-x");
    EXPECT_EQ(u.header_uuid, kLuks2Hex) << "hex is compared in lower case";
}

TEST(ParseDmUuid, NotCryptsetupOrBroken)
{
    for (const char* s : {"", "LVM-abcdef", "crypt-LUKS2-x", "CRYPT-", "CRYPT--name", "CRYPT-luks2-x", "CRYPT-LU KS-x"}) {
        SCOPED_TRACE(s);
        EXPECT_FALSE(parse_dm_uuid(s).cryptsetup);
    }
    // Too short to hold a header uuid: all of it is the name.
    const auto u = parse_dm_uuid("CRYPT-LUKS2-abc-name");
    EXPECT_TRUE(u.cryptsetup);
    EXPECT_EQ(u.header_uuid, "");
    EXPECT_EQ(u.name, "abc-name");
}

TEST(ParseHolders, SortedAndUnique)
{
    std::string err;
    EXPECT_EQ(parse_holders({}, err), std::vector<std::string>{});
    EXPECT_EQ(parse_holders({"dm-3", "dm-10", "dm-3", "nvme0n1p2", "cciss!c0d0"}, err),
              (std::vector<std::string>{"cciss!c0d0", "dm-10", "dm-3", "nvme0n1p2"}));
    EXPECT_EQ(err, "");
    EXPECT_EQ(parse_holders({std::string(64, 'x')}, err), std::vector<std::string>{std::string(64, 'x')});
}

TEST(ParseHolders, Junk)
{
    for (const std::string& bad : {std::string(""), std::string("."), std::string(".."), std::string("a/b"),
                                  std::string("dm 3"), std::string("dm-3\n"), std::string("dm-3\t"),
                                  std::string("dm\x01"), std::string("dm\x7f"), std::string("d\xc3\xa9"),
                                  std::string("dm-3\0x", 6), std::string(65, 'x')}) {
        SCOPED_TRACE(bad);
        std::string err;
        EXPECT_EQ(parse_holders({"dm-1", bad}, err), std::nullopt);
        EXPECT_THAT(err, HasSubstr("is not a block device name"));
        for (char c : err)
            EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) << "the message is printable";
    }
    std::vector<std::string> many;
    for (size_t i = 0; i <= kMaxHolders; i++)
        many.push_back("dm-" + std::to_string(i));
    std::string err;
    EXPECT_EQ(parse_holders(many, err), std::nullopt);
    EXPECT_THAT(err, HasSubstr("more than 256"));
    many.pop_back();
    EXPECT_EQ(parse_holders(many, err)->size(), kMaxHolders);
}

TEST(ParseCipherSpec, LegacyForms)
{
    auto s = parse_cipher_spec("aes-xts-plain64");
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->capi);
    EXPECT_EQ(s->cipher, "aes");
    EXPECT_EQ(s->chain_mode, "xts");
    EXPECT_EQ(s->iv_mode, "plain64");

    s = parse_cipher_spec("aes:64-cbc-lmk");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->cipher, "aes");
    EXPECT_EQ(s->iv_mode, "lmk");

    s = parse_cipher_spec("aes-cbc-essiv:sha256");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->iv_mode, "essiv:sha256");

    s = parse_cipher_spec("cipher_null-ecb");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->cipher, "cipher_null");
    EXPECT_EQ(s->chain_mode, "ecb");
    EXPECT_EQ(s->iv_mode, "");

    s = parse_cipher_spec("aegis128-random");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->cipher, "aegis128");
    EXPECT_EQ(s->chain_mode, "random");
}

TEST(ParseCipherSpec, CapiForms)
{
    auto s = parse_cipher_spec("capi:authenc(hmac(sha256),xts(aes))-random");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->capi);
    EXPECT_EQ(s->cipher, "authenc(hmac(sha256),xts(aes))");
    EXPECT_EQ(s->iv_mode, "random");

    s = parse_cipher_spec("capi:cbc(aes)-essiv:sha256");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->cipher, "cbc(aes)");
    EXPECT_EQ(s->iv_mode, "essiv:sha256");

    s = parse_cipher_spec("capi:xts(aes-generic)-plain64");
    ASSERT_TRUE(s) << "a dash inside the API name belongs to it";
    EXPECT_EQ(s->cipher, "xts(aes-generic)");
}

TEST(ParseCipherSpec, Junk)
{
    for (const char* s : {"", "-", "aes-", "aes--plain64", "aes-xts-", "aes:x-xts-plain64", "capi:", "capi:-random",
                          "capi:gcm(aes-random", "capi:gcm(aes))-random", "capi:gcm(aes)", "capi:(aes)-random",
                          "aes xts", "aes-xts-plain64:", "aes-xts-plain64:a:b", "capi:gcm(aes)-random:",
                          "a\x01-xts-plain"}) {
        SCOPED_TRACE(s);
        EXPECT_EQ(parse_cipher_spec(s), std::nullopt);
    }
    EXPECT_EQ(parse_cipher_spec(std::string(300, 'a')), std::nullopt);
}

TEST(AssessCrypt, EachCase)
{
    struct Case {
        CryptFacts f;
        bool encrypts, authenticates;
    };
    const Case cases[] = {
        {crypt("LUKS2", "aes", "xts-plain64"), true, false},
        {crypt("LUKS1", "aes", "cbc-essiv:sha256"), true, false},
        {crypt("PLAIN", "aes", "xts-plain64"), true, false},
        {crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32), true, true},
        {crypt("LUKS2", "aes", "xts-random", "hmac(sha512)", 64), true, true},
        {crypt("LUKS2", "aes", "gcm-random", "aead"), true, true},
        {crypt("LUKS2", "chacha20", "random", "poly1305"), true, true},
        {crypt("LUKS2", "aegis128", "random", "aead"), true, true},
        {crypt("LUKS2", "aes", "xts-plain64", "aead"), true, false}, // aead claimed, cipher is not
        {crypt("LUKS2", "aes", "xts-random", "crc32c"), true, false},
        {crypt("", "capi:authenc(hmac(sha256),xts(aes))", "random"), true, true},
        {crypt("", "capi:rfc7539(chacha20,poly1305)", "random"), true, true},
        {crypt("PLAIN", "aes", "gcm-random"), true, true},
        {crypt("LUKS2", "cipher_null", "ecb"), false, false},
        {crypt("LUKS2", "", ""), false, false},
        {crypt("", "capi:rfc4543(gcm(aes))", "random"), false, true},
        {crypt("INTEGRITY", "", "", "hmac(sha256)", 32), false, true},
        {crypt("INTEGRITY", "", "", "crc32c"), false, false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.f.type + " " + c.f.cipher + "-" + c.f.cipher_mode + " / " + c.f.integrity);
        const auto a = assess_crypt(c.f);
        EXPECT_EQ(a.encrypts, c.encrypts);
        EXPECT_EQ(a.authenticates, c.authenticates);
        EXPECT_FALSE(a.description.empty());
        if (!a.authenticates) {
            EXPECT_FALSE(a.why.empty());
        }
    }
}

// ---- the cases of issue 4, on fixture trees ----------------------------------------

TEST(HibernationCheck, PlainSwapPartition)
{
    Tree t;
    t.block({"vda3", {254, 3}, "", "", {}});
    t.swaps({"/dev/vda3 partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.protection, ImageProtection::Unencrypted);
    EXPECT_EQ(v.block, HibernationBlock::Unencrypted);
    EXPECT_FALSE(v.allowed());
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap /dev/vda3"), HasSubstr("not encrypted")));
    EXPECT_EQ(v.swap, "/dev/vda3");
    EXPECT_EQ(v.target, (DevNo{254, 3}));
    EXPECT_THAT(t.inspector.asked, IsEmpty()) << "a plain disk is not asked about";
}

TEST(HibernationCheck, Luks2WithoutIntegrityIsEncryptedOnly)
{
    Tree t;
    t.crypt_stack(std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", crypt("LUKS2", "aes", "xts-plain64"));
    t.swaps({"/dev/dm-0 partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.protection, ImageProtection::EncryptedOnly);
    EXPECT_EQ(v.block, HibernationBlock::NotAuthenticated);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap /dev/dm-0 is encrypted but not authenticated"),
                                 HasSubstr("LUKS2, aes-xts-plain64, no integrity"),
                                 HasSubstr("RequireAuthenticatedImage=no")));
    ASSERT_EQ(t.inspector.asked.size(), 1u);
    EXPECT_EQ(t.inspector.asked[0].dm_name, "cryptswap");
    EXPECT_EQ(t.inspector.asked[0].device, "/dev/dm-0");
    EXPECT_EQ(t.inspector.asked[0].header_device, "/dev/vda2");
}

TEST(HibernationCheck, EncryptedOnlyAcceptedAsWeakerTierWhenAllowed)
{
    Tree t;
    t.crypt_stack(std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", crypt("LUKS2", "aes", "xts-plain64"));
    t.swaps({"/dev/mapper/cryptswap partition 8388604 0 -2"});
    t.resume("253:0");
    const auto v = t.verdict(false);
    EXPECT_TRUE(v.allowed()) << v.blocker;
    EXPECT_EQ(v.protection, ImageProtection::EncryptedOnly);
    EXPECT_THAT(v.tier, AllOf(HasSubstr("weaker tier"), HasSubstr("RequireAuthenticatedImage=no")));
    EXPECT_THAT(v.summary, HasSubstr("swap /dev/mapper/cryptswap (/dev/dm-0)"));
    EXPECT_EQ(v.blocker, "");
}

TEST(HibernationCheck, Luks1AndPlainWithoutIntegrity)
{
    for (const auto& [uuid, f] :
         {std::pair{std::string("CRYPT-LUKS1-") + kLuks2Hex + "-cryptswap", crypt("LUKS1", "aes", "xts-plain64")},
          std::pair{std::string("CRYPT-PLAIN-cryptswap"), crypt("PLAIN", "aes", "cbc-essiv:sha256")}}) {
        SCOPED_TRACE(uuid);
        Tree t;
        t.crypt_stack(uuid, f);
        t.swaps({"/dev/dm-0 partition 8388604 0 -2"});
        t.resume("253:0");
        auto v = t.verdict();
        EXPECT_EQ(v.protection, ImageProtection::EncryptedOnly);
        EXPECT_EQ(v.block, HibernationBlock::NotAuthenticated);
        EXPECT_THAT(v.blocker, HasSubstr(f.type));
        v = t.verdict(false);
        EXPECT_TRUE(v.allowed());
    }
}

TEST(HibernationCheck, Luks2IntegrityIsAuthenticated)
{
    for (const auto& f : {crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32),
                          crypt("LUKS2", "aes", "xts-random", "hmac(sha512)", 64),
                          crypt("LUKS2", "aes", "gcm-random", "aead"),
                          crypt("LUKS2", "chacha20", "random", "poly1305")}) {
        SCOPED_TRACE(f.integrity);
        Tree t;
        t.luks2_integrity_stack("cryptswap", f);
        t.swaps({kSwapLine});
        t.resume("253:1");
        const auto v = t.verdict();
        EXPECT_TRUE(v.allowed()) << v.blocker;
        EXPECT_EQ(v.protection, ImageProtection::Authenticated);
        EXPECT_EQ(v.block, HibernationBlock::None);
        EXPECT_THAT(v.tier, HasSubstr("authenticated"));
        EXPECT_THAT(v.summary, HasSubstr("/dev/dm-1"));
        EXPECT_EQ(v.target, (DevNo{253, 1}));
        // The sub-device is not asked about; the header is looked for below it.
        ASSERT_EQ(t.inspector.asked.size(), 1u);
        EXPECT_EQ(t.inspector.asked[0].dm_name, "cryptswap");
        EXPECT_EQ(t.inspector.asked[0].header_device, "/dev/vda2");
    }
}

TEST(HibernationCheck, DmCryptWithAeadCipherMadeByDmsetup)
{
    for (const auto& f : {crypt("", "capi:authenc(hmac(sha256),xts(aes))", "random"),
                          crypt("", "aes", "gcm-random")}) {
        SCOPED_TRACE(f.cipher);
        Tree t;
        t.block({"vda2", {254, 2}, "", "", {}});
        t.block({"dm-0", {253, 0}, "aeadint", "", {"vda2"}});
        t.block({"dm-1", {253, 1}, "aeadswap", "", {"dm-0"}});
        t.inspector.facts["aeadswap"] = f;
        t.swaps({kSwapLine});
        t.resume("253:1");
        const auto v = t.verdict();
        EXPECT_TRUE(v.allowed()) << v.blocker;
        EXPECT_EQ(v.protection, ImageProtection::Authenticated);
        const auto facts = t.facts();
        EXPECT_EQ(facts.swaps[0].layers[0].kind, LayerKind::DmCrypt);
        EXPECT_EQ(facts.swaps[0].layers[1].kind, LayerKind::DmOther) << "the integrity table is no crypt target";
    }
}

TEST(HibernationCheck, SwapFileOnEncryptedFilesystem)
{
    Tree t;
    write_file(t.tmp / "swapfile", "not really swap");
    struct stat st{};
    ASSERT_EQ(::stat((t.tmp / "swapfile").c_str(), &st), 0);
    const DevNo fsdev{::major(st.st_dev), ::minor(st.st_dev)};
    t.block({"vda2", {254, 2}, "", "", {}});
    Block fs{"dm-7", fsdev, "cryptroot", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptroot", {"vda2"}};
    t.block(fs);
    t.inspector.facts["cryptroot"] = crypt("LUKS2", "aes", "xts-plain64");
    t.swaps({"/swapfile file 8388604 0 -2"});

    auto v = t.verdict();
    EXPECT_EQ(v.protection, ImageProtection::EncryptedOnly);
    EXPECT_EQ(v.block, HibernationBlock::NotAuthenticated);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap file /swapfile"),
                                 HasSubstr("its file system is on /dev/dm-7 (cryptroot)"),
                                 HasSubstr("encrypted but not authenticated"),
                                 HasSubstr("nothing authenticates them")));
    EXPECT_EQ(v.target, fsdev);

    // The same file system on LUKS2 --integrity: the file's blocks are
    // authenticated, but the image writer (which must flush dm-integrity)
    // writes to swap partitions only, so this is refused as unsupported.
    t.inspector.facts["cryptroot"] = crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32);
    v = t.verdict();
    EXPECT_EQ(v.protection, ImageProtection::Authenticated);
    EXPECT_EQ(v.block, HibernationBlock::Unsupported);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap file /swapfile (its file system is on /dev/dm-7"),
                                 HasSubstr("swap partitions only")));
}

TEST(HibernationCheck, SwapOnMdIsUnsupported)
{
    Tree t;
    t.block({"vda1", {254, 1}, "", "", {}});
    t.block({"vdb1", {254, 17}, "", "", {}});
    t.block({"md0", {9, 0}, "", "", {"vda1", "vdb1"}});
    t.block({"dm-1", {253, 1}, "cryptswap", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", {"md0"}});
    t.inspector.facts["cryptswap"] = crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32);
    t.swaps({"/dev/dm-1 partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.protection, ImageProtection::Authenticated);
    EXPECT_EQ(v.block, HibernationBlock::Unsupported);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("md0"), HasSubstr("not tested")));
}

TEST(HibernationCheck, SwapFileOnUnencryptedAndOnUnknownFilesystem)
{
    Tree t;
    write_file(t.tmp / "swapfile", "x");
    struct stat st{};
    ASSERT_EQ(::stat((t.tmp / "swapfile").c_str(), &st), 0);
    t.swaps({"/swapfile file 1048572 0 -2"});
    // No /sys/dev/block entry for the file system (btrfs, tmpfs, NFS).
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap file /swapfile"), HasSubstr("not a block device")));

    t.block({"vda1", {::major(st.st_dev), ::minor(st.st_dev)}, "", "", {}});
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unencrypted);
    EXPECT_THAT(v.blocker, HasSubstr("swap file /swapfile (its file system is on /dev/vda1) is not encrypted"));
}

TEST(HibernationCheck, ZramOnlyIsRefused)
{
    Tree t;
    t.block({"zram0", {252, 0}, "", "", {}});
    t.swaps({"/dev/zram0 partition 4194300 0 100"});
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::VolatileSwap);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/dev/zram0"), HasSubstr("lost at power-off")));
}

TEST(HibernationCheck, ZramIsSkippedForTheDiskSwap)
{
    Tree t;
    t.block({"zram0", {252, 0}, "", "", {}});
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({"/dev/zram0 partition 4194300 0 100", kSwapLine});
    auto v = t.verdict();
    EXPECT_EQ(v.swap, "/dev/dm-1") << "zram is skipped although its priority is higher";
    EXPECT_EQ(v.block, HibernationBlock::ResumeUnset);
    t.resume("253:1");
    v = t.verdict();
    EXPECT_TRUE(v.allowed()) << v.blocker;
    EXPECT_EQ(v.swap, "/dev/dm-1");
}

TEST(HibernationCheck, CryptOverZramIsStillVolatile)
{
    Tree t;
    t.block({"zram0", {252, 0}, "", "", {}});
    t.block({"dm-0", {253, 0}, "zswap", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-zswap", {"zram0"}});
    t.inspector.facts["zswap"] = crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32);
    t.swaps({"/dev/mapper/zswap partition 4194300 0 100"});
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::VolatileSwap);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap /dev/mapper/zswap"), HasSubstr("zram0")));
}

TEST(HibernationCheck, NoSwap)
{
    Tree t;
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::NoSwap);
    EXPECT_THAT(v.blocker, HasSubstr("no swap is active"));
    EXPECT_EQ(v.swap_index, std::nullopt);

    write_file(t.tmp / "old", "");
    t.swaps({"/old\\040(deleted) file 1000 0 -2"});
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::NoSwap);
    EXPECT_THAT(v.blocker, HasSubstr("/old (deleted)"));
}

TEST(HibernationCheck, ResumePointsElsewhere)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"vda3", {254, 3}, "", "", {}});
    t.swaps({kSwapLine});
    t.resume("254:3");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::ResumeMismatch);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/sys/power/resume points at 254:3 (/dev/vda3)"),
                                 HasSubstr("not an active swap"), HasSubstr("/dev/dm-1 (253:1)")));
}

TEST(HibernationCheck, ResumeAtAnotherDeviceSaysHowToPointIt)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.uuid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "dm-1");
    t.block({"vdb1", {254, 17}, "", "", {}});
    t.swaps({kSwapLine});
    t.resume("254:17");
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::ResumeMismatch);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/sys/power/resume points at 254:17 (/dev/vdb1)"),
                                 HasSubstr("To point it at swap /dev/dm-1, add "
                                           "resume=UUID=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 to the kernel command line"),
                                 HasSubstr("RESUME=UUID=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 into "
                                           "/etc/initramfs-tools/conf.d/resume"),
                                 HasSubstr("update-initramfs -u"), Not(HasSubstr("clear it"))));
    EXPECT_EQ(to_string(v.block), "resume-mismatch");

    // Pointed at the swap: accepted.
    t.resume("253:1");
    EXPECT_TRUE(t.verdict().allowed());
}

TEST(HibernationCheck, ResumeUnsetIsRefused)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("0:0");
    auto v = t.verdict();
    EXPECT_FALSE(v.allowed());
    EXPECT_EQ(v.block, HibernationBlock::ResumeUnset);
    EXPECT_EQ(to_string(v.block), "resume-unset");
    EXPECT_EQ(v.protection, ImageProtection::Authenticated) << "the protection is still reported";
    EXPECT_EQ(v.swap, "/dev/dm-1");
    EXPECT_EQ(v.target, (DevNo{253, 1}));
    // Without a /dev/disk/by-uuid link the hint says where to get the UUID.
    EXPECT_THAT(v.blocker,
                AllOf(HasSubstr("/sys/power/resume is unset (0:0)"),
                      HasSubstr("the next boot would not look for the hibernation image on swap /dev/dm-1"),
                      HasSubstr("add resume=UUID=<UUID> to the kernel command line"),
                      HasSubstr("RESUME=UUID=<UUID> into /etc/initramfs-tools/conf.d/resume and run update-initramfs -u"),
                      HasSubstr("'blkid -s UUID -o value /dev/dm-1'")));
    EXPECT_EQ(v.summary, v.blocker);

    t.uuid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "dm-1");
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::ResumeUnset);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("resume=UUID=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 "),
                                 HasSubstr("RESUME=UUID=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 "), Not(HasSubstr("blkid"))));

    // Junk names in by-uuid are not offered as a UUID.
    Tree u;
    u.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    u.swaps({kSwapLine});
    u.uuid("not a uuid; rm -rf", "dm-1");
    EXPECT_THAT(u.verdict().blocker, HasSubstr("resume=UUID=<UUID>"));
}

TEST(HibernationCheck, ResumeUnsetDoesNotHideAnUnprotectedSwap)
{
    Tree t;
    t.block({"vda3", {254, 3}, "", "", {}});
    t.swaps({"/dev/vda3 partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unencrypted);
    EXPECT_THAT(v.summary, HasSubstr("also, /sys/power/resume is unset (0:0)"));
    EXPECT_THAT(v.blocker, Not(HasSubstr("resume")));
}

TEST(HibernationCheck, SwapFileResumeOffsetMustMatch)
{
    // Swap files are refused as unsupported by the writer anyway; the offset
    // still decides whether resume= names the file, and a mismatch is said.
    Tree t;
    write_file(t.tmp / "swapfile", "x");
    struct stat st{};
    ASSERT_EQ(::stat((t.tmp / "swapfile").c_str(), &st), 0);
    const DevNo fsdev{::major(st.st_dev), ::minor(st.st_dev)};
    t.block({"vda2", {254, 2}, "", "", {}});
    t.block({"dm-7", fsdev, "cryptroot", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptroot", {"vda2"}});
    t.inspector.facts["cryptroot"] = crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32);
    t.swaps({"/swapfile file 8388604 0 -2"});
    t.resume(to_string(fsdev));
    HibernationFacts f = t.facts();
    ASSERT_EQ(f.swaps.size(), 1u);
    f.swaps[0].file_offset_pages = 34816;

    f.resume_offset = 34816;
    auto v = classify_hibernation(f, {});
    EXPECT_EQ(v.choice, "/sys/power/resume points at it");
    EXPECT_EQ(v.target_offset, 34816u);
    EXPECT_EQ(v.block, HibernationBlock::Unsupported);
    EXPECT_THAT(v.summary, Not(HasSubstr("also")));

    f.resume_offset = 4096;
    v = classify_hibernation(f, {});
    EXPECT_EQ(v.block, HibernationBlock::Unsupported) << "the more basic problem is named first";
    EXPECT_THAT(v.summary, AllOf(HasSubstr("also, /sys/power/resume points at " + to_string(fsdev)),
                                 HasSubstr("at offset 4096"), HasSubstr("not an active swap")));

    // An offset that FIEMAP could not tell is no match either.
    f.resume_offset = 34816;
    f.swaps[0].file_offset_pages = std::nullopt;
    v = classify_hibernation(f, {});
    EXPECT_NE(v.choice, "/sys/power/resume points at it");
    EXPECT_THAT(v.summary, HasSubstr("at offset 34816, which is not an active swap"));
}

TEST(HibernationCheck, AnUnprotectedSwapIsNamedBeforeAResumeMismatch)
{
    // resume= names the authenticated swap from boot, but only a plain
    // swap is active: its lack of encryption is the problem to state.
    Tree t;
    t.block({"vdc", {254, 32}, "", "", {}});
    t.block({"dm-1", {253, 1}, "cryptswap", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", {}});
    t.swaps({"/dev/vdc partition 8388604 0 -2"});
    t.resume("253:1");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unencrypted);
    EXPECT_THAT(v.blocker, HasSubstr("swap /dev/vdc is not encrypted"));
    EXPECT_THAT(v.summary, HasSubstr("also, /sys/power/resume points at 253:1"));
}

TEST(HibernationCheck, ResumeAtZram)
{
    Tree t;
    t.block({"zram0", {252, 0}, "", "", {}});
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({"/dev/zram0 partition 4194300 0 100", kSwapLine});
    t.resume("252:0");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::VolatileSwap);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("252:0 (/dev/zram0)"), HasSubstr("in RAM")));
}

TEST(HibernationCheck, ResumeSelectsALowerPrioritySwap)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"vda3", {254, 3}, "", "", {}});
    t.swaps({"/dev/vda3 partition 8388604 0 10", kSwapLine});
    t.resume("253:1");
    auto v = t.verdict();
    EXPECT_TRUE(v.allowed()) << v.blocker;
    EXPECT_EQ(v.swap, "/dev/dm-1");
    EXPECT_EQ(v.choice, "/sys/power/resume points at it");

    // Without resume=, systemd takes the higher priority: the plain one.
    t.resume("0:0");
    v = t.verdict();
    EXPECT_EQ(v.swap, "/dev/vda3");
    EXPECT_EQ(v.block, HibernationBlock::Unencrypted);
    EXPECT_THAT(v.choice, HasSubstr("highest priority (10)"));
}

TEST(HibernationCheck, ResumeOffsetMustMatchForAPartition)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    t.resume_offset(34816);
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::ResumeMismatch);
    EXPECT_THAT(v.blocker, HasSubstr("at offset 34816"));
}

TEST(HibernationCheck, SeveralSwapsPickedAsSystemdDoes)
{
    Tree t;
    for (int i = 0; i < 3; i++) {
        const std::string n = "vd" + std::string(1, static_cast<char>('a' + i));
        t.block({n, {254, static_cast<uint32_t>(16 * i)}, "", "", {}});
    }
    // Same priority: the most free space wins; a tie goes to the later one.
    t.swaps({"/dev/vda partition 8388604 4000000 5", "/dev/vdb partition 8388604 0 5", "/dev/vdc partition 8388604 0 5"});
    auto v = t.verdict();
    EXPECT_EQ(v.swap, "/dev/vdc");
    t.swaps({"/dev/vda partition 8388604 0 5", "/dev/vdb partition 8388604 0 7", "/dev/vdc partition 8388604 100 5"});
    v = t.verdict();
    EXPECT_EQ(v.swap, "/dev/vdb");
    EXPECT_THAT(v.choice, HasSubstr("highest priority (7)"));
}

TEST(HibernationCheck, SwapTooSmallForImageSize)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    // 1 GiB free, image_size 1638 MiB (2/5 of 4 GiB).
    t.swaps({"/dev/dm-1 partition 1048576 0 -2"});
    t.resume("253:1");
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SwapTooSmall);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap /dev/dm-1 has 1024 MiB free"), HasSubstr("1642 MiB"),
                                 HasSubstr("image_size 1638 MiB")));
    EXPECT_EQ(v.protection, ImageProtection::Authenticated) << "the protection is still reported";

    // A smaller image_size makes it fit; exactly image + 4 MiB is not enough (the kernel wants more).
    t.image_size(512ULL << 20);
    t.meminfo(4ULL << 20, 100);
    EXPECT_TRUE(t.verdict().allowed());
    t.swaps({"/dev/dm-1 partition " + std::to_string(512 * 1024 + 4096) + " 0 -2"});
    EXPECT_EQ(t.verdict().block, HibernationBlock::SwapTooSmall);
    t.swaps({"/dev/dm-1 partition " + std::to_string(512 * 1024 + 4097) + " 0 -2"});
    EXPECT_TRUE(t.verdict().allowed());
}

TEST(HibernationCheck, SwapTooSmallByDefaultRuleAndByUsedSpace)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    fs::remove(t.tmp / "sys/power/image_size");
    t.meminfo(8ULL << 20, 100); // 8 GiB RAM: the image may need 2/5 = 3277 MiB
    t.resume("253:1");
    t.swaps({"/dev/dm-1 partition 4194304 1048576 -2"}); // 4 GiB, 1 GiB used
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SwapTooSmall);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("3072 MiB free"), HasSubstr("2/5 of 8192 MiB RAM")));
    t.swaps({"/dev/dm-1 partition 4194304 0 -2"});
    EXPECT_TRUE(t.verdict().allowed());
}

TEST(HibernationCheck, SwapTooSmallForSystemdActiveAnonRule)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.image_size(0);
    t.meminfo(16ULL << 20, 8ULL << 20); // 8 GiB of active anonymous memory
    t.swaps({"/dev/dm-1 partition 8388604 0 -2"});
    t.resume("253:1");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SwapTooSmall);
    EXPECT_THAT(v.blocker, HasSubstr("active anonymous memory"));
}

TEST(HibernationCheck, LvmOverAuthenticatedLuksIsRefused)
{
    // The image would be protected, but after the resume lockdown-hibernate
    // suspends the PV's crypt and integrity layers under the volume group,
    // which may hold other volumes: refused, even with no other LV yet.
    Tree t;
    t.luks2_integrity_stack("cryptpv", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"dm-2", {253, 2}, "vg-swap", "LVM-abcdefABCDEF", {"dm-1"}});
    t.swaps({"/dev/mapper/vg-swap partition 8388604 0 -2"});
    t.resume("253:2");
    auto v = t.verdict();
    EXPECT_FALSE(v.allowed());
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_EQ(v.protection, ImageProtection::Authenticated) << "the protection is still reported";
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap /dev/mapper/vg-swap (/dev/dm-2)"),
                                 HasSubstr("dm-integrity layer /dev/dm-0 (cryptpv_dif)"),
                                 HasSubstr("through /dev/dm-2 (vg-swap)"), HasSubstr("LVM"),
                                 HasSubstr("must suspend and reload the dm-integrity layer after a resume"),
                                 HasSubstr("stall"), HasSubstr("stale")));
    ASSERT_EQ(t.inspector.asked.size(), 1u) << "LVM's own devices are not asked about";

    // A second LV in the volume group (the root file system) is named as
    // another user of the crypt layer.
    t.block({"dm-3", {253, 3}, "vg-root", "LVM-abcdefABCDEG", {"dm-1"}});
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/dev/dm-1 (cryptpv), the dm-crypt layer above the dm-integrity layer "
                                           "/dev/dm-0 (cryptpv_dif)"),
                                 HasSubstr("also used by /dev/dm-3 (vg-root)"), Not(HasSubstr("dm-2 (vg-swap),"))));
}

TEST(HibernationCheck, LvmBelowTheIntegrityLayerIsFine)
{
    // LUKS2 --integrity on a logical volume: nothing the writer suspends
    // is shared, whatever else the volume group holds.
    Tree t;
    t.block({"vda2", {254, 2}, "", "", {}});
    t.block({"dm-5", {253, 5}, "vg-cryptswap", "LVM-abcdefABCDEF", {"vda2"}});
    t.block({"dm-6", {253, 6}, "vg-root", "LVM-abcdefABCDEG", {"vda2"}});
    t.block({"dm-0", {253, 0}, "cryptswap_dif", std::string("CRYPT-SUBDEV-") + kLuks2Hex + "-cryptswap_dif", {"dm-5"}});
    t.block({"dm-1", {253, 1}, "cryptswap", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", {"dm-0"}});
    t.inspector.facts["cryptswap"] = crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32);
    t.swaps({kSwapLine});
    t.resume("253:1");
    const auto v = t.verdict();
    EXPECT_TRUE(v.allowed()) << v.blocker;
}

TEST(HibernationCheck, HappyPathReadsHoldersAndUuid)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.uuid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "dm-1");
    t.uuid("11111111-2222-3333-4444-555555555555", "vda2"); // another device's link
    t.swaps({kSwapLine});
    t.resume("253:1");
    const auto f = t.facts();
    ASSERT_EQ(f.swaps.size(), 1u);
    const auto& layers = f.swaps[0].layers;
    ASSERT_EQ(layers.size(), 3u);
    EXPECT_EQ(f.swaps[0].uuid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    EXPECT_THAT(layers[0].holders, IsEmpty());
    EXPECT_THAT(layers[1].holders, ElementsAre(BlockHolder{"dm-1", "cryptswap"}));
    EXPECT_THAT(layers[2].holders, ElementsAre(BlockHolder{"dm-0", "cryptswap_dif"}));
    for (const auto& l : layers)
        EXPECT_EQ(l.holders_error, "") << l.name;
    const auto v = classify_hibernation(f, {});
    EXPECT_TRUE(v.allowed()) << v.blocker;
    EXPECT_EQ(v.choice, "/sys/power/resume points at it");
    EXPECT_EQ(v.summary.find("also"), std::string::npos) << v.summary;
}

TEST(HibernationCheck, OtherHolderOnTheIntegrityLayer)
{
    // A second mapping made on the same dm-integrity device: it would stall
    // while the writer has the integrity layer suspended.
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"dm-4", {253, 4}, "scratch", "", {"dm-0"}});
    t.swaps({kSwapLine});
    t.resume("253:1");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_EQ(v.protection, ImageProtection::Authenticated);
    EXPECT_THAT(v.blocker,
                AllOf(HasSubstr("/dev/dm-0 (cryptswap_dif), the dm-integrity layer of swap /dev/dm-1, is also used "
                                "by /dev/dm-4 (scratch)"),
                      HasSubstr("lockdown-hibernate must suspend and reload that layer after a resume"),
                      HasSubstr("would stall while it is suspended or see a stale dm-integrity instance"),
                      Not(HasSubstr("/dev/dm-1 (cryptswap),"))));
    EXPECT_EQ(to_string(v.block), "shared-layer");
}

TEST(HibernationCheck, OtherHolderOnTheCryptLayer)
{
    // Something stacked on the dm-crypt layer that the writer suspends while
    // it reloads the integrity table below.
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"dm-4", {253, 4}, "", "", {"dm-1"}});
    t.swaps({kSwapLine});
    t.resume("253:1");
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/dev/dm-1 (cryptswap), the dm-crypt layer above the dm-integrity layer "
                                           "/dev/dm-0 (cryptswap_dif) of swap /dev/dm-1, is also used by /dev/dm-4,"),
                                 HasSubstr("must suspend that layer after a resume while it reloads the one below"),
                                 HasSubstr("would stall while it is suspended or see a stale dm-integrity instance")));

    // Two others are all named.
    t.block({"dm-5", {253, 5}, "other", "", {"dm-1"}});
    v = t.verdict();
    EXPECT_THAT(v.blocker, HasSubstr("also used by /dev/dm-4, /dev/dm-5 (other), stacked on it"));
}

TEST(HibernationCheck, OtherHolderBelowTheIntegrityLayerIsFine)
{
    // The disk below is not suspended: other partitions' users do not matter,
    // nor does a second holder of the partition itself.
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"dm-9", {253, 9}, "ro-view", "", {"vda2"}});
    t.swaps({kSwapLine});
    t.resume("253:1");
    const auto v = t.verdict();
    EXPECT_TRUE(v.allowed()) << v.blocker;
}

TEST(HibernationCheck, IntegrityWithoutCryptAboveIsStillChecked)
{
    // A standalone dm-integrity device (integritysetup) under a dm-crypt
    // mapping that cryptsetup made: the same layers are suspended.
    Tree t;
    t.block({"vda2", {254, 2}, "", "", {}});
    t.block({"dm-0", {253, 0}, "int0", "CRYPT-INTEGRITY-int0", {"vda2"}});
    t.block({"dm-1", {253, 1}, "cryptswap", "CRYPT-PLAIN-cryptswap", {"dm-0"}});
    t.block({"dm-2", {253, 2}, "other", "CRYPT-PLAIN-other", {"dm-0"}});
    t.inspector.facts["int0"] = crypt("INTEGRITY", "", "", "hmac(sha256)", 32);
    t.inspector.facts["cryptswap"] = crypt("PLAIN", "aes", "xts-plain64");
    t.swaps({kSwapLine});
    t.resume("253:1");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/dev/dm-0 (int0)"), HasSubstr("/dev/dm-2 (other)")));
}

TEST(HibernationCheck, CryptOverCryptOverIntegrityIsRefused)
{
    // Only the dm-crypt layer directly above is suspended with the integrity
    // layer: another layer between it and the swap is not the tested stack.
    Tree t;
    t.luks2_integrity_stack("inner", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"dm-2", {253, 2}, "outer", "CRYPT-PLAIN-outer", {"dm-1"}});
    t.inspector.facts["outer"] = crypt("PLAIN", "aes", "xts-plain64");
    t.swaps({"/dev/dm-2 partition 8388604 0 -2"});
    t.resume("253:2");
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("through /dev/dm-2 (outer), a dm-crypt layer"),
                                 HasSubstr("would not suspend with it")));
}

TEST(HibernationCheck, LvmSpanningAnUnencryptedDisk)
{
    Tree t;
    t.luks2_integrity_stack("cryptpv", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.block({"vdb", {254, 16}, "", "", {}});
    t.block({"dm-2", {253, 2}, "vg-swap", "LVM-abcdefABCDEF", {"dm-1", "vdb"}});
    t.swaps({"/dev/mapper/vg-swap partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unencrypted);
}

TEST(HibernationCheck, SharedLowerDeviceIsJudgedOnEveryPath)
{
    Tree t;
    t.block({"vda2", {254, 2}, "", "", {}});
    t.block({"dm-0", {253, 0}, "a", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-a", {"vda2"}});
    t.block({"dm-1", {253, 1}, "b", "CRYPT-PLAIN-b", {"vda2"}});
    t.block({"dm-2", {253, 2}, "vg-swap", "LVM-x", {"dm-0", "dm-1"}});
    t.inspector.facts["a"] = crypt("LUKS2", "aes", "gcm-random", "aead");
    t.inspector.facts["b"] = crypt("PLAIN", "aes", "xts-plain64");
    t.swaps({"/dev/dm-2 partition 8388604 0 -2"});
    t.resume("253:2");
    auto f = t.facts();
    EXPECT_EQ(f.swaps[0].layers.size(), 4u) << "vda2 is read once";
    auto v = classify_hibernation(f, {});
    EXPECT_EQ(v.block, HibernationBlock::NotAuthenticated);
    EXPECT_THAT(v.blocker, HasSubstr("on /dev/dm-1 (b)"));
    t.inspector.facts["b"] = crypt("LUKS2", "aes", "xts-random", "hmac(sha512)", 64);
    EXPECT_TRUE(t.verdict().allowed());
}

TEST(HibernationCheck, CryptFactsUnreadableIsUnverifiableEvenForTheWeakerTier)
{
    Tree t;
    t.crypt_stack(std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", {});
    t.inspector.errors["cryptswap"] = "cannot read the dm-crypt mapping cryptswap";
    t.swaps({"/dev/dm-0 partition 8388604 0 -2"});
    for (bool require : {true, false}) {
        const auto v = t.verdict(require);
        EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
        EXPECT_EQ(v.protection, ImageProtection::Unknown);
        EXPECT_THAT(v.blocker, AllOf(HasSubstr("cannot verify how swap /dev/dm-0 is protected"),
                                     HasSubstr("cannot read the dm-crypt mapping cryptswap"),
                                     HasSubstr("CAP_SYS_ADMIN")));
    }
}

TEST(HibernationCheck, HeaderOnlyFactsAreNotTrusted)
{
    Tree t;
    CryptFacts f = crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32);
    f.live = false;
    f.source = "the LUKS2 header on /dev/vda2 (the live table was not readable: ...)";
    t.luks2_integrity_stack("cryptswap", f);
    t.swaps({kSwapLine});
    const auto v = t.verdict(false);
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_EQ(v.protection, ImageProtection::Unknown);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("LUKS2 header on /dev/vda2"), HasSubstr("integrity hmac(sha256)"),
                                 HasSubstr("CAP_SYS_ADMIN")));
}

TEST(HibernationCheck, AuthenticatedAboveAnUnreadableLayerStillPasses)
{
    Tree t;
    t.block({"vda2", {254, 2}, "", "", {}});
    t.block({"dm-0", {253, 0}, "mystery", "", {"vda2"}});
    t.block({"dm-1", {253, 1}, "cryptswap", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-cryptswap", {"dm-0"}});
    t.inspector.errors["mystery"] = "no access";
    t.inspector.facts["cryptswap"] = crypt("LUKS2", "aes", "gcm-random", "aead");
    t.swaps({kSwapLine});
    t.resume("253:1");
    EXPECT_TRUE(t.verdict().allowed());
}

// ---- bad input -----------------------------------------------------------------

TEST(HibernationCheckBadInput, ResumeJunk)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    for (const char* junk : {"", "junk", "253", "-1:0", "253:1:1", "\x01\x02"}) {
        SCOPED_TRACE(junk);
        t.resume(junk);
        const auto v = t.verdict();
        EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
        EXPECT_THAT(v.blocker, HasSubstr("not a device number"));
    }
}

TEST(HibernationCheckBadInput, MissingKernelFiles)
{
    Tree t;
    fs::remove(t.tmp / "sys/power/resume");
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("/sys/power/resume"));

    t.resume("0:0");
    fs::remove(t.tmp / "proc/swaps");
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("/proc/swaps"));
}

TEST(HibernationCheckBadInput, TruncatedSwapsStillUsesTheGoodLine)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({"/dev/vda3 partition 83886", kSwapLine, "/dev/vda9 part"});
    t.resume("253:1");
    const auto f = t.facts();
    EXPECT_EQ(f.warnings.size(), 2u);
    EXPECT_TRUE(classify_hibernation(f, {}).allowed());
}

TEST(HibernationCheckBadInput, SwapDeviceUnknownToSysfs)
{
    Tree t;
    t.swaps({"/dev/nosuch partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("cannot tell what stores swap /dev/nosuch"),
                                 HasSubstr("/sys/class/block/nosuch/dev")));
}

TEST(HibernationCheckBadInput, SymlinkLoopInSysDevBlock)
{
    Tree t;
    t.block({"vda3", {254, 3}, "", "", {}});
    t.link("sys/dev/block/254:3", "254:3");
    t.swaps({"/dev/vda3 partition 8388604 0 -2"});
    const auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("symbolic links"));
}

TEST(HibernationCheckBadInput, SlavesLoopEndsAndIsNotTrusted)
{
    Tree t;
    t.block({"dm-0", {253, 0}, "a", "", {"dm-1"}});
    t.block({"dm-1", {253, 1}, "b", "", {"dm-0"}});
    t.swaps({"/dev/dm-0 partition 8388604 0 -2"});
    const auto f = t.facts();
    ASSERT_EQ(f.swaps.size(), 1u);
    EXPECT_EQ(f.swaps[0].layers.size(), 2u);
    const auto v = classify_hibernation(f, {});
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("loops back"));
}

TEST(HibernationCheckBadInput, DanglingSlaveAndLinkOutOfTree)
{
    Tree t;
    t.block({"dm-0", {253, 0}, "cryptswap", "CRYPT-PLAIN-cryptswap", {}});
    t.link("sys/devices/virtual/block/dm-0/slaves/gone", "../../gone");
    t.inspector.facts["cryptswap"] = crypt("PLAIN", "aes", "xts-plain64");
    t.swaps({"/dev/dm-0 partition 8388604 0 -2"});
    auto v = t.verdict(false);
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable) << "a weaker tier must not hide a missing layer";
    EXPECT_THAT(v.blocker, HasSubstr("slaves/gone"));

    t.link("sys/devices/virtual/block/dm-0/slaves/gone", "/");
    v = t.verdict(false);
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("leads outside"));
}

TEST(HibernationCheckBadInput, RootGivenWithTrailingSlashOrThroughASymlink)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    EXPECT_TRUE(classify_hibernation(gather_hibernation_facts(t.inspector, t.tmp.str() + "/"), {}).allowed());
    TempDir other;
    fs::create_symlink(t.tmp.path(), other / "root");
    EXPECT_TRUE(classify_hibernation(gather_hibernation_facts(t.inspector, (other / "root").string()), {}).allowed());
}

TEST(HibernationCheckBadInput, HoldersUnreadableOnASuspendedLayer)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    // Missing on the disk below: not needed, so still accepted.
    fs::remove_all(t.tmp / "sys/devices/virtual/block/vda2/holders");
    auto v = t.verdict();
    EXPECT_TRUE(v.allowed()) << v.blocker;
    EXPECT_THAT(t.facts().swaps[0].layers[2].holders_error, HasSubstr("vda2/holders"));

    // Missing on the integrity layer: cannot be verified.
    fs::remove_all(t.tmp / "sys/devices/virtual/block/dm-0/holders");
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("cannot tell what else is stacked on /dev/dm-0 (cryptswap_dif)"),
                                 HasSubstr("suspend and reload after a resume"), HasSubstr("dm-0/holders")));
}

TEST(HibernationCheckBadInput, JunkInHolders)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    const auto holders = t.tmp / "sys/devices/virtual/block/dm-1/holders";
    // A name no block device has: not trusted.
    write_file(holders / "bad\x01name", "");
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("/dev/dm-1 (cryptswap)"), HasSubstr("bad?name"),
                                 HasSubstr("not a block device name")));
    fs::remove(holders / "bad\x01name");

    // A flood of entries.
    for (size_t i = 0; i <= kMaxHolders; i++)
        write_file(holders / ("dm-" + std::to_string(100 + i)), "");
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("more than 256"));
    fs::remove_all(holders);
    fs::create_directories(holders);

    // A dangling holder link still names another user.
    fs::create_symlink("../../gone", holders / "dm-8");
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::SharedLayer);
    EXPECT_THAT(v.blocker, HasSubstr("also used by /dev/dm-8,"));

    // holders/ is a file, not a directory.
    fs::remove_all(holders);
    write_file(holders, "dm-8\n");
    v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    EXPECT_THAT(v.blocker, HasSubstr("cannot list"));
}

TEST(HibernationCheckBadInput, JunkInSysfsFiles)
{
    Tree t;
    t.block({"vda3", {254, 3}, "", "", {}});
    write_file(t.tmp / "sys/devices/virtual/block/vda3/dev", "garbage\n");
    write_file(t.tmp / "sys/devices/virtual/block/vda3/size", "huge\n");
    t.swaps({"/dev/vda3 partition 8388604 0 -2"});
    // /sys/class/block/vda3/dev is the same file: the device number is unknown.
    auto v = t.verdict();
    EXPECT_EQ(v.block, HibernationBlock::Unverifiable);
    write_file(t.tmp / "sys/power/image_size", "lots\n");
    write_file(t.tmp / "proc/meminfo", "\x01\x02\n");
    const auto f = t.facts();
    EXPECT_EQ(f.image_size, std::nullopt);
    EXPECT_EQ(f.mem_total_kib, std::nullopt);
}

// ---- the real inspector, on LUKS headers in files ---------------------------------------

namespace {

struct CryptFreeT {
    void operator()(crypt_device* cd) const noexcept { crypt_free(cd); }
};

// Formats `file` with libcryptsetup itself; returns the header uuid.
std::string format_luks(const std::string& file, const char* type)
{
    {
        std::ofstream f(file, std::ios::binary | std::ios::trunc);
        if (!f)
            throw std::runtime_error("cannot create " + file);
    }
    fs::resize_file(file, 24ULL << 20);
    crypt_device* raw = nullptr;
    if (crypt_init(&raw, file.c_str()) < 0)
        throw std::runtime_error("crypt_init " + file);
    std::unique_ptr<crypt_device, CryptFreeT> cd(raw);
    crypt_pbkdf_type pbkdf{};
    pbkdf.type = CRYPT_KDF_PBKDF2;
    pbkdf.hash = "sha256";
    pbkdf.iterations = 1000;
    pbkdf.flags = CRYPT_PBKDF_NO_BENCHMARK;
    if (crypt_set_pbkdf_type(cd.get(), &pbkdf) < 0)
        throw std::runtime_error("crypt_set_pbkdf_type");
    const int r = crypt_format(cd.get(), type, "aes", "xts-plain64", nullptr, nullptr, 64, nullptr);
    if (r < 0)
        throw std::runtime_error(std::string("crypt_format ") + type + ": " + std::strerror(-r));
    std::string hex;
    for (const char* p = crypt_get_uuid(cd.get()); p && *p; p++)
        if (*p != '-')
            hex += *p;
    return hex;
}

} // namespace

TEST(LibcryptsetupInspector, ReadsLuks2HeaderWhenTheLiveTableIsOutOfReach)
{
    TempDir tmp;
    const std::string file = (tmp / "luks2.img").string();
    const std::string hex = format_luks(file, CRYPT_LUKS2);
    ASSERT_EQ(hex.size(), 32u);
    auto insp = make_libcryptsetup_inspector();
    CryptTarget t{"ldb-unit-no-such-mapping", "CRYPT-LUKS2-" + hex + "-x", "/dev/dm-99", file};
    const CryptFacts f = insp->inspect(t);
    EXPECT_EQ(f.type, "LUKS2");
    EXPECT_EQ(f.cipher, "aes");
    EXPECT_EQ(f.cipher_mode, "xts-plain64");
    EXPECT_EQ(f.integrity, "");
    EXPECT_EQ(f.integrity_journal, std::nullopt);
    EXPECT_FALSE(f.live);
    EXPECT_THAT(f.source, HasSubstr("LUKS2 header on " + file));
    const auto a = assess_crypt(f);
    EXPECT_TRUE(a.encrypts);
    EXPECT_FALSE(a.authenticates);
}

TEST(LibcryptsetupInspector, ReadsLuks1Header)
{
    TempDir tmp;
    const std::string file = (tmp / "luks1.img").string();
    const std::string hex = format_luks(file, CRYPT_LUKS1);
    auto insp = make_libcryptsetup_inspector();
    const CryptFacts f = insp->inspect({"ldb-unit-no-such-mapping", "CRYPT-LUKS1-" + hex + "-x", "/dev/dm-99", file});
    EXPECT_EQ(f.type, "LUKS1");
    EXPECT_EQ(f.integrity, "");
}

TEST(LibcryptsetupInspector, RefusesAHeaderWithAnotherUuid)
{
    TempDir tmp;
    const std::string file = (tmp / "luks2.img").string();
    format_luks(file, CRYPT_LUKS2);
    auto insp = make_libcryptsetup_inspector();
    const Error e = catch_error([&] {
        insp->inspect({"ldb-unit-no-such-mapping", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-x", "/dev/dm-99", file});
    });
    EXPECT_THAT(e.what(), AllOf(HasSubstr("has uuid"), HasSubstr("not trusting it")));
}

TEST(LibcryptsetupInspector, NoHeaderAndNoLuksUuid)
{
    TempDir tmp;
    const std::string file = (tmp / "zero.img").string();
    write_file(file, std::string(1 << 20, '\0'));
    auto insp = make_libcryptsetup_inspector();
    Error e = catch_error([&] {
        insp->inspect({"ldb-unit-no-such-mapping", std::string("CRYPT-LUKS2-") + kLuks2Hex + "-x", "/dev/dm-99", file});
    });
    EXPECT_THAT(e.what(), AllOf(HasSubstr("cannot load the LUKS2 header"), HasSubstr(file)));
    e = catch_error([&] { insp->inspect({"ldb-unit-no-such-mapping", "CRYPT-PLAIN-x", "/dev/dm-99", file}); });
    EXPECT_THAT(e.what(), HasSubstr("cannot read the dm-crypt mapping ldb-unit-no-such-mapping (/dev/dm-99)"));
}

// ---- the guard that lockdown-hibernate suspends mappings with -------------------------
//
// The unit tests have no device-mapper devices (and must not suspend the
// host's), so the guard runs on recorded operations here; the real ones are
// exercised by the VM tests (tests/vm/hibernate).

namespace {

struct DmLog {
    std::vector<std::string> calls;
    std::map<std::string, int> fail_resume;  // name -> how many resumes fail
    bool fail_suspend = false;

    DmSuspension::Op suspend()
    {
        return [this](const std::string& n) {
            if (fail_suspend)
                throw Error(ErrorKind::Kernel, "suspending " + n + ": EBUSY");
            calls.push_back("suspend " + n);
        };
    }
    DmSuspension::Op resume()
    {
        return [this](const std::string& n) {
            calls.push_back("resume " + n);
            if (auto it = fail_resume.find(n); it != fail_resume.end() && it->second > 0) {
                it->second--;
                throw Error(ErrorKind::Kernel, "resuming " + n + ": EINVAL");
            }
        };
    }
};

} // namespace

TEST(DmSuspension, ResumesInReverseOrderWhenSomethingThrows)
{
    DmLog log;
    EXPECT_THROW(
        {
            DmSuspension crypt("cryptswap", log.suspend(), log.resume());
            DmSuspension integrity("cryptswap_dif", log.suspend(), log.resume());
            EXPECT_TRUE(integrity.suspended());
            throw Error(ErrorKind::Kernel, "the reload failed");
        },
        Error);
    EXPECT_THAT(log.calls, ElementsAre("suspend cryptswap", "suspend cryptswap_dif", "resume cryptswap_dif",
                                       "resume cryptswap"));
}

TEST(DmSuspension, ExplicitResumeIsNotRepeated)
{
    DmLog log;
    {
        DmSuspension d("cryptswap_dif", log.suspend(), log.resume());
        d.resume();
        EXPECT_FALSE(d.suspended());
        d.resume(); // nothing to do
    }
    EXPECT_THAT(log.calls, ElementsAre("suspend cryptswap_dif", "resume cryptswap_dif"));
}

TEST(DmSuspension, FailedSuspendLeavesNothingToResume)
{
    DmLog log;
    log.fail_suspend = true;
    const Error e = catch_error([&] { DmSuspension d("cryptswap_dif", log.suspend(), log.resume()); });
    EXPECT_THAT(e.what(), HasSubstr("EBUSY"));
    EXPECT_THAT(log.calls, IsEmpty());
}

TEST(DmSuspension, FailedResumeThrowsThenTheDestructorTriesAgainAndReports)
{
    DmLog log;
    log.fail_resume["cryptswap_dif"] = 2;
    testing::internal::CaptureStderr();
    {
        DmSuspension d("cryptswap_dif", log.suspend(), log.resume());
        const Error e = catch_error([&] { d.resume(); });
        EXPECT_THAT(e.what(), HasSubstr("EINVAL"));
        EXPECT_TRUE(d.suspended()) << "still suspended after a failed resume";
    } // the destructor's attempt fails too: reported, not thrown
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_THAT(log.calls, ElementsAre("suspend cryptswap_dif", "resume cryptswap_dif", "resume cryptswap_dif"));
    EXPECT_THAT(err, AllOf(HasSubstr("device-mapper mapping cryptswap_dif is still suspended"), HasSubstr("EINVAL"),
                           HasSubstr("dmsetup resume cryptswap_dif")));

    // A retry that works is silent.
    log.calls.clear();
    log.fail_resume["cryptswap_dif"] = 1;
    testing::internal::CaptureStderr();
    {
        DmSuspension d("cryptswap_dif", log.suspend(), log.resume());
        EXPECT_THROW(d.resume(), Error);
    }
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
    EXPECT_THAT(log.calls, ElementsAre("suspend cryptswap_dif", "resume cryptswap_dif", "resume cryptswap_dif"));
}

TEST(DmSuspension, MovedGuardResumesOnce)
{
    DmLog log;
    {
        std::optional<DmSuspension> outer;
        {
            DmSuspension d("cryptswap", log.suspend(), log.resume());
            outer.emplace(std::move(d));
            EXPECT_FALSE(d.suspended()); // NOLINT(bugprone-use-after-move): the moved-from state is the point
        }
        EXPECT_THAT(log.calls, ElementsAre("suspend cryptswap"));
        EXPECT_TRUE(outer->suspended());
        EXPECT_EQ(outer->name(), "cryptswap");
    }
    EXPECT_THAT(log.calls, ElementsAre("suspend cryptswap", "resume cryptswap"));
}

TEST(DmSuspension, RealOperationsRefuseAnImpossibleNameAndNeverSyncWithUdev)
{
    // A name longer than device-mapper allows (DM_NAME_LEN) fails before any
    // mapping is touched; without privileges, libdevmapper fails earlier
    // still. Either way nothing is suspended and nothing needs resuming.
    EXPECT_THROW(DmSuspension(std::string(200, 'x')), Error);
    // The first task switched udev synchronisation off for the process:
    // lockdown-hibernate reloads while udevd may be frozen.
    EXPECT_EQ(dm_udev_get_sync_support(), 0);
}

// ---- the swap header: a stale image keeps CanHibernate at na ----------------------

namespace {

// A stand-in for the device node /dev/dm-1 in the fixture tree.
std::string header_page(const char* sig, const char* orig = "SWAPSPACE2")
{
    std::string page(kPageSize, '\0');
    std::memcpy(page.data() + 4076, orig, 10);
    std::memcpy(page.data() + 4086, sig, 10);
    return page;
}

} // namespace

TEST(HibernationCheck, StaleImageOnTheSwapIsRefusedUntilRepaired)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    std::filesystem::create_directories(t.tmp / "dev");
    write_file(t.tmp / "dev/dm-1", header_page("S1SUSPEND\0"));
    auto f = t.facts();
    ASSERT_EQ(f.swaps.size(), 1u);
    EXPECT_EQ(f.swaps[0].header, SwapSignature::Image);
    auto v = classify_hibernation(f, {});
    EXPECT_EQ(v.block, HibernationBlock::StaleImage);
    EXPECT_EQ(to_string(v.block), "stale-image");
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("swap /dev/dm-1"), HasSubstr("S1SUSPEND"), HasSubstr("never be resumed"),
                                 HasSubstr("systemctl restart lockdown-swap-guard.service")));

    // Repaired: SWAPSPACE2 again, and hibernation is possible.
    write_file(t.tmp / "dev/dm-1", header_page("SWAPSPACE2"));
    f = t.facts();
    EXPECT_EQ(f.swaps[0].header, SwapSignature::Swap);
    v = classify_hibernation(f, {});
    EXPECT_TRUE(v.allowed()) << v.blocker;
}

TEST(HibernationCheck, UnreadableSwapHeaderIsRefused)
{
    HibernationFacts f;
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    f = t.facts();
    ASSERT_EQ(f.swaps.size(), 1u);
    EXPECT_FALSE(f.swaps[0].header) << "no stand-in file: nothing to read, no refusal";
    EXPECT_TRUE(classify_hibernation(f, {}).allowed());
    f.swaps[0].header_errno = EILSEQ;
    const auto v = classify_hibernation(f, {});
    EXPECT_EQ(v.block, HibernationBlock::StaleImage);
    EXPECT_THAT(v.blocker, AllOf(HasSubstr("cannot read the swap header of swap /dev/dm-1"),
                                 HasSubstr("dm-integrity layer fails the header sector")));
}

TEST(HibernationCheck, ShortOrJunkHeaderIsNotAnImage)
{
    Tree t;
    t.luks2_integrity_stack("cryptswap", crypt("LUKS2", "aes", "xts-random", "hmac(sha256)", 32));
    t.swaps({kSwapLine});
    t.resume("253:1");
    std::filesystem::create_directories(t.tmp / "dev");
    write_file(t.tmp / "dev/dm-1", "short");
    auto f = t.facts();
    EXPECT_FALSE(f.swaps[0].header) << "a short stand-in file is not a header";
    EXPECT_EQ(f.swaps[0].header_errno, 0);
    write_file(t.tmp / "dev/dm-1", std::string(kPageSize, 'x'));
    f = t.facts();
    EXPECT_EQ(f.swaps[0].header, SwapSignature::Other);
    EXPECT_TRUE(classify_hibernation(f, {}).allowed()) << "the signature check is the writer's: no stale image here";
}
