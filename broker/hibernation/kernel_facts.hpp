// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Stage 2 of the hibernation check: the facts. gather_hibernation_facts()
// reads /sys/power, /proc/swaps, /proc/meminfo, the block device stack in
// sysfs (device_stack.hpp) and page 0 of the swap, below a root directory
// ("/" is the system, tests point it at a fixture tree), and asks a
// CryptInspector about every dm-crypt layer.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hibernation/crypt_inspect.hpp"
#include "hibernation/kernel_text.hpp"
#include "hibernation/swap_header.hpp"

namespace ldb {

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

// How deep a device stack may be; deeper is not judged.
inline constexpr int kMaxStackDepth = 16;

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

// "/dev/dm-1 (cryptswap)": the node, and the device-mapper name if any.
std::string describe_layer(const BlockLayer& l);

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
    // sysconf(_SC_PAGESIZE) of this system: the image format (swap_header.hpp)
    // is written for kPageSize pages only. 0 if sysconf failed.
    uint64_t page_size = 0;
};

// Reads everything below `root` ("/" = the running system). Never throws
// for what it cannot read: that becomes a fact (an error string or nullopt)
// that the classifier turns into a refusal naming the cause.
HibernationFacts gather_hibernation_facts(CryptInspector& inspector, const std::string& root = "/");

} // namespace ldb
