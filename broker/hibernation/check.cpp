// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/check.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "base/text.hpp"

namespace fs = std::filesystem;

namespace ldb {

// ---- parsers ------------------------------------------------------------------

namespace {


bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Sysfs and procfs values end in one newline.
std::string_view chomp(std::string_view s)
{
    if (!s.empty() && s.back() == '\n')
        s.remove_suffix(1);
    return s;
}

std::optional<uint64_t> parse_digits(std::string_view s)
{
    if (s.empty() || s.size() > 20)
        return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (!is_digit(c))
            return std::nullopt;
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10)
            return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

std::optional<int> parse_int(std::string_view s)
{
    bool neg = false;
    if (!s.empty() && s.front() == '-') {
        neg = true;
        s.remove_prefix(1);
    }
    const auto v = parse_digits(s);
    if (!v || *v > (neg ? 2147483648ULL : 2147483647ULL))
        return std::nullopt;
    return neg ? static_cast<int>(-static_cast<int64_t>(*v)) : static_cast<int>(*v);
}

// Keeps a hostile or binary value from flooding a message.
std::string shown(std::string_view s, size_t max = 80)
{
    std::string out;
    for (char c : s.substr(0, max)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    return s.size() > max ? out + "..." : out;
}

std::string mib(uint64_t kib) { return std::to_string((kib + 512) / 1024) + " MiB"; }

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

} // namespace

std::string to_string(DevNo d) { return std::to_string(d.major) + ":" + std::to_string(d.minor); }

std::optional<DevNo> parse_devno(std::string_view text)
{
    text = chomp(text);
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos)
        return std::nullopt;
    const auto maj = parse_digits(text.substr(0, colon));
    const auto min = parse_digits(text.substr(colon + 1));
    // The kernel's dev_t has 12 bits of major and 20 of minor.
    if (!maj || !min || *maj > 0xfff || *min > 0xfffff)
        return std::nullopt;
    return DevNo{static_cast<uint32_t>(*maj), static_cast<uint32_t>(*min)};
}

std::optional<uint64_t> parse_u64(std::string_view text) { return parse_digits(chomp(text)); }

std::optional<std::vector<std::string>> parse_holders(std::vector<std::string> entries, std::string& error)
{
    if (entries.size() > kMaxHolders) {
        error = std::to_string(entries.size()) + " entries, more than " + std::to_string(kMaxHolders);
        return std::nullopt;
    }
    // DISK_NAME_LEN is 32; a partition's number adds a few bytes.
    constexpr size_t kMaxName = 64;
    for (const auto& e : entries) {
        const bool ok = !e.empty() && e != "." && e != ".." && e.size() <= kMaxName &&
                        std::all_of(e.begin(), e.end(), [](char c) {
                            const auto u = static_cast<unsigned char>(c);
                            return u > 0x20 && u < 0x7f && c != '/';
                        });
        if (!ok) {
            error = "entry '" + shown(e) + "' is not a block device name";
            return std::nullopt;
        }
    }
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    return entries;
}

std::string unescape_octal(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); i++) {
        if (text[i] == '\\' && i + 3 < text.size()) {
            const char a = text[i + 1], b = text[i + 2], c = text[i + 3];
            if (a >= '0' && a <= '3' && b >= '0' && b <= '7' && c >= '0' && c <= '7') {
                out += static_cast<char>((a - '0') * 64 + (b - '0') * 8 + (c - '0'));
                i += 3;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

std::vector<SwapEntry> parse_proc_swaps(std::string_view text, std::vector<std::string>& warnings)
{
    // MAX_SWAPFILES is 32 or less; anything beyond that is not the kernel talking.
    constexpr size_t kMaxEntries = 64;
    constexpr size_t kMaxWarnings = 8;
    std::vector<SwapEntry> out;
    size_t skipped = 0;
    const auto warn = [&](unsigned line, const std::string& what) {
        if (skipped++ < kMaxWarnings)
            warnings.push_back("/proc/swaps line " + std::to_string(line) + ": " + what + ", ignored");
    };
    unsigned lineno = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t nl = text.find('\n', pos);
        const std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        lineno++;
        if (lineno == 1 && line.starts_with("Filename"))
            continue;
        std::vector<std::string_view> fields;
        size_t i = 0;
        while (i < line.size() && fields.size() <= 5) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
                i++;
            size_t j = i;
            while (j < line.size() && line[j] != ' ' && line[j] != '\t')
                j++;
            if (j > i)
                fields.push_back(line.substr(i, j - i));
            i = j;
        }
        if (fields.empty())
            continue;
        if (fields.size() != 5) {
            warn(lineno, fields.size() < 5 ? "too few fields" : "too many fields");
            continue;
        }
        SwapEntry e;
        e.line = lineno;
        e.path = unescape_octal(fields[0]);
        e.type_text = std::string(fields[1]);
        e.type = fields[1] == "partition" ? SwapType::Partition : fields[1] == "file" ? SwapType::File : SwapType::Other;
        const auto size = parse_digits(fields[2]);
        const auto used = parse_digits(fields[3]);
        const auto prio = parse_int(fields[4]);
        if (!size || !used || !prio) {
            warn(lineno, "size, used or priority is not a number");
            continue;
        }
        if (e.path.empty() || e.path.find('\0') != std::string::npos) {
            warn(lineno, "bad file name");
            continue;
        }
        e.size_kib = *size;
        e.used_kib = *used;
        e.priority = *prio;
        // d_path() appends this to an unlinked file; the kernel escapes its blank.
        e.deleted = e.path.ends_with(" (deleted)");
        if (out.size() == kMaxEntries) {
            warn(lineno, "more than " + std::to_string(kMaxEntries) + " swaps");
            continue;
        }
        out.push_back(std::move(e));
    }
    if (skipped > kMaxWarnings)
        warnings.push_back("/proc/swaps: " + std::to_string(skipped - kMaxWarnings) + " more malformed lines ignored");
    return out;
}

std::optional<uint64_t> parse_meminfo_kib(std::string_view text, std::string_view key)
{
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':')
            continue;
        line.remove_prefix(key.size() + 1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
            line.remove_prefix(1);
        if (line.ends_with(" kB"))
            line.remove_suffix(3);
        return parse_digits(line);
    }
    return std::nullopt;
}

