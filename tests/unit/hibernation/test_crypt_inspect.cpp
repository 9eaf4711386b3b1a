// SPDX-License-Identifier: LGPL-2.1-or-later
// The real CryptInspector (libcryptsetup), on LUKS headers in files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <libcryptsetup.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <filesystem>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "fakes/fake_swap_tree.hpp"
#include "fakes/test_support.hpp"
#include "hibernation/crypt_inspect.hpp"
#include "hibernation/crypt_strength.hpp"

using namespace ldb;
using ldb_test::catch_error;
using ldb_test::TempDir;
using ldb_test::write_file;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
namespace fs = std::filesystem;
using ldb_test::hibernation::Block;
using ldb_test::hibernation::crypt;
using ldb_test::hibernation::kLuks2Hex;
using ldb_test::hibernation::kSwapLine;
using ldb_test::hibernation::Tree;

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
