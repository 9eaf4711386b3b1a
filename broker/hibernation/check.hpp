// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The image protection check for hibernation: where would the kernel write
// the image, and can an offline attacker read or forge it there?
//
// Three steps, kept apart so that each can be tested on its own:
//  1. parsers for the kernel's text files (pure, fuzzed);
//  2. gather_hibernation_facts(): reads /sys/power, /proc/swaps,
//     /proc/meminfo and the block device stack in sysfs below a root
//     directory ("/" is the system, tests point it at a fixture tree), and
//     asks a CryptInspector about every dm-crypt layer;
//  3. classify_hibernation(): facts in, verdict out, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hibernation/swap_header.hpp"

#include "hibernation/crypt_inspect.hpp"

namespace ldb {

// ---- parsers ----------------------------------------------------------------

struct DevNo {
    uint32_t major = 0;
    uint32_t minor = 0;
    bool operator==(const DevNo&) const = default;
};
std::string to_string(DevNo d); // "253:1"

// "MAJ:MIN" as in /sys/power/resume and .../dev, with an optional trailing
// newline. nullopt for anything else (signs, blanks, junk, out of range).
std::optional<DevNo> parse_devno(std::string_view text);

// An unsigned decimal with an optional trailing newline (image_size,
// resume_offset, size). nullopt on junk or overflow.
std::optional<uint64_t> parse_u64(std::string_view text);

enum class SwapType { Partition, File, Other };

struct SwapEntry {
    std::string path;          // unescaped: "\040" became ' '
    SwapType type = SwapType::Other;
    std::string type_text;     // as the kernel wrote it
    uint64_t size_kib = 0;
    uint64_t used_kib = 0;
    int priority = 0;
    bool deleted = false;      // a swap file whose name ends in " (deleted)"
    unsigned line = 0;         // 1-based line in /proc/swaps
};

// Parses /proc/swaps. The header line is skipped; a malformed line is
// skipped too and described in `warnings` (as systemd does: one bad line
// must not hide the others).
std::vector<SwapEntry> parse_proc_swaps(std::string_view text, std::vector<std::string>& warnings);

// The entries of a sysfs holders/ directory: the kernel names of the block
// devices stacked on a device ("dm-3"). Returns them sorted, without
// repeats. nullopt, with `error` naming the entry, when one is no kernel
// block device name (empty, "." or "..", longer than 64 bytes, a '/', a
// blank, a control or non-ASCII byte) or there are more than
// kMaxHolders entries, which is not the kernel talking.
inline constexpr size_t kMaxHolders = 256;
std::optional<std::vector<std::string>> parse_holders(std::vector<std::string> entries, std::string& error);

// Undoes the kernel's seq_file escaping of " \t\n\\" as three-digit octal.
std::string unescape_octal(std::string_view text);

// The value in kB of `key` ("MemTotal") in /proc/meminfo text.
std::optional<uint64_t> parse_meminfo_kib(std::string_view text, std::string_view key);

// What cryptsetup wrote into a device-mapper uuid:
// "CRYPT-LUKS2-<32 hex>-<name>", "CRYPT-PLAIN-<name>",
// "CRYPT-SUBDEV-<32 hex>-<name>" (the dm-integrity device below a LUKS2
// --integrity mapping), "CRYPT-INTEGRITY-<name>", ...
struct DmUuid {
    bool cryptsetup = false;   // starts with "CRYPT-"
    std::string type;          // "LUKS1", "LUKS2", "PLAIN", "SUBDEV", "INTEGRITY", "VERITY", ...
    std::string header_uuid;   // 32 lower-case hex digits, or empty
    std::string name;
};
DmUuid parse_dm_uuid(std::string_view uuid);

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

// ---- facts --------------------------------------------------------------------

enum class LayerKind {
    Disk,        // a whole disk or a partition
    DmCrypt,     // dm-crypt (LUKS1, LUKS2, PLAIN, ...)
    DmIntegrity, // a LUKS2 integrity sub-device or a standalone dm-integrity
    DmOther,     // linear, striped, raid, ... (LVM): passes blocks through
    Md,          // software RAID
    Loop,        // a loop device: backed by a file somewhere else
    Volatile,    // zram or a RAM disk: gone at power-off
};
std::string to_string(LayerKind k);

// A device stacked on a layer, from the layer's sysfs holders/.
struct BlockHolder {
    std::string name;      // kernel name: "dm-3"
    std::string dm_name;   // its device-mapper name, if it has one: "vg-root"
    bool operator==(const BlockHolder&) const = default;
};

struct BlockLayer {
    DevNo devno;
    std::string name;          // kernel name: "dm-1", "vda2", "zram0"
    LayerKind kind = LayerKind::Disk;
    std::string dm_name;
    std::string dm_uuid;
    std::optional<uint64_t> size_sectors;  // 512-byte sectors
    std::vector<size_t> lower;             // indices into SwapFacts::layers (sysfs slaves/)
    std::vector<BlockHolder> holders;           // what is stacked on it (sysfs holders/), sorted by name
    std::string holders_error;             // why holders/ could not be read
    std::optional<CryptFacts> crypt;       // for DmCrypt (and standalone dm-integrity)
    std::string crypt_error;               // why `crypt` is missing
    std::string error;                     // a sysfs problem (loop, missing entry, ...)