DmUuid parse_dm_uuid(std::string_view uuid)
{
    DmUuid out;
    if (!uuid.starts_with("CRYPT-"))
        return out;
    uuid.remove_prefix(6);
    const size_t dash = uuid.find('-');
    const std::string_view type = uuid.substr(0, dash);
    if (type.empty() ||
        !std::all_of(type.begin(), type.end(), [](char c) { return (c >= 'A' && c <= 'Z') || is_digit(c); }))
        return out;
    out.cryptsetup = true;
    out.type = std::string(type);
    if (dash == std::string_view::npos)
        return out;
    std::string_view rest = uuid.substr(dash + 1);
    // A header uuid is 32 hex digits (the dashes removed) and then a dash.
    if (rest.size() > 33 && rest[32] == '-' && std::all_of(rest.begin(), rest.begin() + 32, is_hex)) {
        out.header_uuid = lower(rest.substr(0, 32));
        rest.remove_prefix(33);
    }
    out.name = std::string(rest);
    return out;
}

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

std::string to_string(LayerKind k)
{
    switch (k) {
    case LayerKind::Disk: return "disk";
    case LayerKind::DmCrypt: return "dm-crypt";
    case LayerKind::DmIntegrity: return "dm-integrity";
    case LayerKind::DmOther: return "device-mapper";
    case LayerKind::Md: return "md";
    case LayerKind::Loop: return "loop";
    case LayerKind::Volatile: return "RAM";
    }
    return "?";
}

std::string to_string(ImageProtection p)
{
    switch (p) {
    case ImageProtection::Authenticated: return "authenticated";
    case ImageProtection::EncryptedOnly: return "encrypted-only";
    case ImageProtection::Unencrypted: return "unencrypted";
    case ImageProtection::Unknown: return "unknown";
    }
    return "?";
}

std::string to_string(HibernationBlock b)
{
    switch (b) {
    case HibernationBlock::None: return "none";
    case HibernationBlock::Unverifiable: return "unverifiable";
    case HibernationBlock::NoSwap: return "no-swap";
    case HibernationBlock::VolatileSwap: return "volatile-swap";
    case HibernationBlock::ResumeMismatch: return "resume-mismatch";
    case HibernationBlock::ResumeUnset: return "resume-unset";
    case HibernationBlock::Unencrypted: return "unencrypted";
    case HibernationBlock::NotAuthenticated: return "not-authenticated";
    case HibernationBlock::SwapTooSmall: return "swap-too-small";
    case HibernationBlock::Unsupported: return "unsupported";
    case HibernationBlock::SharedLayer: return "shared-layer";
    case HibernationBlock::StaleImage: return "stale-image";
    }
    return "?";
}

// ---- gathering ------------------------------------------------------------------

namespace {

constexpr size_t kMaxLayers = 64;
constexpr int kMaxDepth = 16;

class Tree {
public:
    // The root is made canonical so that resolved sysfs links can be
    // checked to stay inside it.
    explicit Tree(const std::string& root)
    {
        if (root.empty() || root == "/")
            return;
        std::error_code ec;
        const fs::path c = fs::canonical(root, ec);
        root_ = ec ? root : c.string();
        while (root_.size() > 1 && root_.back() == '/')
            root_.pop_back();
        if (root_ == "/")
            root_.clear();
    }

    std::string path(const std::string& abs) const { return root_ + abs; }

    // Reads a small kernel file whole; nullopt with `err` set when it cannot.
    std::optional<std::string> read(const std::string& abs, std::string* err = nullptr) const
    {
        const std::string p = path(abs);
        UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
        if (!fd) {
            if (err)
                *err = abs + ": " + std::strerror(errno);
            return std::nullopt;
        }
        std::string out;
        char buf[4096];
        // procfs files report size 0, so read to the end; 1 MiB is far more
        // than any file read here.
        while (out.size() < (1u << 20)) {
            const ssize_t n = ::read(fd.get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                if (err)
                    *err = abs + ": " + std::strerror(errno);
                return std::nullopt;
            }
            if (n == 0)
                break;
            out.append(buf, static_cast<size_t>(n));
        }
        return out;
    }

    // Resolves symlinks (sysfs is made of them) and keeps the result inside
    // the tree; the empty string with `err` set on loops and dangling links.
    std::string resolve(const std::string& abs, std::string& err) const
    {
        std::error_code ec;
        const fs::path p = fs::canonical(path(abs), ec);
        if (ec) {
            err = "cannot resolve " + abs + ": " + ec.message();
            return {};
        }
        const std::string s = p.string();
        if (!root_.empty() && !(s.starts_with(root_) && (s.size() == root_.size() || s[root_.size()] == '/'))) {
            err = abs + " leads outside " + root_;
            return {};
        }
        return s.substr(root_.size());
    }

private:
    std::string root_;
};

bool has_prefix_and_digits(std::string_view name, std::string_view prefix)
{
    return name.size() > prefix.size() && name.starts_with(prefix) &&
           std::all_of(name.begin() + static_cast<long>(prefix.size()), name.end(), is_digit);
}

class StackReader {
public:
    StackReader(const Tree& tree, CryptInspector& inspector, std::vector<BlockLayer>& layers)
        : tree_(tree), inspector_(inspector), layers_(layers)
    {
    }

