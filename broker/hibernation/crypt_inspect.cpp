// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/crypt_inspect.hpp"

#include <cerrno>
#include <cstring>
#include <libcryptsetup.h>
#include <linux/capability.h>
#include <optional>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/dlopen.hpp"
#include "base/error.hpp"

namespace ldb {

namespace {

// libcryptsetup prints to stdout/stderr unless given a log callback; keep
// its last error to put into our own message instead.
thread_local std::string t_last_error;

void log_to_last_error(int level, const char* msg, void*)
{
    if (level != CRYPT_LOG_ERROR || !msg)
        return;
    t_last_error = msg;
    while (!t_last_error.empty() && (t_last_error.back() == '\n' || t_last_error.back() == ' '))
        t_last_error.pop_back();
}

// The libcryptsetup functions the inspector calls, resolved at run time:
// linked, libcryptsetup and what it pulls in (libcrypto, libdevmapper,
// libblkid, json-c, argon2, libselinux, libudev, ...) were mapped into the
// daemon from its start (about 2.5 MB of its idle RSS) although only a
// dm-crypt layer under the swap needs them. Typed from the header, so a
// changed prototype fails to compile here.
struct Cryptsetup {
    SharedLibrary lib;
    decltype(&crypt_init) init = nullptr;
    decltype(&crypt_init_by_name) init_by_name = nullptr;
    decltype(&crypt_load) load = nullptr;
    decltype(&crypt_free) free = nullptr;
    decltype(&crypt_set_log_callback) set_log_callback = nullptr;
    decltype(&crypt_get_type) get_type = nullptr;
    decltype(&crypt_get_cipher) get_cipher = nullptr;
    decltype(&crypt_get_cipher_mode) get_cipher_mode = nullptr;
    decltype(&crypt_get_integrity_info) get_integrity_info = nullptr;
    decltype(&crypt_get_active_device) get_active_device = nullptr;
    decltype(&crypt_get_uuid) get_uuid = nullptr;

    explicit Cryptsetup(const std::string& soname)
        : lib(SharedLibrary::open(soname, "inspecting a dm-crypt device needs libcryptsetup (Debian: libcryptsetup12)"))
    {
        lib.bind("crypt_init", init);
        lib.bind("crypt_init_by_name", init_by_name);
        lib.bind("crypt_load", load);
        lib.bind("crypt_free", free);
        lib.bind("crypt_set_log_callback", set_log_callback);
        lib.bind("crypt_get_type", get_type);
        lib.bind("crypt_get_cipher", get_cipher);
        lib.bind("crypt_get_cipher_mode", get_cipher_mode);
        lib.bind("crypt_get_integrity_info", get_integrity_info);
        lib.bind("crypt_get_active_device", get_active_device);
        lib.bind("crypt_get_uuid", get_uuid);
        set_log_callback(nullptr, log_to_last_error, nullptr);
    }
};

// A crypt_device freed through the loaded library.
class CryptDevice {
public:
    CryptDevice(const Cryptsetup& api, crypt_device* cd) : api_(api), cd_(cd) {}
    CryptDevice(const CryptDevice&) = delete;
    CryptDevice& operator=(const CryptDevice&) = delete;
    ~CryptDevice()
    {
        if (cd_)
            api_.free(cd_);
    }
    crypt_device* get() const noexcept { return cd_; }

private:
    const Cryptsetup& api_;
    crypt_device* cd_;
};

std::string str(const char* s) { return s ? s : ""; }

// What libcryptsetup said, appended to a failure.
std::string detail(int r)
{
    std::string s = std::strerror(r < 0 ? -r : r);
    if (!t_last_error.empty())
        s += " (libcryptsetup: " + t_last_error + ")";
    return s;
}

bool has_cap_sys_admin()
{
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    if (::syscall(SYS_capget, &hdr, data) != 0)
        return false;
    return (data[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))) != 0;
}

void read_common(const Cryptsetup& api, crypt_device* cd, CryptFacts& f)
{
    f.type = str(api.get_type(cd));
    f.cipher = str(api.get_cipher(cd));
    f.cipher_mode = str(api.get_cipher_mode(cd));
    crypt_params_integrity ip{};
    // -ENOTSUP for types that cannot carry integrity (LUKS1, PLAIN): none.
    if (api.get_integrity_info(cd, &ip) == 0 && ip.integrity) {
        f.integrity = ip.integrity;
        f.integrity_key_size = ip.integrity_key_size;
        f.tag_size = ip.tag_size;
    }
}

// "86f5ccb3-90cd-..." -> "86f5ccb390cd...", as cryptsetup puts it in the dm uuid.
std::string undashed(const std::string& uuid)
{
    std::string out;
    for (char c : uuid)
        if (c != '-')
            out += static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    return out;
}

// The "LUKS2" and the 32 hex digits of "CRYPT-LUKS2-<hex>-<name>".
bool luks_from_dm_uuid(const std::string& dm_uuid, std::string& type, std::string& hex)
{
    for (const char* t : {"LUKS1", "LUKS2"}) {
        const std::string prefix = std::string("CRYPT-") + t + "-";
        if (dm_uuid.starts_with(prefix) && dm_uuid.size() > prefix.size() + 32 && dm_uuid[prefix.size() + 32] == '-') {
            type = t;
            hex = dm_uuid.substr(prefix.size(), 32);
            return true;
        }
    }
    return false;
}

class LibcryptsetupInspector final : public CryptInspector {
public:
    explicit LibcryptsetupInspector(std::string soname) : soname_(std::move(soname)) {}