    std::string node() const { return "/dev/" + name; }
};

struct SwapFacts {
    SwapEntry entry;
    std::optional<DevNo> devno;   // the block device the kernel writes to: the
                                  // swap partition, or a swap file's file system device
    std::optional<uint64_t> file_offset_pages;  // a swap file's first block (FIEMAP), as resume_offset counts it
    std::vector<BlockLayer> layers;  // layers[0] is the top of the stack
    std::string uuid;                // of layers[0], from /dev/disk/by-uuid: what resume=UUID= names
    std::string error;               // why devno or the stack is unknown
    // Page 0 of a swap partition, read with O_DIRECT (a regular file in a
    // fixture tree): its signature, or the errno of the read. Neither when
    // there is nothing to read (a fixture without it, a swap file).
    std::optional<SwapSignature> header;
    int header_errno = 0;
};

struct HibernationFacts {
    std::string resume_text;            // /sys/power/resume as read
    std::optional<DevNo> resume;        // parsed; {0,0} means unset
    bool resume_readable = false;
    std::optional<uint64_t> resume_offset;  // pages, /sys/power/resume_offset
    std::optional<uint64_t> image_size;     // bytes, /sys/power/image_size
    std::optional<uint64_t> mem_total_kib;  // /proc/meminfo MemTotal
    std::optional<uint64_t> active_anon_kib; // /proc/meminfo Active(anon): systemd's size check
    bool swaps_readable = false;
    std::vector<SwapFacts> swaps;
    std::vector<std::string> warnings;  // malformed /proc/swaps lines, ...
    std::string resume_name;            // kernel name of the resume device, if sysfs knows it
};

// Reads everything below `root` ("/" = the running system). Never throws
// for what it cannot read: that becomes a fact (an error string or nullopt)
// that the classifier turns into a refusal naming the cause.
HibernationFacts gather_hibernation_facts(CryptInspector& inspector, const std::string& root = "/");

// ---- verdict ------------------------------------------------------------------

enum class ImageProtection { Authenticated, EncryptedOnly, Unencrypted, Unknown };
std::string to_string(ImageProtection p);

// Why hibernation is refused, for callers that act on it (the panel shows
// HibernationVerdict::blocker as it is).
enum class HibernationBlock {
    None,
    Unverifiable,     // a fact could not be read: names which
    NoSwap,           // no swap the kernel could write the image to
    VolatileSwap,     // zram or a RAM disk
    ResumeMismatch,   // /sys/power/resume points elsewhere than the swap in use
    ResumeUnset,      // /sys/power/resume is 0:0: the next boot would not look for the image
    Unencrypted,
    NotAuthenticated, // encrypted, but an attacker could modify the image
    SwapTooSmall,
    Unsupported,      // protected, but the image writer cannot make it durable there (swap file, md)
    SharedLayer,      // a layer lockdown-hibernate suspends and reloads after a resume has other users
    StaleImage,       // the swap still holds an image this system did not resume, or its header is unreadable
};
std::string to_string(HibernationBlock b);

struct HibernationPolicy {
    // RequireAuthenticatedImage=; false accepts encrypted-only swap as a
    // weaker tier, and the verdict says so.
    bool require_authenticated = true;
};

struct HibernationVerdict {
    ImageProtection protection = ImageProtection::Unknown;
    HibernationBlock block = HibernationBlock::Unverifiable;
    bool allowed() const { return block == HibernationBlock::None; }
    std::string tier;      // "authenticated", "encrypted only (weaker tier)", ...
    std::string blocker;   // empty when allowed: one sentence, names the device
    std::string summary;   // what was checked and found, also when allowed
    std::optional<size_t> swap_index;  // into HibernationFacts::swaps
    std::string swap;                  // "/dev/dm-1", "/swapfile"
    std::optional<DevNo> target;       // what /sys/power/resume must hold at hibernation time
    std::optional<uint64_t> target_offset;  // and resume_offset, for a swap file
    std::string choice;    // why this swap: "/sys/power/resume points at it", "highest priority"
    uint64_t needed_kib = 0;  // free swap the image needs, by the rule in the .cpp
};

HibernationVerdict classify_hibernation(const HibernationFacts& facts, const HibernationPolicy& policy);

// The kernel's page-size-independent reserve for the image writer
// (PAGES_FOR_IO in kernel/power/power.h: 4 MiB).
inline constexpr uint64_t kHibernationIoReserveKib = 4096;

} // namespace ldb