    // Adds the layer at sysfs directory `dir` (absolute, resolved) and
    // everything below it; returns its index.
    size_t add(const std::string& dir, int depth)
    {
        if (const auto it = seen_.find(dir); it != seen_.end()) {
            if (on_path_.count(dir))
                layers_[it->second].error = "the device stack loops back to " + dir;
            return it->second;
        }
        const size_t idx = layers_.size();
        layers_.emplace_back();
        seen_[dir] = idx;
        on_path_.insert(dir);
        fill(idx, dir, depth);
        on_path_.erase(dir);
        return idx;
    }

private:
    void fill(size_t idx, const std::string& dir, int depth)
    {
        BlockLayer l;
        l.name = fs::path(dir).filename().string();
        std::string err;
        if (const auto dev = tree_.read(dir + "/dev", &err)) {
            if (auto d = parse_devno(*dev))
                l.devno = *d;
            else
                l.error = dir + "/dev holds '" + shown(*dev) + "', not MAJ:MIN";
        } else {
            l.error = err;
        }
        if (const auto size = tree_.read(dir + "/size"))
            l.size_sectors = parse_u64(*size);

        if (const auto dm_name = tree_.read(dir + "/dm/name")) {
            l.dm_name = std::string(chomp(*dm_name));
            l.dm_uuid = std::string(chomp(tree_.read(dir + "/dm/uuid").value_or("")));
            const DmUuid u = parse_dm_uuid(l.dm_uuid);
            if (u.type == "SUBDEV" || u.type == "INTEGRITY")
                l.kind = LayerKind::DmIntegrity;
            else if (u.cryptsetup && u.type != "VERITY" && u.type != "TEMP")
                l.kind = LayerKind::DmCrypt;
            else
                l.kind = LayerKind::DmOther;
        } else if (has_prefix_and_digits(l.name, "zram") || has_prefix_and_digits(l.name, "ram")) {
            l.kind = LayerKind::Volatile;
        } else if (has_prefix_and_digits(l.name, "loop")) {
            l.kind = LayerKind::Loop;
            const auto backing = tree_.read(dir + "/loop/backing_file");
            l.error = "loop device " + l.name + (backing ? " backed by " + shown(chomp(*backing)) : "") +
                      ": lockdown-broker does not follow loop devices";
        } else if (has_prefix_and_digits(l.name, "md")) {
            l.kind = LayerKind::Md;
        }

        std::vector<std::string> lower_dirs;
        if (depth >= kMaxDepth) {
            l.error = "the device stack below " + l.name + " is deeper than " + std::to_string(kMaxDepth);
        } else {
            std::error_code ec;
            std::vector<std::string> names;
            for (const auto& de : fs::directory_iterator(tree_.path(dir + "/slaves"), ec))
                names.push_back(de.path().filename().string());
            std::sort(names.begin(), names.end());
            for (const auto& n : names) {
                std::string rerr;
                std::string r = tree_.resolve(dir + "/slaves/" + n, rerr);
                if (r.empty()) {
                    l.error = rerr;
                    continue;
                }
                lower_dirs.push_back(std::move(r));
            }
        }
        read_holders(l, dir);
        layers_[idx] = std::move(l);

        for (const auto& d : lower_dirs) {
            if (layers_.size() >= kMaxLayers) {
                layers_[idx].error = "more than " + std::to_string(kMaxLayers) + " devices below " + layers_[idx].name;
                break;
            }
            const size_t child = add(d, depth + 1);
            layers_[idx].lower.push_back(child);
        }
        inspect(idx);
    }

    // What else is stacked on the layer: lockdown-hibernate suspends some
    // layers after a resume, which must not stall anyone else. Only the
    // names are needed (and the device-mapper name, for messages), so the
    // links in holders/ are not followed beyond that.
    void read_holders(BlockLayer& l, const std::string& dir) const
    {
        const std::string hdir = dir + "/holders";
        std::error_code ec;
        std::vector<std::string> entries;
        fs::directory_iterator it(tree_.path(hdir), ec);
        for (const fs::directory_iterator end{}; !ec && it != end; it.increment(ec)) {
            entries.push_back(it->path().filename().string());
            if (entries.size() > kMaxHolders)
                break;
        }
        if (ec) {
            l.holders_error = "cannot list " + hdir + ": " + ec.message();
            return;
        }
        std::string perr;
        const auto names = parse_holders(std::move(entries), perr);
        if (!names) {
            l.holders_error = hdir + ": " + perr;
            return;
        }
        for (const auto& n : *names) {
            BlockHolder h;
            h.name = n;
            h.dm_name = std::string(chomp(tree_.read(hdir + "/" + n + "/dm/name").value_or("")));
            l.holders.push_back(std::move(h));
        }
    }

    // Asks libcryptsetup (or a fake) about a crypt layer. A device-mapper
    // device that cryptsetup did not make might still be dm-crypt (dmsetup),
    // so it is asked too; LVM's own devices are known pass-through.
    void inspect(size_t idx)
    {
        BlockLayer& l = layers_[idx];
        const DmUuid u = parse_dm_uuid(l.dm_uuid);
        const bool ask = l.kind == LayerKind::DmCrypt || (l.kind == LayerKind::DmIntegrity && u.type == "INTEGRITY") ||
                         (l.kind == LayerKind::DmOther && !l.dm_uuid.starts_with("LVM-") && !u.cryptsetup);
        if (!ask)
            return;
        CryptTarget t;
        t.dm_name = l.dm_name;
        t.dm_uuid = l.dm_uuid;
        t.device = l.node();
        if (!l.lower.empty()) {
            const BlockLayer* below = &layers_[l.lower.front()];
            // LUKS2 --integrity: the header is below the integrity sub-device.
            if (parse_dm_uuid(below->dm_uuid).type == "SUBDEV" && !below->lower.empty())
                below = &layers_[below->lower.front()];
            t.header_device = below->node();
        }
        try {
            CryptFacts f = inspector_.inspect(t);
            BlockLayer& lr = layers_[idx];
            if (lr.kind == LayerKind::DmOther) {
                if (f.cipher.empty() && f.integrity.empty())
                    return; // not a crypt target: a pass-through
                lr.kind = f.type == "INTEGRITY" ? LayerKind::DmIntegrity : LayerKind::DmCrypt;
            }
            lr.crypt = std::move(f);
        } catch (const Error& e) {
            layers_[idx].crypt_error = e.what();
            if (!e.hint().empty())
                layers_[idx].crypt_error += " (" + e.hint() + ")";
        }
    }

    const Tree& tree_;
    CryptInspector& inspector_;
    std::vector<BlockLayer>& layers_;
    std::map<std::string, size_t> seen_;
    std::set<std::string> on_path_;
};

// The first block of a swap file, in pages, as systemd computes
// resume_offset. nullopt where FIEMAP is not supported (tmpfs) or refused.
std::optional<uint64_t> swap_file_offset(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd)
        return std::nullopt;
    // struct fiemap ends in a flexible array: room for one extent after it.
    alignas(struct fiemap) unsigned char buf[sizeof(struct fiemap) + sizeof(struct fiemap_extent)]{};
    auto* map = reinterpret_cast<struct fiemap*>(buf);
    map->fm_start = 0;
    map->fm_length = FIEMAP_MAX_OFFSET;
    map->fm_extent_count = 1;
    if (::ioctl(fd.get(), FS_IOC_FIEMAP, map) < 0 || map->fm_mapped_extents == 0)
        return std::nullopt;
    const long page = ::sysconf(_SC_PAGESIZE);
    if (page <= 0)
        return std::nullopt;
    return map->fm_extents[0].fe_physical / static_cast<uint64_t>(page);
}

