// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The crypt analysis of the hibernation check: what one dm-crypt or
// dm-integrity layer achieves, from the facts a CryptInspector read.
// Pure and fuzzed.

#include <optional>
#include <string>
#include <string_view>

#include "hibernation/crypt_inspect.hpp"

namespace ldb {

// A dm-crypt cipher specification: "aes-xts-plain64", "aes:64-cbc-lmk",
// "aes-cbc-essiv:sha256", "capi:authenc(hmac(sha256),xts(aes))-random".
struct CipherSpec {
    bool capi = false;         // kernel crypto API form
    std::string cipher;        // "aes", or the whole API name for capi
    std::string chain_mode;    // "xts", "gcm"; empty for capi
    std::string iv_mode;       // "plain64", "random", "essiv:sha256"
};
std::optional<CipherSpec> parse_cipher_spec(std::string_view spec);

// What a crypt layer achieves, from its cipher and integrity facts.
struct CryptStrength {
    bool encrypts = false;
    bool authenticates = false;   // a keyed MAC or an AEAD mode
    std::string description;      // "LUKS2 aes-xts-plain64 with hmac(sha256)"
    std::string why;              // why it is not authenticated, if not
};
CryptStrength assess_crypt(const CryptFacts& facts);

} // namespace ldb
