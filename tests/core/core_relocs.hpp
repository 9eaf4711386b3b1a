// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Host-side check that a BPF object's CO-RE relocations resolve against a
// kernel's BTF, without a kernel: the logic of core-check (core_check.cpp),
// kept apart so that the unit tests can drive it with BTF built in memory.
//
// What is read, and from where:
//   - the object's own BTF with libbpf (btf__parse_elf);
//   - the CO-RE relocation records of its .BTF.ext section with our own
//     parser (libbpf 1.1 keeps them private); the ELF section bytes are
//     read by hand, ELF64 little-endian only (what clang -target bpf writes);
//   - the target kernel's BTF with libbpf (btf__parse: raw BTF such as
//     /sys/kernel/btf/vmlinux, or an ELF vmlinux with a .BTF section).
//
// Matching follows libbpf 1.1's relo_core.c (bpf_core_parse_spec,
// bpf_core_spec_match, bpf_core_calc_relo, bpf_core_patch_insn):
//   - candidates are the target types of a CO-RE compatible kind whose
//     name, with any "___flavour" suffix stripped, equals the local type's
//     name stripped the same way;
//   - a field access string "0:i:j..." is walked member by member; target
//     members are found by name, descending into anonymous structs and
//     unions; the final field's types must be compatible (composite with
//     composite, int with int (no bit offset), pointer with pointer, enums
//     and forward declarations by essential name, arrays by element);
//   - the relocated value is computed for the local and the target spec; a
//     load/store whose field changed size is checked as libbpf patches it
//     (unexpected instruction size: load failure; size change of a type
//     that cannot be adjusted, e.g. an array or a signed int: the
//     instruction is poisoned);
//   - several matching candidates must agree, or the load fails
//     (ambiguity).
// Not modelled: libbpf narrows its per-type candidate list from one
// relocation to the next (only matters with several candidates, and then
// only makes libbpf stricter); kernel-module BTF as extra candidates;
// TYPE_MATCHES (reported as unsupported, a failure, never guessed).
//
// The verdict: whether a relocation that does not resolve breaks the load
// depends on whether its instruction is reachable (libbpf poisons it, and
// the verifier only objects to a poisoned instruction it can reach). We do
// not analyse control flow; we recognise the two guard patterns CO-RE code
// is written with. Per target BTF, each relocation is
//   resolved  - it matched (for the *_EXISTS kinds: the thing exists); or
//   guarded   - it did not resolve, and that is acceptable because
//               (1) it is itself a guard: FIELD_EXISTS, TYPE_EXISTS or
//                   ENUMVAL_EXISTS, which just evaluate to 0; or
//               (2) guard on the same thing: in the same program section a
//                   *_EXISTS relocation on the same local type, whose access
//                   path is a prefix of this one's (the same field, an
//                   enclosing one, or the type itself), evaluates to 0
//                   here: `if (bpf_core_field_exists(s, f)) use(s.f)`; or
//               (3) a flavour alternative: in the same program section
//                   another flavour of the same essential type (struct
//                   dentry___ld614 for struct dentry, or the reverse) has a
//                   *_EXISTS relocation that evaluates to 1 here and all of
//                   that flavour's value relocations in the section resolve:
//                   `if (exists(new.f2)) use(new.f2) else use(old.f1)`;
//   failed    - anything else: an unresolved value relocation (offset,
//               size, signedness, shifts, enum value, type size, target
//               type id) of an unflavoured type with no flavour sibling
//               taking over, a poisoned load, an error libbpf would fail
//               the load with, an unsupported kind, a malformed record.
// This is the "at least one flavour must resolve" rule made precise: the
// flavours of a struct name different fields (d_iname, d_shortname), so
// grouping by access path would never pair them.

#include <bpf/btf.h>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace core_check {

// The relocation kinds (enum bpf_core_relo_kind of linux/bpf.h).
enum : uint32_t {
    kFieldByteOffset = 0,
    kFieldByteSize = 1,
    kFieldExists = 2,
    kFieldSigned = 3,
    kFieldLshiftU64 = 4,
    kFieldRshiftU64 = 5,
    kTypeIdLocal = 6,
    kTypeIdTarget = 7,
    kTypeExists = 8,
    kTypeSize = 9,
    kEnumvalExists = 10,
    kEnumvalValue = 11,
    kTypeMatches = 12,
};