// The file system (or swap) UUID that udev's /dev/disk/by-uuid/ gives the
// kernel device `name`, or "": what resume=UUID= and RESUME=UUID= name.
std::string uuid_of(const Tree& tree, const std::string& name)
{
    constexpr size_t kMaxEntries = 4096;
    std::error_code ec;
    size_t seen = 0;
    fs::directory_iterator it(tree.path("/dev/disk/by-uuid"), ec);
    for (const fs::directory_iterator end{}; !ec && it != end && seen++ < kMaxEntries; it.increment(ec)) {
        const std::string uuid = it->path().filename().string();
        if (uuid.empty() || uuid.size() > 64 || !std::all_of(uuid.begin(), uuid.end(), [](char c) {
                return is_hex(c) || c == '-';
            }))
            continue;
        std::string err;
        if (tree.resolve("/dev/disk/by-uuid/" + uuid, err) == "/dev/" + name)
            return uuid;
    }
    return {};
}

// Page 0 of a swap partition. O_DIRECT on a device: through the page cache
// an old copy could hide what the integrity layer says now.
void read_swap_header(const std::string& full, bool is_block, SwapFacts& s)
{
    const UniqueFd fd(::open(full.c_str(), O_RDONLY | O_CLOEXEC | (is_block ? O_DIRECT : 0)));
    if (!fd) {
        if (errno != ENOENT)
            s.header_errno = errno;
        return;
    }
    void* mem = nullptr;
    if (posix_memalign(&mem, kPageSize, kPageSize) != 0)
        return;
    const std::unique_ptr<void, decltype(&std::free)> page(mem, &std::free);
    ssize_t n;
    do
        n = ::pread(fd.get(), page.get(), kPageSize, 0);
    while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(kPageSize))
        s.header = swap_signature(static_cast<const uint8_t*>(page.get()));
    else if (n < 0)
        s.header_errno = errno;
    else if (is_block)
        s.header_errno = EIO;
}

void gather_swap(const Tree& tree, CryptInspector& inspector, SwapFacts& s)
{
    const std::string& path = s.entry.path;
    if (s.entry.type == SwapType::Other) {
        s.error = "swap type '" + shown(s.entry.type_text) + "' is neither a partition nor a file";
        return;
    }
    if (s.entry.deleted) {
        s.error = "swap file " + shown(path) + " was deleted";
        return;
    }
    struct stat st{};
    const std::string full = tree.path(path);
    const bool stat_ok = ::stat(full.c_str(), &st) == 0;
    const int stat_errno = errno;
    if (s.entry.type == SwapType::File) {
        if (!stat_ok) {
            s.error = "cannot stat swap file " + shown(path) + ": " + std::strerror(stat_errno);
            return;
        }
        s.devno = DevNo{::major(st.st_dev), ::minor(st.st_dev)};
        s.file_offset_pages = swap_file_offset(full);
    } else if (stat_ok && S_ISBLK(st.st_mode)) {
        s.devno = DevNo{::major(st.st_rdev), ::minor(st.st_rdev)};
        read_swap_header(full, true, s);
    } else {
        if (stat_ok && S_ISREG(st.st_mode))
            read_swap_header(full, false, s); // a fixture's stand-in for the device
        // Not a device node here (a fixture tree, or /dev not populated):
        // find the kernel name and ask sysfs for its number.
        std::string err;
        std::string real = tree.resolve(path, err);
        if (real.empty())
            real = path;
        if (!real.starts_with("/dev/")) {
            s.error = "cannot tell which block device swap " + shown(path) + " is" + (err.empty() ? "" : ": " + err);
            return;
        }
        const std::string name = fs::path(real).filename().string();
        const auto dev = tree.read("/sys/class/block/" + name + "/dev", &err);
        const auto d = dev ? parse_devno(*dev) : std::nullopt;
        if (!d) {
            s.error = "cannot find the device number of swap " + shown(path) + ": " +
                      (dev ? "/sys/class/block/" + name + "/dev is not MAJ:MIN" : err);
            return;
        }
        s.devno = *d;
    }

    std::string err;
    const std::string dir = tree.resolve("/sys/dev/block/" + to_string(*s.devno), err);
    if (dir.empty()) {
        s.error = s.entry.type == SwapType::File
                      ? "the file system holding swap file " + shown(path) + " is on device " + to_string(*s.devno) +
                            ", which is not a block device in /sys/dev/block (btrfs, tmpfs and network file systems "
                            "are not supported): " + err
                      : err;
        return;
    }
    StackReader reader(tree, inspector, s.layers);
    reader.add(dir, 0);
    if (!s.layers.empty())
        s.uuid = uuid_of(tree, s.layers[0].name);
}

} // namespace

HibernationFacts gather_hibernation_facts(CryptInspector& inspector, const std::string& root)
{
    const Tree tree(root);
    HibernationFacts f;
    std::string err;
    if (const auto r = tree.read("/sys/power/resume", &err)) {
        f.resume_readable = true;
        f.resume_text = shown(chomp(*r));
        f.resume = parse_devno(*r);
        if (f.resume && !(*f.resume == DevNo{})) {
            std::string rerr;
            const std::string dir = tree.resolve("/sys/dev/block/" + to_string(*f.resume), rerr);
            if (!dir.empty())
                f.resume_name = fs::path(dir).filename().string();
        }
    } else {
        f.warnings.push_back(err);
    }
    if (const auto r = tree.read("/sys/power/resume_offset"))
        f.resume_offset = parse_u64(*r);
    if (const auto r = tree.read("/sys/power/image_size"))
        f.image_size = parse_u64(*r);
    if (const auto r = tree.read("/proc/meminfo")) {
        f.mem_total_kib = parse_meminfo_kib(*r, "MemTotal");
        f.active_anon_kib = parse_meminfo_kib(*r, "Active(anon)");
    }
    if (const auto r = tree.read("/proc/swaps", &err)) {
        f.swaps_readable = true;
        for (auto& e : parse_proc_swaps(*r, f.warnings)) {
            SwapFacts s;
            s.entry = std::move(e);
            f.swaps.push_back(std::move(s));
        }
    } else {
        f.warnings.push_back(err);
    }
    for (auto& s : f.swaps)
        gather_swap(tree, inspector, s);
    return f;
}

