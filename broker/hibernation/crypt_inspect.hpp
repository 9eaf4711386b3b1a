// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What dm-crypt does to the blocks of one device-mapper device: the facts
// that sysfs does not show (cipher, integrity algorithm, LUKS type). The
// hibernation check asks for them through the narrow CryptInspector
// interface, so that its classifier can be tested with fakes; the real
// implementation reads them with libcryptsetup (crypt_inspect.cpp), which
// it loads only when first asked.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ldb {

// One active dm-crypt (or dm-integrity) mapping, as found in sysfs.
struct CryptTarget {
    std::string dm_name;        // /sys/.../dm/name, e.g. "cryptswap"
    std::string dm_uuid;        // /sys/.../dm/uuid, e.g. "CRYPT-LUKS2-<hex>-cryptswap"
    std::string device;         // its node, e.g. "/dev/dm-1"
    // The device that holds a LUKS header, if any: the crypt mapping's lower
    // device, below a LUKS2 integrity sub-device when there is one.
    std::string header_device;  // e.g. "/dev/vda2"; may be empty
};

struct CryptFacts {
    std::string type;          // crypt_get_type(): "LUKS1", "LUKS2", "PLAIN", "INTEGRITY", ...; may be empty
    std::string cipher;        // crypt_get_cipher(): "aes", "capi:authenc(hmac(sha256),xts(aes))"
    std::string cipher_mode;   // crypt_get_cipher_mode(): "xts-plain64", "gcm-random", "random"
    std::string integrity;     // crypt_params_integrity.integrity: "hmac(sha256)", "aead", ""
    uint32_t integrity_key_size = 0;  // bytes; 0 for none or aead
    uint32_t tag_size = 0;            // bytes per sector
    // Whether the dm-integrity layer journals its writes; unknown when the
    // facts came from a header, not from the live table.
    std::optional<bool> integrity_journal;
    // True when read from the live device-mapper table. A LUKS header only
    // says how the mapping was opened: root could since have reloaded the
    // table (dmsetup reload keeps the uuid), so the check does not rely on it.
    bool live = false;
    // Where the facts came from, for messages: "active device-mapper table"
    // or "LUKS2 header on /dev/vda2 (the live table was not readable: ...)".
    std::string source;
};

class CryptInspector {
public:
    virtual ~CryptInspector() = default;
    // Throws ldb::Error (Permission, NotFound, Kernel, ...) saying what could
    // not be read and why.
    virtual CryptFacts inspect(const CryptTarget& target) = 0;
};

// The libcryptsetup-backed inspector. It first asks device-mapper for the
// live mapping (crypt_init_by_name: DM ioctls, which need CAP_SYS_ADMIN);
// when that is refused and the dm uuid names a LUKS device, it reads the
// LUKS header from the lower device read-only instead (crypt_init +
// crypt_load: needs read access to that block device, and the uuid in the
// header must match the one device-mapper shows).
// libcryptsetup (`soname`) is loaded with dlopen at the first inspection,
// not linked: a daemon without a dm-crypt layer under its swap never maps
// it. If it cannot be loaded, inspect() throws an Error saying so.
inline constexpr const char* kLibcryptsetupSoname = "libcryptsetup.so.12";
std::unique_ptr<CryptInspector> make_libcryptsetup_inspector(const std::string& soname = kLibcryptsetupSoname);

} // namespace ldb
