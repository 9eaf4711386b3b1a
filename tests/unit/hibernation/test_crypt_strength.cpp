// SPDX-License-Identifier: LGPL-2.1-or-later
// The crypt analysis: cipher specifications and what a crypt layer achieves.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fakes/fake_swap_tree.hpp"
#include "fakes/test_support.hpp"
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
using ldb_test::hibernation::crypt;

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