// ---- classification ------------------------------------------------------------

namespace {

struct StackResult {
    bool judged = false;  // at least one path reached a leaf
    ImageProtection protection = ImageProtection::Authenticated;
    const BlockLayer* culprit = nullptr;   // the layer a message should name
    std::string why;
    const BlockLayer* volatile_layer = nullptr;
};

// Safety order: a path we cannot judge is worse than a known weaker tier,
// because RequireAuthenticatedImage=no must not accept it.
int rank(ImageProtection p)
{
    switch (p) {
    case ImageProtection::Unencrypted: return 0;
    case ImageProtection::Unknown: return 1;
    case ImageProtection::EncryptedOnly: return 2;
    case ImageProtection::Authenticated: return 3;
    }
    return 0;
}

struct PathState {
    const BlockLayer* encrypting = nullptr;  // first layer that encrypts
    bool authenticates = false;
    const BlockLayer* unknown = nullptr;
    std::string unknown_why;
    std::string weak_why;
};

// Every block written to the top device reaches every leaf below it, so
// each top-to-leaf path must be judged; the worst path decides. Along one
// path a layer that encrypts and one that authenticates (the same or two)
// protect the image whatever the other layers do.
// Paths through a shared lower device are judged once per state: the worst
// path wins either way, and a diamond-shaped stack cannot blow up the walk.
using Visited = std::set<std::tuple<size_t, bool, bool, bool>>;

void judge(ImageProtection p, const BlockLayer* culprit, std::string why, StackResult& out)
{
    if (!out.judged || rank(p) < rank(out.protection)) {
        out.protection = p;
        out.culprit = culprit;
        out.why = std::move(why);
    }
    out.judged = true;
}

void walk(const std::vector<BlockLayer>& layers, size_t idx, PathState st, int depth, StackResult& out,
          Visited& visited, std::vector<bool>& on_path)
{
    const BlockLayer& l = layers[idx];
    // A stack that leads back into itself has no bottom to judge.
    if (on_path[idx])
        return judge(ImageProtection::Unknown, &l, "the device stack loops back to " + l.name, out);
    if (!visited.insert({idx, st.encrypting != nullptr, st.authenticates, st.unknown != nullptr}).second)
        return;
    if (!l.error.empty() && !st.unknown) {
        st.unknown = &l;
        st.unknown_why = l.error;
    }
    if (l.kind == LayerKind::Volatile && !out.volatile_layer)
        out.volatile_layer = &l;
    if (l.crypt && !l.crypt->live) {
        if (!st.unknown) {
            st.unknown = &l;
            st.unknown_why = "only " + l.crypt->source + " could be read, which says " +
                             assess_crypt(*l.crypt).description +
                             "; the live table decides what is written, and reading it needs CAP_SYS_ADMIN";
        }
    } else if (l.crypt) {
        const CryptStrength c = assess_crypt(*l.crypt);
        if (c.encrypts && !st.encrypting)
            st.encrypting = &l;
        st.authenticates = st.authenticates || c.authenticates;
        if (!c.authenticates && st.weak_why.empty())
            st.weak_why = c.why;
    } else if ((l.kind == LayerKind::DmCrypt || l.kind == LayerKind::DmOther ||
                (l.kind == LayerKind::DmIntegrity && parse_dm_uuid(l.dm_uuid).type == "INTEGRITY")) &&
               !l.crypt_error.empty() && !st.unknown) {
        st.unknown = &l;
        st.unknown_why = l.crypt_error;
    }
    if (!l.lower.empty()) {
        if (depth >= kMaxDepth)
            return judge(ImageProtection::Unknown, &l, "the device stack is deeper than " + std::to_string(kMaxDepth),
                         out);
        on_path[idx] = true;
        for (size_t c : l.lower) {
            if (c < layers.size())
                walk(layers, c, st, depth + 1, out, visited, on_path);
            else
                judge(ImageProtection::Unknown, &l, "a lower device of " + l.name + " is missing", out);
        }
        on_path[idx] = false;
        return;
    }
    // A leaf: judge the path.
    ImageProtection p;
    const BlockLayer* culprit = &l;
    std::string why;
    if (st.encrypting && st.authenticates) {
        p = ImageProtection::Authenticated;
    } else if (st.unknown) {
        p = ImageProtection::Unknown;
        culprit = st.unknown;
        why = st.unknown_why;
    } else if (st.encrypting) {
        p = ImageProtection::EncryptedOnly;
        culprit = st.encrypting;
        why = st.weak_why;
    } else {
        p = ImageProtection::Unencrypted;
    }
    judge(p, culprit, std::move(why), out);
}

StackResult judge_stack(const std::vector<BlockLayer>& layers)
{
    StackResult out;
    if (layers.empty()) {
        out.protection = ImageProtection::Unknown;
        out.why = "no block device found";
        return out;
    }
    Visited visited;
    std::vector<bool> on_path(layers.size(), false);
    walk(layers, 0, PathState{}, 0, out, visited, on_path);
    if (!out.judged) {
        out.protection = ImageProtection::Unknown;
        out.culprit = &layers[0];
        out.why = "no path through the device stack reaches a disk";
    }
    if (out.protection == ImageProtection::Authenticated)
        out.culprit = &layers[0];
    return out;
}

std::string describe_layer(const BlockLayer& l)
{
    std::string s = l.node();
    if (!l.dm_name.empty())
        s += " (" + shown(l.dm_name) + ")";
    return s;
}

bool is_zram_path(const std::string& path) { return path.starts_with("/dev/zram"); }

// systemd 252's choice (src/shared/sleep-config.c, find_hibernate_location):
// zram, deleted files and other types are skipped; when /sys/power/resume
// is set, the swap with that device (and offset) is used and nothing else;
// otherwise the highest priority wins, then the most free space, and a
// later entry wins a tie.
struct Choice {
    std::optional<size_t> index;
    bool resume_match = false;
    std::vector<std::string> skipped;
    bool only_zram = false;
};

Choice choose_swap(const HibernationFacts& f)
{
    Choice c;
    const bool resume_set = f.resume && !(*f.resume == DevNo{});
    const uint64_t sys_offset = f.resume_offset.value_or(0);
    size_t zram = 0;
    for (size_t i = 0; i < f.swaps.size(); i++) {
        const SwapFacts& s = f.swaps[i];
        const SwapEntry& e = s.entry;
        if (e.type == SwapType::File && e.deleted) {
            c.skipped.push_back(shown(e.path) + " (deleted)");
            continue;
        }
        if (e.type == SwapType::Partition && is_zram_path(e.path)) {
            zram++;
            c.skipped.push_back(shown(e.path) + " (zram)");
            continue;
        }
        if (e.type == SwapType::Other) {
            c.skipped.push_back(shown(e.path) + " (type " + shown(e.type_text) + ")");
            continue;
        }
        if (!resume_set && c.index) {
            const SwapEntry& best = f.swaps[*c.index].entry;
            const auto free_of = [](const SwapEntry& x) { return x.size_kib > x.used_kib ? x.size_kib - x.used_kib : 0; };
            if (e.priority < best.priority || (e.priority == best.priority && free_of(e) < free_of(best)))
                continue;
        }
        c.index = i;
        if (resume_set && s.devno && *s.devno == *f.resume) {
            // A swap file matches only at its own first block; one whose
            // offset is unknown cannot be shown to match.
            const std::optional<uint64_t> off = e.type == SwapType::File ? s.file_offset_pages : uint64_t{0};
            if (off && *off == sys_offset) {
                c.resume_match = true;
                break;
            }
        }
    }
    c.only_zram = !c.index && zram > 0;
    return c;
}

// How to make the next boot look for the image on `s`: what resume= must
// say on the kernel command line, or in Debian's initramfs configuration.
std::string resume_hint(const SwapFacts& s)
{
    const std::string dev = s.layers.empty() ? shown(s.entry.path) : s.layers[0].node();
    const std::string uuid = s.uuid.empty() ? "<UUID>" : s.uuid;
    std::string cmdline = "resume=UUID=" + uuid;
    std::string initramfs = "RESUME=UUID=" + uuid;
    if (s.entry.type == SwapType::File) {
        const std::string off = s.file_offset_pages ? std::to_string(*s.file_offset_pages) : "<offset>";
        cmdline += " resume_offset=" + off;
        initramfs += " and RESUME_OFFSET=" + off;
    }
    return "add " + cmdline + " to the kernel command line, or on Debian put " + initramfs +
           " into /etc/initramfs-tools/conf.d/resume and run update-initramfs -u; then reboot" +
           (s.uuid.empty() ? " (<UUID> is what 'blkid -s UUID -o value " + dev + "' prints)" : "");
}

// lockdown-hibernate renews the swap after a resume (prepare() in
// lockdown_hibernate.cpp, swap_renewal.cpp): it suspends every dm-integrity
// layer of the swap's stack together with the dm-crypt layer directly above
// it, reloads the integrity table and resumes both. Anything else stacked
// on those layers would stall while they are suspended, or go on with the
// stale integrity instance; an LVM (or other) layer between the integrity
// layer and the swap is a volume group that other volumes may share. Such
// stacks are refused; nullopt when the stack is fine.
struct StackRefusal {
    HibernationBlock block;
    std::string text;
};

std::string describe_holder(const BlockHolder& h)
{
    return "/dev/" + shown(h.name) + (h.dm_name.empty() ? "" : " (" + shown(h.dm_name) + ")");
}

std::optional<StackRefusal> judge_writer_layers(const SwapFacts& s, const std::string& label)
{
    const std::vector<BlockLayer>& L = s.layers;
    const size_t n = L.size();
    // above[i]: the layers of this stack directly on top of layer i.
    std::vector<std::vector<size_t>> above(n);
    for (size_t j = 0; j < n; j++)
        for (size_t c : L[j].lower)
            if (c < n && c != j && std::find(above[c].begin(), above[c].end(), j) == above[c].end())
                above[c].push_back(j);
    const std::string stall = "anything else on it would stall while it is suspended or see a stale dm-integrity instance";
    const std::string why = "lockdown-hibernate must suspend and reload that layer after a resume, and " + stall;

    for (size_t i = 0; i < n; i++) {
        if (L[i].kind != LayerKind::DmIntegrity)
            continue;
        // What the writer suspends along with it: the dm-crypt layers right above.
        std::vector<size_t> suspended{i};
        for (size_t j : above[i])
            if (L[j].kind == LayerKind::DmCrypt)
                suspended.push_back(j);
        for (size_t x : suspended) {
            const BlockLayer& l = L[x];
            const std::string role = x == i ? "the dm-integrity layer of " + label
                                            : "the dm-crypt layer above the dm-integrity layer " +
                                                  describe_layer(L[i]) + " of " + label;
            if (!l.holders_error.empty())
                return StackRefusal{HibernationBlock::Unverifiable,
                                    "cannot tell what else is stacked on " + describe_layer(l) + ", " + role +
                                        ", which lockdown-hibernate must suspend and reload after a resume: " +
                                        l.holders_error};
            std::string others;
            for (const BlockHolder& h : l.holders) {
                const bool ours = std::any_of(above[x].begin(), above[x].end(),
                                              [&](size_t j) { return L[j].name == h.name; });
                if (!ours)
                    others += (others.empty() ? "" : ", ") + describe_holder(h);
            }
            if (!others.empty())
                return StackRefusal{HibernationBlock::SharedLayer,
                                    describe_layer(l) + ", " + role + ", is also used by " + others +
                                        ", stacked on it: " +
                                        (x == i ? why
                                                : "lockdown-hibernate must suspend that layer after a resume while it "
                                                  "reloads the one below, and " + stall) +
                                        ". Give the swap a LUKS2 --integrity partition of its own"};
        }
        // Everything between the integrity layer and the swap must be one
        // of those dm-crypt layers.
        std::vector<bool> seen(n, false);
        std::vector<size_t> todo = above[i];
        while (!todo.empty()) {
            const size_t j = todo.back();
            todo.pop_back();
            if (seen[j])
                continue;
            seen[j] = true;
            todo.insert(todo.end(), above[j].begin(), above[j].end());
        }
        for (size_t j = 0; j < n; j++) {
            if (!seen[j] || std::find(suspended.begin() + 1, suspended.end(), j) != suspended.end())
                continue;
            const std::string what =
                L[j].kind == LayerKind::DmOther
                    ? "a device-mapper layer (LVM or similar), whose volume group can hold other volumes, such as "
                      "the root file system"
                    : "a " + to_string(L[j].kind) + " layer that lockdown-hibernate would not suspend with it";
            return StackRefusal{HibernationBlock::SharedLayer,
                                label + " reaches its dm-integrity layer " + describe_layer(L[i]) + " through " +
                                    describe_layer(L[j]) + ", " + what +
                                    ": lockdown-hibernate must suspend and reload the dm-integrity layer after a "
                                    "resume, and anything else on that stack would stall while it is suspended or "
                                    "see a stale dm-integrity instance. Put the swap directly on a LUKS2 --integrity "
                                    "partition of its own"};
        }
    }
    return std::nullopt;
}

std::string swap_label(const SwapFacts& s)
{
    if (s.entry.type == SwapType::File)
        return "swap file " + shown(s.entry.path);
    std::string out = "swap " + shown(s.entry.path);
    if (!s.layers.empty() && s.layers[0].node() != s.entry.path)
        out += " (" + s.layers[0].node() + ")";
    return out;
}

} // namespace

