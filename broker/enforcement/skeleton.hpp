// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The generated BPF skeleton, part by part (parts.hpp): open one part's
// programs over the pinned maps, load them, and attach and pin their links,
// reusing or replacing what an earlier run pinned. Used by the Enforcer only.
#include <bpf/libbpf.h>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "enforcement/enforcer.hpp"
#include "enforcement/parts.hpp"
#include "lockdown.skel.h"

namespace ldb::skeleton {

struct SkelDeleter {
    void operator()(lockdown_bpf* s) const noexcept { lockdown_bpf__destroy(s); }
};
using SkelPtr = std::unique_ptr<lockdown_bpf, SkelDeleter>;

// Mounts the BPF file system if nobody did yet, and creates the pin directory.
void ensure_bpffs(const PinLayout& pins);
// Opens a pinned object; NotFound (with a hint) when enforcement is not loaded,
// Refused (sealed_error) when the kernel refuses root because the broker
// sealed enforcement.
UniqueFd obj_get(const std::string& path, uint32_t file_flags = 0);
Error sealed_error(const std::string& path);
// Whether anything is pinned at `path`.
bool pinned(const std::string& path);

// What happened to one program's link.
enum class LinkOutcome { Reused, Attached, Replaced };
// Attaches `prog` and pins its link at `path`, reusing a pinned link whose
// program has the same tag. `may_replace` is false once the pins are
// protected: the old pin can no longer be renamed over.
LinkOutcome ensure_link(bpf_program* prog, const std::string& path, bool may_replace);

// The programs of one part, in the order of its links in part_info().
std::vector<bpf_program*> programs_of(lockdown_bpf* s, EnforcementPart p);
// Every map, each pinned under its own name in the pin directory.
std::vector<bpf_map*> maps_of(lockdown_bpf* s);
// A skeleton in which only `part`'s programs load; its maps are the pinned
// ones (libbpf reuses a compatible pinned map, or creates and pins it).
// `refused` gets why libbpf refused the part before its load, if it did.
SkelPtr open_part(EnforcementPart part, const PinLayout& pins, const struct stat& dir_st, std::string& refused);
// The error for a failed load of locked_down, from errno and libbpf's log.
[[noreturn]] void throw_core_load_error(int err, const PinLayout& pins);
// Loads an optional part; on failure records why in `state` and returns null.
SkelPtr load_optional(EnforcementPart part, const PinLayout& pins, const struct stat& dir_st, PartState& state);
// A skeleton with no program, whose load creates and pins the maps only.
void create_maps(const PinLayout& pins);

} // namespace ldb::skeleton
