// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/crypt_strength.hpp"

#include <algorithm>

#include "base/text.hpp"
#include "hibernation/kernel_text.hpp"

namespace ldb {

using kernel_text::lower;
using kernel_text::parse_digits;
using kernel_text::shown;

std::optional<CipherSpec> parse_cipher_spec(std::string_view spec)
{
    if (spec.empty() || spec.size() > 256)
        return std::nullopt;
    CipherSpec out;
    const auto word = [](std::string_view s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
        });
    };
    if (spec.starts_with("capi:")) {
        // As dm-crypt reads it: IV options after the last ':', the IV mode
        // after the last '-', the rest is a crypto API name.
        std::string_view api = spec.substr(5);
        std::string ivopts;
        if (const size_t colon = api.rfind(':'); colon != std::string_view::npos) {
            ivopts = std::string(api.substr(colon + 1));
            api = api.substr(0, colon);
            if (ivopts.empty())
                return std::nullopt;
        }
        const size_t dash = api.rfind('-');
        if (dash == std::string_view::npos)
            return std::nullopt;
        out.iv_mode = std::string(api.substr(dash + 1));
        api = api.substr(0, dash);
        int depth = 0;
        for (char c : api) {
            if (c == '(')
                depth++;
            else if (c == ')')
                depth--;
            else if (c != ',' && c != '-' && !word(std::string_view(&c, 1)))
                return std::nullopt;
            if (depth < 0)
                return std::nullopt;
        }
        if (depth != 0 || api.empty() || api.front() == '(' || !word(out.iv_mode) ||
            (!ivopts.empty() && !word(ivopts)))
            return std::nullopt;
        out.capi = true;
        out.cipher = std::string(api);
        if (!ivopts.empty())
            out.iv_mode += ":" + ivopts;
        return out;
    }
    // cipher[:keycount]-chainmode-ivmode[:ivopts]
    const size_t d1 = spec.find('-');
    std::string_view cipher = spec.substr(0, d1);
    if (const size_t colon = cipher.find(':'); colon != std::string_view::npos) {
        if (!parse_digits(cipher.substr(colon + 1)))
            return std::nullopt;
        cipher = cipher.substr(0, colon);
    }
    if (!word(cipher))
        return std::nullopt;
    out.cipher = std::string(cipher);
    if (d1 == std::string_view::npos)
        return out;
    std::string_view rest = spec.substr(d1 + 1);
    const size_t d2 = rest.find('-');
    out.chain_mode = std::string(rest.substr(0, d2));
    if (!word(out.chain_mode))
        return std::nullopt;
    if (d2 == std::string_view::npos)
        return out;
    std::string_view iv = rest.substr(d2 + 1);
    const size_t colon = iv.find(':');
    if (!word(iv.substr(0, colon)) || (colon != std::string_view::npos && !word(iv.substr(colon + 1))))
        return std::nullopt;
    out.iv_mode = std::string(iv);
    return out;
}

namespace {

// Authenticated encryption: the kernel checks a tag on every read.
bool is_aead_api(std::string_view api)
{
    for (std::string_view p : {"authenc(", "gcm(", "rfc4106(", "ccm(", "rfc4309(", "rfc7539(", "rfc7539esp(",
                               "aegis", "morus"})
        if (api.find(p) != std::string_view::npos)
            return true;
    return false;
}

bool is_aead_mode(const CipherSpec& s)
{
    if (s.capi)
        return is_aead_api(s.cipher);
    return s.chain_mode == "gcm" || s.chain_mode == "ccm" || s.cipher.starts_with("aegis") ||
           s.cipher.starts_with("morus");
}

// A MAC with a key; a plain hash or CRC detects accidents, not an attacker.
bool is_keyed_mac(std::string_view integrity)
{
    return integrity.starts_with("hmac(") || integrity.starts_with("hmac-") || integrity.starts_with("cmac(") ||
           integrity == "poly1305";
}

} // namespace

CryptStrength assess_crypt(const CryptFacts& f)
{
    CryptStrength out;
    const std::string integrity = lower(f.integrity);
    const bool has_integrity = !integrity.empty() && integrity != "none";
    const std::string spec_text = f.cipher_mode.empty() ? f.cipher : f.cipher + "-" + f.cipher_mode;
    const auto spec = parse_cipher_spec(spec_text);

    out.description = f.type.empty() ? std::string("dm-crypt") : f.type;
    if (f.type == "INTEGRITY") {
        out.description += has_integrity ? ", " + shown(f.integrity) : "";
        out.authenticates = is_keyed_mac(integrity) && f.integrity_key_size > 0;
        out.why = out.authenticates ? "" : "dm-integrity " + shown(f.integrity) + " without a key is a checksum";
        return out;
    }
    out.description += spec_text.empty() ? ", no cipher" : ", " + shown(spec_text);
    out.description += has_integrity ? ", integrity " + shown(f.integrity) : ", no integrity";

    if (spec_text.empty() || (spec && (spec->cipher == "cipher_null" || spec->cipher.find("ecb(cipher_null)") == 0))) {
        out.why = "cipher_null does not encrypt";
        return out;
    }
    // An unparseable spec was still accepted by dm-crypt, so it encrypts.
    out.encrypts = true;
    if (spec && spec->capi && spec->cipher.starts_with("rfc4543(")) {
        out.encrypts = false; // GMAC: authentication without encryption
        out.why = "rfc4543 (GMAC) authenticates but does not encrypt";
    }
    const bool aead_cipher = spec && is_aead_mode(*spec);
    if (integrity == "aead") {
        out.authenticates = aead_cipher;
        if (!aead_cipher)
            out.why = "integrity 'aead' is claimed, but the cipher " + shown(spec_text) + " is not an AEAD mode";
    } else if (is_keyed_mac(integrity)) {
        out.authenticates = true;
    } else if (has_integrity) {
        out.authenticates = aead_cipher;
        if (!aead_cipher)
            out.why = "integrity " + shown(f.integrity) + " is a checksum without a key: it detects accidents, not an attacker";
    } else {
        // dm-crypt refuses an AEAD cipher without integrity tags, so the
        // cipher alone decides here (e.g. a table made with dmsetup).
        out.authenticates = aead_cipher;
        if (!aead_cipher)
            out.why = "there is no integrity protection";
    }
    return out;
}

} // namespace ldb