    CryptFacts inspect(const CryptTarget& t) override
    {
        if (t.dm_name.empty())
            throw Error(ErrorKind::InvalidArgument, t.device + " has no device-mapper name");
        const Cryptsetup& api = loaded(t);

        t_last_error.clear();
        crypt_device* raw = nullptr;
        const int r = api.init_by_name(&raw, t.dm_name.c_str());
        CryptDevice cd(api, raw);
        if (r == 0) {
            api.set_log_callback(cd.get(), log_to_last_error, nullptr);
            CryptFacts f;
            read_common(api, cd.get(), f);
            crypt_active_device cad{};
            if (!f.integrity.empty() && api.get_active_device(cd.get(), t.dm_name.c_str(), &cad) == 0)
                f.integrity_journal = (cad.flags & CRYPT_ACTIVATE_NO_JOURNAL) == 0;
            f.live = true;
            f.source = "the active device-mapper table of " + t.dm_name;
            return f;
        }
        const bool privileged = has_cap_sys_admin();
        const std::string live_error = privileged ? detail(r) : "device-mapper ioctls need CAP_SYS_ADMIN";

        std::string type, hex;
        if (!luks_from_dm_uuid(t.dm_uuid, type, hex) || t.header_device.empty())
            throw Error(privileged ? ErrorKind::Kernel : ErrorKind::Permission,
                        "cannot read the dm-crypt mapping " + t.dm_name + " (" + t.device + "): " + live_error,
                        privileged ? "" : "the broker needs CAP_SYS_ADMIN to inspect device-mapper tables");
        return from_header(api, t, type, hex, live_error);
    }

private:
    // Loaded at the first dm-crypt layer and kept (libcrypto, which it
    // initialises, stays mapped after a dlclose anyway); a failed load is
    // tried again next time, and is this layer's error, so the check
    // reports it as a blocker.
    const Cryptsetup& loaded(const CryptTarget& t)
    {
        if (!api_) {
            try {
                api_.emplace(soname_);
            } catch (const Error& e) {
                throw Error(e.kind(), "cannot inspect the dm-crypt mapping " + t.dm_name + " (" + t.device + "): " +
                                          e.what(),
                            e.hint());
            }
        }
        return *api_;
    }

    // The LUKS header says what the mapping was opened with; it is the
    // fallback when the live table is out of reach, and is only believed
    // when its uuid is the one device-mapper shows.
    static CryptFacts from_header(const Cryptsetup& api, const CryptTarget& t, const std::string& type,
                                  const std::string& hex, const std::string& live_error)
    {
        t_last_error.clear();
        crypt_device* raw = nullptr;
        int r = api.init(&raw, t.header_device.c_str());
        CryptDevice cd(api, raw);
        if (r < 0)
            throw Error(r == -EACCES || r == -EPERM ? ErrorKind::Permission : ErrorKind::Kernel,
                        "cannot read the LUKS header of " + t.dm_name + " on " + t.header_device + ": " + detail(r) +
                            "; and its live table: " + live_error,
                        "the broker needs read access to " + t.header_device + " or CAP_SYS_ADMIN");
        api.set_log_callback(cd.get(), log_to_last_error, nullptr);
        r = api.load(cd.get(), type == "LUKS1" ? CRYPT_LUKS1 : CRYPT_LUKS2, nullptr);
        if (r < 0)
            throw Error(r == -EACCES || r == -EPERM ? ErrorKind::Permission : ErrorKind::Kernel,
                        "cannot load the " + type + " header of " + t.dm_name + " from " + t.header_device + ": " +
                            detail(r) + "; and its live table: " + live_error);
        const std::string header_uuid = undashed(str(api.get_uuid(cd.get())));
        if (header_uuid != hex)
            throw Error(ErrorKind::Kernel, "the " + type + " header on " + t.header_device + " has uuid " +
                                               str(api.get_uuid(cd.get())) + ", but device-mapper says " + t.dm_name +
                                               " was opened from " + hex + "; not trusting it");
        CryptFacts f;
        read_common(api, cd.get(), f);
        f.source = "the " + type + " header on " + t.header_device + " (the live table was not readable: " +
                   live_error + ")";
        return f;
    }

    std::string soname_;
    std::optional<Cryptsetup> api_;
};

} // namespace

std::unique_ptr<CryptInspector> make_libcryptsetup_inspector(const std::string& soname)
{
    return std::make_unique<LibcryptsetupInspector>(soname);
}

} // namespace ldb
