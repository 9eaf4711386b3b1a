// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Stage 1 of the hibernation check: parsers for the text the kernel writes
// in sysfs and procfs (/sys/power/resume, /proc/swaps, /proc/meminfo,
// holders/, dm/uuid). Pure and fuzzed (tests/fuzz/fuzz_hibernation.cpp).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ldb {

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

// Helpers the other stages of the check share for kernel text.
namespace kernel_text {

bool is_hex(char c);
// Sysfs and procfs values end in one newline: without it.
std::string_view chomp(std::string_view s);
// An unsigned decimal of at most 20 digits; nullopt on junk or overflow.
std::optional<uint64_t> parse_digits(std::string_view s);
// ASCII lower case.
std::string lower(std::string_view s);
// A kernel-supplied value made safe for a message: control bytes become
// '?', and more than `max` bytes are cut ("...") so that a hostile or
// binary value cannot flood it.
std::string shown(std::string_view s, size_t max = 80);
// "zram0" for "zram", "md127" for "md": the prefix and then only digits.
bool has_prefix_and_digits(std::string_view name, std::string_view prefix);

} // namespace kernel_text

} // namespace ldb