const char* kind_name(uint32_t kind);  // "FIELD_BYTE_OFFSET", ... or "KIND_<n>"
bool is_field_kind(uint32_t kind);
bool is_type_kind(uint32_t kind);
bool is_enumval_kind(uint32_t kind);
bool is_guard_kind(uint32_t kind);     // FIELD_EXISTS, TYPE_EXISTS, ENUMVAL_EXISTS

// A file that cannot be opened or read (core-check exits 2).
struct IoError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// A file that is read but is not what it should be (also exit 2).
struct FormatError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct BtfFree {
    void operator()(struct btf* b) const noexcept { btf__free(b); }
};
using BtfPtr = std::unique_ptr<struct btf, BtfFree>;

// One bpf_core_relo record, its section name resolved.
struct Relocation {
    std::string section;   // ELF section of the program, e.g. "lsm/file_open"
    uint32_t insn_off = 0; // byte offset of the instruction in that section
    uint32_t type_id = 0;  // local (object) BTF type id
    std::string access;    // access string, e.g. "0:3"
    uint32_t kind = 0;
};

// Parses a .BTF.ext section's CO-RE relocation records; section names and
// access strings are strings of the object's BTF. Throws FormatError.
std::vector<Relocation> parse_core_relos(std::span<const uint8_t> btf_ext, const struct btf* local);

// ELF sections by name: .BTF.ext and the executable (program) sections.
using SectionMap = std::map<std::string, std::vector<uint8_t>>;
SectionMap read_elf_sections(const std::string& path); // IoError, FormatError

// A BPF object: its BTF, its relocations, its program sections.
struct Object {
    BtfPtr btf;
    std::vector<Relocation> relos;
    SectionMap sections;
};
Object load_object(const std::string& path); // IoError, FormatError

// A target kernel's BTF, indexed by essential name.
class Target {
public:
    explicit Target(const struct btf* btf);
    const struct btf* btf() const { return btf_; }
    // Ids of the target types whose kind is CO-RE compatible with local_t's
    // and whose essential name is `essential`.
    std::vector<uint32_t> candidates(std::string_view essential, const struct btf_type* local_t) const;

private:
    const struct btf* btf_;
    std::unordered_map<std::string, std::vector<uint32_t>> by_name_;
};
BtfPtr load_target_btf(const std::string& path); // IoError, FormatError

// Length of a name without its "___flavour" suffix (libbpf's rule: the
// last X___Y with X and Y not underscores).
size_t essential_name_len(std::string_view name);
std::string essential_name(std::string_view name);

enum class Outcome {
    Resolved,    // matched a target (an *_EXISTS kind: evaluates to 1)
    Unresolved,  // no target matched: *_EXISTS is 0, a value is poisoned
    Poisoned,    // matched, but libbpf poisons the load/store (size change)
    Error,       // libbpf would fail the load whatever the control flow
    Unsupported, // a kind this checker does not model
};
const char* outcome_name(Outcome o);

struct Resolution {
    Outcome outcome = Outcome::Error;
    std::string local_type;             // local type name, flavour included
    std::string essential;              // without the flavour
    std::string path;                   // "f_path.dentry", "d_iname[0]", an enumerator, "" for a type
    std::vector<uint32_t> raw_access;   // the access string's indices
    std::optional<uint64_t> local_value;
    std::optional<uint64_t> target_value;
    std::vector<uint32_t> target_ids;   // matching target types
    std::string detail;                 // why it did not resolve, or the error
    // "dentry___ld614.d_shortname", "enum x::X_A", "struct foo"
    std::string describe() const;
};

// Resolves one relocation against one target. insn points at the
// relocation's instruction in its section (with avail bytes from there), or
// is null to skip the instruction checks.
Resolution resolve(const struct btf* local, const Relocation& relo, const Target& target,
                   const uint8_t* insn = nullptr, size_t avail = 0);

enum class Verdict { Resolved, Guarded, Failed };
const char* verdict_name(Verdict v);

struct Item {
    Relocation relo;
    Resolution res;
    Verdict verdict = Verdict::Failed;
    std::string why; // for Guarded and Failed: the rule that applied
};

struct Report {
    std::vector<Item> items;
    size_t resolved = 0, guarded = 0, failed = 0;
};

// Resolves every relocation and applies the verdict rule (see the top).
// sections may be null (no instruction checks).
Report check(const struct btf* local, const std::vector<Relocation>& relos, const Target& target,
             const SectionMap* sections = nullptr);

// One line: "SECTION insn N (+OFF): KIND TYPE.PATH [ACCESS]: ...".
std::string format_item(const Item& item);
std::string json_escape(std::string_view s);

} // namespace core_check