HibernationVerdict classify_hibernation(const HibernationFacts& f, const HibernationPolicy& policy)
{
    HibernationVerdict v;
    bool resume_unset = false;
    const auto refuse = [&](HibernationBlock b, std::string text) {
        v.block = b;
        v.blocker = std::move(text);
        if (v.summary.empty())
            v.summary = v.blocker;
        if (resume_unset && v.swap_index && b != HibernationBlock::ResumeUnset)
            v.summary += "; also, /sys/power/resume is unset (0:0), so the next boot would not look for an image";
        return v;
    };

    if (!f.resume_readable)
        return refuse(HibernationBlock::Unverifiable,
                      "cannot read /sys/power/resume: this kernel may lack hibernation support (CONFIG_HIBERNATION)");
    if (!f.resume)
        return refuse(HibernationBlock::Unverifiable,
                      "/sys/power/resume holds '" + f.resume_text + "', which is not a device number (MAJ:MIN)");
    if (!f.swaps_readable)
        return refuse(HibernationBlock::Unverifiable, "cannot read /proc/swaps");

    const Choice c = choose_swap(f);
    const bool resume_set = !(*f.resume == DevNo{});
    resume_unset = !resume_set;
    const std::string resume_desc =
        to_string(*f.resume) + (f.resume_name.empty() ? "" : " (/dev/" + shown(f.resume_name) + ")");

    if (resume_set && !c.resume_match) {
        if (f.resume_name.starts_with("zram") || has_prefix_and_digits(f.resume_name, "ram"))
            return refuse(HibernationBlock::VolatileSwap,
                          "/sys/power/resume points at " + resume_desc +
                              ", which is in RAM: its contents are lost at power-off, so no image can be kept there");
        const std::string off =
            f.resume_offset && *f.resume_offset ? " at offset " + std::to_string(*f.resume_offset) : "";
        // A swap that could not hold a protected image at all is the more
        // basic problem: say that first (the resume device comes next).
        if (!f.swaps.empty()) {
            HibernationFacts unpointed = f;
            unpointed.resume = DevNo{};
            HibernationVerdict inner = classify_hibernation(unpointed, policy);
            if (inner.block == HibernationBlock::Unencrypted || inner.block == HibernationBlock::NotAuthenticated ||
                inner.block == HibernationBlock::VolatileSwap || inner.block == HibernationBlock::Unsupported ||
                inner.block == HibernationBlock::SharedLayer) {
                inner.summary = inner.blocker + "; also, /sys/power/resume points at " + resume_desc + off +
                                ", which is not an active swap";
                return inner;
            }
        }
        std::string others;
        for (const auto& s : f.swaps)
            if (!s.entry.deleted && !is_zram_path(s.entry.path) && s.entry.type != SwapType::Other)
                others += (others.empty() ? "" : ", ") + shown(s.entry.path) +
                          (s.devno ? " (" + to_string(*s.devno) + ")" : "");
        // The swap that would be checked if resume= named it: the one to name.
        HibernationFacts unpointed = f;
        unpointed.resume = DevNo{};
        const Choice would = choose_swap(unpointed);
        return refuse(HibernationBlock::ResumeMismatch,
                      "/sys/power/resume points at " + resume_desc + off + ", which is not an active swap" +
                          (others.empty() || !would.index
                               ? " (no usable swap is active)."
                               : "; the swap in use is " + others + ". To point it at " +
                                     swap_label(f.swaps[*would.index]) + ", " +
                                     resume_hint(f.swaps[*would.index]) + "."));
    }
    if (!c.index) {
        if (c.only_zram)
            return refuse(HibernationBlock::VolatileSwap,
                          "the only swap is zram (" + c.skipped.front() +
                              "), which lives in RAM and is lost at power-off: hibernation needs a swap on disk");
        return refuse(HibernationBlock::NoSwap,
                      f.swaps.empty() ? "no swap is active, so there is nowhere to write a hibernation image"
                                      : "no active swap can hold a hibernation image (ignored: " +
                                            [&] {
                                                std::string s;
                                                for (const auto& x : c.skipped)
                                                    s += (s.empty() ? "" : ", ") + x;
                                                return s;
                                            }() + ")");
    }

    const SwapFacts& s = f.swaps[*c.index];
    v.swap_index = c.index;
    v.swap = s.entry.path;
    v.target = s.devno;
    if (s.entry.type == SwapType::File)
        v.target_offset = s.file_offset_pages;
    v.choice = c.resume_match ? "/sys/power/resume points at it"
               : f.swaps.size() - c.skipped.size() > 1
                   ? "highest priority (" + std::to_string(s.entry.priority) + ") with the most free space, as systemd picks it"
                   : "the only usable swap";
    const std::string label = swap_label(s);

    if (!s.error.empty() && s.layers.empty())
        return refuse(HibernationBlock::Unverifiable, "cannot tell what stores " + label + ": " + s.error);

    const StackResult r = judge_stack(s.layers);
    v.protection = r.protection;
    const bool file = s.entry.type == SwapType::File;
    const std::string where =
        file && !s.layers.empty() ? " (its file system is on " + describe_layer(s.layers[0]) + ")" : "";
    if (r.volatile_layer)
        return refuse(HibernationBlock::VolatileSwap, label + where + " is stored in RAM (" +
                                                          r.volatile_layer->name +
                                                          "): it is lost at power-off, so no image can be kept there");
    const std::string culprit = r.culprit ? describe_layer(*r.culprit) : label;
    switch (r.protection) {
    case ImageProtection::Unknown:
        return refuse(HibernationBlock::Unverifiable,
                      "cannot verify how " + label + where + " is protected: " + culprit + ": " + r.why);
    case ImageProtection::Unencrypted:
        return refuse(HibernationBlock::Unencrypted,
                      label + where + " is not encrypted: whoever has the disk can read the hibernation image (keys, "
                                      "passwords, open documents) and change it. Put the swap on LUKS2 with --integrity");
    case ImageProtection::EncryptedOnly: {
        const std::string what = r.culprit && r.culprit->crypt ? assess_crypt(*r.culprit->crypt).description : "";
        const std::string fs_note =
            file ? " The swap file's blocks are encrypted by the file system's device, but nothing authenticates them." : "";
        if (policy.require_authenticated)
            return refuse(HibernationBlock::NotAuthenticated,
                          label + (file ? where : (r.culprit && r.culprit != &s.layers[0] ? " on " + culprit : "")) +
                              " is encrypted but not authenticated" + (what.empty() ? "" : " (" + what + ")") +
                              ": an attacker with the disk cannot read the image but can alter it undetected." +
                              fs_note +
                              " Use LUKS2 with --integrity hmac-sha256, or accept this weaker tier with "
                              "RequireAuthenticatedImage=no");
        v.tier = "encrypted only (weaker tier, accepted by RequireAuthenticatedImage=no): the image cannot be read "
                 "offline, but it could be altered undetected";
        break;
    }
    case ImageProtection::Authenticated:
        v.tier = "authenticated: the image can be neither read nor altered offline";
        break;
    }

    // The image goes through lockdown-hibernate, which flushes what the
    // kernel's writer leaves in dm-integrity's memory (tests/vm/hibernate).
    // It writes to a whole swap device, and only through layers whose
    // behaviour across a resume was tested.
    if (file)
        return refuse(HibernationBlock::Unsupported,
                      label + where + " is a swap file: lockdown-broker writes the hibernation image itself (the "
                                      "kernel's writer does not flush dm-integrity before it powers off, and loses the "
                                      "image) and supports swap partitions only. Use a swap partition on LUKS2 with "
                                      "--integrity");
    for (const auto& l : s.layers)
        if (l.kind == LayerKind::Md || l.kind == LayerKind::Loop)
            return refuse(HibernationBlock::Unsupported,
                          label + " is stored on " + describe_layer(l) +
                              ", which lockdown-broker's image writer was not tested with (a hibernation image "
                              "there may not survive the power-off or the resume): put the swap on a partition");
    if (const auto shared = judge_writer_layers(s, label))
        return refuse(shared->block, shared->text);

    // The size rule. The kernel aims for an image of at most image_size
    // bytes (default 2/5 of RAM: kernel/power/snapshot.c,
    // hibernate_image_size_init) and wants more free swap than the image
    // plus PAGES_FOR_IO, 4 MiB (kernel/power/swap.c, enough_swap; it checks
    // this up front only for uncompressed images, we always do because the
    // compression ratio is unknown in advance). systemd 252 additionally
    // wants Active(anon) <= 98% of the free swap, or logind's CanHibernate
    // says no (sleep-config.c, enough_swap_for_hibernation).
    // An image still there was never resumed by this running system, so
    // it must never resume. lockdown-swap-guard.service discards it.
    if (s.header == SwapSignature::Image)
        return refuse(HibernationBlock::StaleImage,
                      label + " still holds a hibernation image that this system did not resume (header "
                              "S1SUSPEND). It must never be resumed: the file systems have changed since it was "
                              "written. Discard it: systemctl restart lockdown-swap-guard.service");
    if (s.header_errno)
        return refuse(HibernationBlock::StaleImage,
                      "cannot read the swap header of " + label + ": " + std::strerror(s.header_errno) +
                          (s.header_errno == EILSEQ ? " (its dm-integrity layer fails the header sector: a stale "
                                                      "instance after a resume)"
                                                    : "") +
                          ". Repair it: systemctl restart lockdown-swap-guard.service");
    const uint64_t free_kib = s.entry.size_kib > s.entry.used_kib ? s.entry.size_kib - s.entry.used_kib : 0;
    std::string size_note;
    if (f.image_size) {
        v.needed_kib = *f.image_size / 1024 + kHibernationIoReserveKib;
        size_note = "image_size " + mib(*f.image_size / 1024);
    } else if (f.mem_total_kib) {
        v.needed_kib = *f.mem_total_kib * 2 / 5 + kHibernationIoReserveKib;
        size_note = "2/5 of " + mib(*f.mem_total_kib) + " RAM";
    }
    if (v.needed_kib && free_kib <= v.needed_kib)
        return refuse(HibernationBlock::SwapTooSmall,
                      label + " has " + mib(free_kib) + " free, but the image may need " + mib(v.needed_kib) + " (" +
                          size_note + " plus 4 MiB for the writer): enlarge the swap or lower /sys/power/image_size");
    if (f.active_anon_kib && static_cast<double>(*f.active_anon_kib) > static_cast<double>(free_kib) * 0.98)
        return refuse(HibernationBlock::SwapTooSmall,
                      label + " has " + mib(free_kib) + " free, less than the " + mib(*f.active_anon_kib) +
                          " of active anonymous memory, so systemd refuses to hibernate: enlarge the swap");

    // lockdown-hibernate writes the image but not resume=: only a boot that
    // looks for it on this swap finds it. /sys/power/resume shows what this
    // boot was told (the kernel's resume= or the initramfs's RESUME=), and
    // the next boot is told the same.
    if (!resume_set)
        return refuse(HibernationBlock::ResumeUnset,
                      "/sys/power/resume is unset (0:0): this system was booted without a resume device, so the "
                      "next boot would not look for the hibernation image on " + label +
                          " and the session would be lost. To point it there, " + resume_hint(s));

    v.block = HibernationBlock::None;
    v.summary = "hibernation image goes to " + label + where + " (" + v.choice + "); " + v.tier;
    if (!v.needed_kib)
        v.summary += "; the image size is unknown (no image_size or MemTotal), so swap space was not checked";
    return v;
}

} // namespace ldb
