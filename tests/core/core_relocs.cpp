// SPDX-License-Identifier: LGPL-2.1-or-later
// CO-RE relocation resolution against a target BTF; see core_relocs.hpp for
// the semantics and the verdict rule. Function names follow the libbpf 1.1
// functions (relo_core.c) they mirror.
#include "base/json.hpp"
#include "core_relocs.hpp"

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <elf.h>
#include <fstream>
#include <iterator>
#include <sstream>

namespace core_check {

namespace {

constexpr size_t kSpecMaxLen = 64; // BPF_CORE_SPEC_MAX_LEN

template <typename T> T load(const uint8_t* p)
{
    T v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

// libbpf's functions return NULL and set errno, with libbpf's own codes too.
std::string libbpf_error(int err)
{
    char buf[128];
    libbpf_strerror(err, buf, sizeof(buf));
    return buf;
}

std::string str(const struct btf* b, uint32_t off)
{
    const char* s = btf__name_by_offset(b, off);
    return s ? s : "";
}

std::string kind_str(const struct btf_type* t)
{
    switch (btf_kind(t)) {
    case BTF_KIND_INT: return "int";
    case BTF_KIND_PTR: return "pointer";
    case BTF_KIND_ARRAY: return "array";
    case BTF_KIND_STRUCT: return "struct";
    case BTF_KIND_UNION: return "union";
    case BTF_KIND_ENUM: return "enum";
    case BTF_KIND_ENUM64: return "enum64";
    case BTF_KIND_FWD: return "fwd";
    case BTF_KIND_TYPEDEF: return "typedef";
    case BTF_KIND_FUNC_PROTO: return "func_proto";
    case BTF_KIND_FLOAT: return "float";
    default: return "kind " + std::to_string(btf_kind(t));
    }
}

// "struct dentry [78959]"
std::string type_str(const struct btf* b, uint32_t id)
{
    const struct btf_type* t = btf__type_by_id(b, id);
    if (!t)
        return "[" + std::to_string(id) + "] (no such type)";
    std::string name = str(b, t->name_off);
    return kind_str(t) + " " + (name.empty() ? "(anon)" : name) + " [" + std::to_string(id) + "]";
}

const struct btf_type* skip_mods_and_typedefs(const struct btf* b, uint32_t id, uint32_t* res_id)
{
    const struct btf_type* t = btf__type_by_id(b, id);
    if (res_id)
        *res_id = id;
    while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
        if (res_id)
            *res_id = t->type;
        t = btf__type_by_id(b, t->type);
    }
    return t;
}

struct Accessor {
    uint32_t type_id = 0;
    uint32_t idx = 0;
    const char* name = nullptr; // null: the root, or an array index
};

struct Spec {
    const struct btf* btf = nullptr;
    uint32_t root_type_id = 0;
    uint32_t kind = 0;
    std::vector<Accessor> spec;
    std::vector<uint32_t> raw_spec;
    uint32_t bit_offset = 0;
};

bool is_flex_arr(const struct btf* b, const Accessor& acc, const struct btf_array* arr)
{
    if (!acc.name || arr->nelems > 0)
        return false;
    const struct btf_type* t = btf__type_by_id(b, acc.type_id);
    return t && acc.idx + 1 == btf_vlen(t);
}

bool parse_access(const std::string& s, std::vector<uint32_t>& out)
{
    out.clear();
    size_t i = 0;
    while (true) {
        if (i >= s.size() || s[i] < '0' || s[i] > '9')
            return false;
        uint64_t v = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + static_cast<uint64_t>(s[i] - '0');
            if (v > INT32_MAX)
                return false;
            ++i;
        }
        out.push_back(static_cast<uint32_t>(v));
        if (out.size() > kSpecMaxLen)
            return false;
        if (i == s.size())
            return true;
        if (s[i] != ':')
            return false;
        ++i;
    }
}

// bpf_core_parse_spec. Returns "" or the error.
std::string parse_spec(const struct btf* b, uint32_t type_id, const std::string& access, uint32_t kind, Spec& spec)
{
    spec = Spec{};
    spec.btf = b;
    spec.root_type_id = type_id;
    spec.kind = kind;
    if (!parse_access(access, spec.raw_spec))
        return "malformed access string '" + access + "'";

    if (is_type_kind(kind)) {
        if (access != "0")
            return "type relocation with access string '" + access + "' (want '0')";
        return "";
    }

    uint32_t id = 0;
    const struct btf_type* t = skip_mods_and_typedefs(b, type_id, &id);
    if (!t)
        return "no local type " + std::to_string(type_id);
    uint32_t access_idx = spec.raw_spec[0];
    spec.spec.push_back({id, access_idx, nullptr});

    if (is_enumval_kind(kind)) {
        if (!btf_is_any_enum(t) || spec.raw_spec.size() > 1 || access_idx >= btf_vlen(t))
            return "enum value relocation on " + type_str(b, id) + " with access '" + access + "'";
        uint32_t name_off = btf_is_enum(t) ? btf_enum(t)[access_idx].name_off : btf_enum64(t)[access_idx].name_off;
        spec.spec[0].name = btf__name_by_offset(b, name_off);
        return "";
    }
    if (!is_field_kind(kind))
        return std::string("unknown relocation kind ") + std::to_string(kind);

    __s64 sz = btf__resolve_size(b, id);
    if (sz < 0)
        return "cannot size " + type_str(b, id);
    spec.bit_offset = static_cast<uint32_t>(access_idx * sz * 8);

    for (size_t i = 1; i < spec.raw_spec.size(); i++) {
        t = skip_mods_and_typedefs(b, id, &id);
        if (!t)
            return "no local type " + std::to_string(id);
        access_idx = spec.raw_spec[i];
        if (btf_is_composite(t)) {
            if (access_idx >= btf_vlen(t))
                return "member index " + std::to_string(access_idx) + " beyond " + type_str(b, id);
            spec.bit_offset += btf_member_bit_offset(t, access_idx);
            const struct btf_member* m = btf_members(t) + access_idx;
            if (m->name_off) {
                const char* name = btf__name_by_offset(b, m->name_off);
                if (!name || !*name)
                    return "unnamed member with a name offset in " + type_str(b, id);
                spec.spec.push_back({id, access_idx, name});
            }
            id = m->type;
        } else if (btf_is_array(t)) {
            const struct btf_array* a = btf_array(t);
            t = skip_mods_and_typedefs(b, a->type, &id);
            if (!t)
                return "no local array element type";
            bool flex = is_flex_arr(b, spec.spec.back(), a);
            if (!flex && access_idx >= a->nelems)
                return "array index " + std::to_string(access_idx) + " beyond the array";
            spec.spec.push_back({id, access_idx, nullptr});
            sz = btf__resolve_size(b, id);
            if (sz < 0)
                return "cannot size " + type_str(b, id);
            spec.bit_offset += static_cast<uint32_t>(access_idx * sz * 8);
        } else {
            return "access '" + access + "' at index " + std::to_string(i) + " reaches " + type_str(b, id) +
                   ", neither composite nor array";
        }
    }
    return "";
}

// bpf_core_fields_are_compat: 1, 0, or -1 (error).
int fields_are_compat(const struct btf* lb, uint32_t lid, const struct btf* tb, uint32_t tid)
{
    for (int depth = 0; depth < 32; depth++) {
        const struct btf_type* lt = skip_mods_and_typedefs(lb, lid, &lid);
        const struct btf_type* tt = skip_mods_and_typedefs(tb, tid, &tid);
        if (!lt || !tt)
            return -1;
        if (btf_is_composite(lt) && btf_is_composite(tt))
            return 1;
        if (!btf_kind_core_compat(lt, tt))
            return 0;
        switch (btf_kind(lt)) {
        case BTF_KIND_PTR:
        case BTF_KIND_FLOAT:
            return 1;
        case BTF_KIND_FWD:
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64: {
            std::string ln = str(lb, lt->name_off), tn = str(tb, tt->name_off);
            size_t ll = essential_name_len(ln), tl = essential_name_len(tn);
            return ll == 0 || tl == 0 || (ll == tl && ln.compare(0, ll, tn, 0, tl) == 0);
        }
        case BTF_KIND_INT:
            return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0;
        case BTF_KIND_ARRAY:
            lid = btf_array(lt)->type;
            tid = btf_array(tt)->type;
            continue;
        default:
            return 0;
        }
    }
    return -1;
}

// __bpf_core_types_are_compat
int types_are_compat(const struct btf* lb, uint32_t lid, const struct btf* tb, uint32_t tid, int level)
{
    const struct btf_type* lt = btf__type_by_id(lb, lid);
    const struct btf_type* tt = btf__type_by_id(tb, tid);
    if (!lt || !tt || !btf_kind_core_compat(lt, tt))
        return 0;
    for (int depth = 32; depth > 0; depth--) {
        lt = skip_mods_and_typedefs(lb, lid, &lid);
        tt = skip_mods_and_typedefs(tb, tid, &tid);
        if (!lt || !tt)
            return -1;
        if (!btf_kind_core_compat(lt, tt))
            return 0;
        switch (btf_kind(lt)) {
        case BTF_KIND_UNKN:
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
        case BTF_KIND_ENUM:
        case BTF_KIND_FWD:
        case BTF_KIND_ENUM64:
            return 1;
        case BTF_KIND_INT:
            return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0;
        case BTF_KIND_PTR:
            lid = lt->type;
            tid = tt->type;
            continue;
        case BTF_KIND_ARRAY:
            lid = btf_array(lt)->type;
            tid = btf_array(tt)->type;
            continue;
        case BTF_KIND_FUNC_PROTO: {
            const struct btf_param* lp = btf_params(lt);
            const struct btf_param* tp = btf_params(tt);
            if (btf_vlen(lt) != btf_vlen(tt))
                return 0;
            for (uint16_t i = 0; i < btf_vlen(lt); i++) {
                if (level <= 0)
                    return -1;
                uint32_t a = 0, c = 0;
                skip_mods_and_typedefs(lb, lp[i].type, &a);
                skip_mods_and_typedefs(tb, tp[i].type, &c);
                int r = types_are_compat(lb, a, tb, c, level - 1);
                if (r <= 0)
                    return r;
            }
            skip_mods_and_typedefs(lb, lt->type, &lid);
            skip_mods_and_typedefs(tb, tt->type, &tid);
            continue;
        }
        default:
            return 0;
        }
    }
    return -1;
}

// bpf_core_match_member: 1 found, 0 not, -1 error. On 0, *why says why.
int match_member(const struct btf* lb, const Accessor& lacc, const struct btf* tb, uint32_t tid, Spec& spec,
                 uint32_t* next_tid, std::string* why)
{
    const struct btf_type* tt = skip_mods_and_typedefs(tb, tid, &tid);
    if (!tt)
        return -1;
    if (!btf_is_composite(tt)) {
        if (why && why->empty())
            *why = "target " + type_str(tb, tid) + " is not a struct or union";
        return 0;
    }
    const struct btf_type* lt = btf__type_by_id(lb, lacc.type_id);
    const struct btf_member* lm = btf_members(lt) + lacc.idx;
    std::string lname = str(lb, lm->name_off);

    const struct btf_member* m = btf_members(tt);
    for (uint16_t i = 0; i < btf_vlen(tt); i++, m++) {
        uint32_t bit_offset = btf_member_bit_offset(tt, i);
        if (spec.raw_spec.size() == kSpecMaxLen)
            return -1;
        spec.bit_offset += bit_offset;
        spec.raw_spec.push_back(i);
        std::string tname = str(tb, m->name_off);
        if (tname.empty()) {
            int found = match_member(lb, lacc, tb, m->type, spec, next_tid, nullptr);
            if (found)
                return found;
        } else if (lname == tname) {
            spec.spec.push_back({tid, i, btf__name_by_offset(tb, m->name_off)});
            *next_tid = m->type;
            int found = fields_are_compat(lb, lm->type, tb, m->type);
            if (!found) {
                spec.spec.pop_back();
                if (why)
                    *why = "member " + lname + " of target " + type_str(tb, tid) + " is " +
                           type_str(tb, m->type) + ", incompatible with local " + type_str(lb, lm->type);
            }
            return found;
        }
        spec.bit_offset -= bit_offset;
        spec.raw_spec.pop_back();
    }
    if (why && why->empty())
        *why = "target " + type_str(tb, tid) + " has no member " + lname;
    return 0;
}

// bpf_core_spec_match: 1 match, 0 none (why says why), -1 error.
int spec_match(const Spec& local, const struct btf* tb, uint32_t tid, Spec& targ, std::string& why)
{
    targ = Spec{};
    targ.btf = tb;
    targ.root_type_id = tid;
    targ.kind = local.kind;

    if (is_type_kind(local.kind)) {
        int r = types_are_compat(local.btf, local.root_type_id, tb, tid, 32);
        if (r == 0)
            why = "target " + type_str(tb, tid) + " is not compatible with local " +
                  type_str(local.btf, local.root_type_id);
        return r;
    }

    const Accessor& l0 = local.spec[0];
    if (is_enumval_kind(local.kind)) {
        const struct btf_type* tt = skip_mods_and_typedefs(tb, tid, &tid);
        if (!tt || !btf_is_any_enum(tt)) {
            why = "target " + type_str(tb, tid) + " is not an enum";
            return 0;
        }
        std::string lname = l0.name ? l0.name : "";
        size_t ll = essential_name_len(lname);
        for (uint16_t i = 0; i < btf_vlen(tt); i++) {
            uint32_t off = btf_is_enum(tt) ? btf_enum(tt)[i].name_off : btf_enum64(tt)[i].name_off;
            std::string tname = str(tb, off);
            if (essential_name_len(tname) != ll || lname.compare(0, ll, tname, 0, ll) != 0)
                continue;
            targ.spec.push_back({tid, i, btf__name_by_offset(tb, off)});
            targ.raw_spec.push_back(i);
            return 1;
        }
        why = "target " + type_str(tb, tid) + " has no enumerator " + lname.substr(0, ll);
        return 0;
    }

    if (!is_field_kind(local.kind))
        return -1;

    for (size_t i = 0; i < local.spec.size(); i++) {
        const Accessor& lacc = local.spec[i];
        const struct btf_type* tt = skip_mods_and_typedefs(tb, tid, &tid);
        if (!tt)
            return -1;
        if (lacc.name) {
            int matched = match_member(local.btf, lacc, tb, tid, targ, &tid, &why);
            if (matched <= 0)
                return matched;
        } else {
            if (i > 0) {
                if (!btf_is_array(tt)) {
                    why = "target " + type_str(tb, tid) + " is not an array";
                    return 0;
                }
                const struct btf_array* a = btf_array(tt);
                bool flex = is_flex_arr(tb, targ.spec.back(), a);
                if (!flex && lacc.idx >= a->nelems) {
                    why = "index " + std::to_string(lacc.idx) + " beyond target " + type_str(tb, tid);
                    return 0;
                }
                if (!skip_mods_and_typedefs(tb, a->type, &tid))
                    return -1;
            }
            if (targ.raw_spec.size() == kSpecMaxLen)
                return -1;
            targ.spec.push_back({tid, lacc.idx, nullptr});
            targ.raw_spec.push_back(lacc.idx);
            __s64 sz = btf__resolve_size(tb, tid);
            if (sz < 0)
                return -1;
            targ.bit_offset += static_cast<uint32_t>(lacc.idx * sz * 8);
        }
    }
    return 1;
}

constexpr int kPoison = 1; // a calc_* result: "poison the instruction"

struct RelocRes {
    uint64_t orig_val = 0, new_val = 0;
    bool poison = false;
    bool validate = true;
    bool fail_memsz_adjust = false;
    uint32_t orig_sz = 0, new_sz = 0;
    uint32_t orig_type_id = 0, new_type_id = 0;
};

// bpf_core_calc_field_relo: 0, kPoison, or -1 with err set.
int calc_field_relo(uint32_t kind, const Spec* spec, uint64_t* val, uint32_t* field_sz, uint32_t* type_id,
                    bool* validate, std::string& err)
{
    *field_sz = 0;
    if (kind == kFieldExists) {
        *val = spec ? 1 : 0;
        return 0;
    }
    if (!spec)
        return kPoison;

    const Accessor& acc = spec->spec.back();
    const struct btf_type* t = btf__type_by_id(spec->btf, acc.type_id);

    if (!acc.name) {
        __s64 sz = btf__resolve_size(spec->btf, acc.type_id);
        if (sz < 0) {
            err = "cannot size " + type_str(spec->btf, acc.type_id);
            return -1;
        }
        if (kind == kFieldByteOffset) {
            *val = spec->bit_offset / 8;
            *field_sz = static_cast<uint32_t>(sz);
            *type_id = acc.type_id;
        } else if (kind == kFieldByteSize) {
            *val = static_cast<uint64_t>(sz);
        } else {
            err = std::string(kind_name(kind)) + " cannot be applied to an array access";
            return -1;
        }
        if (validate)
            *validate = true;
        return 0;
    }

    const struct btf_member* m = btf_members(t) + acc.idx;
    uint32_t field_type_id = 0;
    const struct btf_type* mt = skip_mods_and_typedefs(spec->btf, m->type, &field_type_id);
    uint32_t bit_off = spec->bit_offset;
    uint32_t bit_sz = btf_member_bitfield_size(t, acc.idx);
    uint32_t byte_sz = 0, byte_off = 0;
    bool bitfield = bit_sz > 0;
    if (bitfield) {
        byte_sz = mt->size;
        if (byte_sz == 0) {
            err = "bitfield of size 0";
            return -1;
        }
        byte_off = bit_off / 8 / byte_sz * byte_sz;
        while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
            if (byte_sz >= 8) {
                err = "bitfield cannot be read with a 64-bit load";
                return -1;
            }
            byte_sz *= 2;
            byte_off = bit_off / 8 / byte_sz * byte_sz;
        }
    } else {
        __s64 sz = btf__resolve_size(spec->btf, field_type_id);
        if (sz < 0) {
            err = "cannot size " + type_str(spec->btf, field_type_id);
            return -1;
        }
        byte_sz = static_cast<uint32_t>(sz);
        byte_off = spec->bit_offset / 8;
        bit_sz = byte_sz * 8;
    }
    if (validate)
        *validate = !bitfield;

    switch (kind) {
    case kFieldByteOffset:
        *val = byte_off;
        if (!bitfield) {
            *field_sz = byte_sz;
            *type_id = field_type_id;
        }
        break;
    case kFieldByteSize:
        *val = byte_sz;
        break;
    case kFieldSigned:
        *val = (btf_is_any_enum(mt) && BTF_INFO_KFLAG(mt->info)) ||
               (btf_is_int(mt) && (btf_int_encoding(mt) & BTF_INT_SIGNED));
        if (validate)
            *validate = true;
        break;
    case kFieldLshiftU64:
        *val = 64 - (bit_off + bit_sz - byte_off * 8); // little endian
        break;
    case kFieldRshiftU64:
        *val = 64 - bit_sz;
        if (validate)
            *validate = true;
        break;
    default:
        err = std::string("unsupported field relocation ") + kind_name(kind);
        return -1;
    }
    return 0;
}

// bpf_core_calc_type_relo (libbpf 1.1: a missing type gives 0, no poison).
int calc_type_relo(uint32_t kind, const Spec* spec, uint64_t* val, bool* validate, std::string& err)
{
    if (validate)
        *validate = true;
    if (!spec) {
        *val = 0;
        return 0;
    }
    switch (kind) {
    case kTypeIdTarget:
        *val = spec->root_type_id;
        if (validate)
            *validate = false;
        return 0;
    case kTypeExists:
        *val = 1;
        return 0;
    case kTypeSize: {
        __s64 sz = btf__resolve_size(spec->btf, spec->root_type_id);
        if (sz < 0) {
            err = "cannot size " + type_str(spec->btf, spec->root_type_id);
            return -1;
        }
        *val = static_cast<uint64_t>(sz);
        return 0;
    }
    default:
        err = std::string("unsupported type relocation ") + kind_name(kind);
        return -1;
    }
}

int calc_enumval_relo(uint32_t kind, const Spec* spec, uint64_t* val)
{
    if (kind == kEnumvalExists) {
        *val = spec ? 1 : 0;
        return 0;
    }
    if (!spec)
        return kPoison;
    const struct btf_type* t = btf__type_by_id(spec->btf, spec->spec[0].type_id);
    if (btf_is_enum(t))
        *val = static_cast<uint64_t>(static_cast<int64_t>(btf_enum(t)[spec->spec[0].idx].val));
    else
        *val = btf_enum64_value(btf_enum64(t) + spec->spec[0].idx);
    return 0;
}

// bpf_core_calc_relo: 0 or -1 with err.
int calc_relo(uint32_t kind, const Spec& local, const Spec* targ, RelocRes& res, std::string& err)
{
    res = RelocRes{};
    int r = -1;
    if (is_field_kind(kind)) {
        r = calc_field_relo(kind, &local, &res.orig_val, &res.orig_sz, &res.orig_type_id, &res.validate, err);
        if (r == 0)
            r = calc_field_relo(kind, targ, &res.new_val, &res.new_sz, &res.new_type_id, nullptr, err);
        if (r == 0 && res.orig_sz != res.new_sz) {
            const struct btf_type* ot = btf__type_by_id(local.btf, res.orig_type_id);
            const struct btf_type* nt = btf__type_by_id(targ->btf, res.new_type_id);
            bool ok = (btf_is_ptr(ot) && btf_is_ptr(nt)) ||
                      (btf_is_int(ot) && btf_is_int(nt) && btf_int_encoding(ot) != BTF_INT_SIGNED &&
                       btf_int_encoding(nt) != BTF_INT_SIGNED);
            res.fail_memsz_adjust = !ok;
        }
    } else if (is_type_kind(kind)) {
        r = calc_type_relo(kind, &local, &res.orig_val, &res.validate, err);
        if (r == 0)
            r = calc_type_relo(kind, targ, &res.new_val, nullptr, err);
    } else if (is_enumval_kind(kind)) {
        r = calc_enumval_relo(kind, &local, &res.orig_val);
        if (r == 0)
            r = calc_enumval_relo(kind, targ, &res.new_val);
    } else {
        err = std::string("unsupported relocation kind ") + kind_name(kind);
    }
    if (r == kPoison) {
        res.poison = true;
        r = 0;
    }
    return r;
}

int insn_size_bytes(uint8_t code)
{
    switch (BPF_SIZE(code)) {
    case BPF_B: return 1;
    case BPF_H: return 2;
    case BPF_W: return 4;
    case BPF_DW: return 8;
    }
    return -1;
}

// bpf_core_patch_insn's checks, without patching: "" if libbpf would patch
// the instruction, else the error it fails the load with. *poison is set if
// it would poison the instruction instead.
std::string check_insn(const uint8_t* p, size_t avail, const RelocRes& res, bool* poison)
{
    *poison = false;
    if (!p)
        return "";
    if (avail < sizeof(struct bpf_insn))
        return "instruction beyond its section";
    struct bpf_insn insn = load<struct bpf_insn>(p);
    if (res.poison)
        return "";
    uint64_t orig_val = res.orig_val, new_val = res.new_val;
    switch (BPF_CLASS(insn.code)) {
    case BPF_ALU:
    case BPF_ALU64:
        if (BPF_SRC(insn.code) != BPF_K)
            return "relocated ALU instruction does not take an immediate";
        if (res.validate && static_cast<uint64_t>(static_cast<int64_t>(insn.imm)) != orig_val)
            return "unexpected ALU immediate " + std::to_string(insn.imm) + ", expected " + std::to_string(orig_val);
        return "";
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX: {
        if (res.validate && static_cast<uint64_t>(static_cast<int64_t>(insn.off)) != orig_val)
            return "unexpected LDX/ST/STX offset " + std::to_string(insn.off) + ", expected " +
                   std::to_string(orig_val);
        if (new_val > SHRT_MAX)
            return "offset " + std::to_string(new_val) + " too large for a load/store";
        if (res.fail_memsz_adjust) {
            *poison = true;
            return "";
        }
        if (res.new_sz != res.orig_sz) {
            int bytes = insn_size_bytes(insn.code);
            if (bytes < 0 || static_cast<uint32_t>(bytes) != res.orig_sz)
                return "LDX/ST/STX unexpected mem size: got " + std::to_string(bytes) + ", exp " +
                       std::to_string(res.orig_sz) + " (the field is " + std::to_string(res.new_sz) +
                       " bytes in the target)";
            if (res.new_sz != 1 && res.new_sz != 2 && res.new_sz != 4 && res.new_sz != 8)
                return "invalid new mem size " + std::to_string(res.new_sz);
        }
        return "";
    }
    case BPF_LD: {
        if (avail < 2 * sizeof(struct bpf_insn) || insn.code != (BPF_LD | BPF_IMM | BPF_DW))
            return "relocated BPF_LD instruction is not a ld_imm64";
        struct bpf_insn hi = load<struct bpf_insn>(p + sizeof(struct bpf_insn));
        if (insn.src_reg != 0 || insn.off != 0 || hi.code != 0 || hi.dst_reg != 0 || hi.src_reg != 0 || hi.off != 0)
            return "relocated ld_imm64 has unexpected fields";
        uint64_t imm = static_cast<uint32_t>(insn.imm) | (static_cast<uint64_t>(static_cast<uint32_t>(hi.imm)) << 32);
        if (res.validate && imm != orig_val)
            return "unexpected ld_imm64 value " + std::to_string(imm) + ", expected " + std::to_string(orig_val);
        return "";
    }
    default:
        return "relocation on an instruction of class " + std::to_string(BPF_CLASS(insn.code));
    }
}

std::string path_of(const Spec& s)
{
    std::string out;
    if (is_enumval_kind(s.kind))
        return s.spec.empty() || !s.spec[0].name ? "" : s.spec[0].name;
    for (size_t i = 0; i < s.spec.size(); i++) {
        const Accessor& a = s.spec[i];
        if (a.name) {
            if (!out.empty())
                out += '.';
            out += a.name;
        } else if (i > 0 || a.idx != 0) {
            out += "[" + std::to_string(a.idx) + "]";
        }
    }
    return out;
}

uint32_t u32_at(std::span<const uint8_t> d, size_t off)
{
    if (off + 4 > d.size())
        throw FormatError(".BTF.ext: truncated at byte " + std::to_string(off));
    return load<uint32_t>(d.data() + off);
}

bool is_prefix(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b)
{
    return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

} // namespace

const char* kind_name(uint32_t kind)
{
    static const char* const names[] = {
        "FIELD_BYTE_OFFSET", "FIELD_BYTE_SIZE", "FIELD_EXISTS", "FIELD_SIGNED", "FIELD_LSHIFT_U64",
        "FIELD_RSHIFT_U64", "TYPE_ID_LOCAL", "TYPE_ID_TARGET", "TYPE_EXISTS", "TYPE_SIZE",
        "ENUMVAL_EXISTS", "ENUMVAL_VALUE", "TYPE_MATCHES",
    };
    if (kind < std::size(names))
        return names[kind];
    static thread_local std::string other;
    other = "KIND_" + std::to_string(kind);
    return other.c_str();
}

bool is_field_kind(uint32_t k) { return k <= kFieldRshiftU64; }
bool is_type_kind(uint32_t k)
{
    return k == kTypeIdLocal || k == kTypeIdTarget || k == kTypeExists || k == kTypeSize || k == kTypeMatches;
}
bool is_enumval_kind(uint32_t k) { return k == kEnumvalExists || k == kEnumvalValue; }
bool is_guard_kind(uint32_t k) { return k == kFieldExists || k == kTypeExists || k == kEnumvalExists; }

size_t essential_name_len(std::string_view name)
{
    const long n = static_cast<long>(name.size());
    for (long i = n - 5; i >= 0; i--) {
        if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' && name[i + 3] == '_' && name[i + 4] != '_')
            return static_cast<size_t>(i + 1);
    }
    return name.size();
}

std::string essential_name(std::string_view name) { return std::string(name.substr(0, essential_name_len(name))); }

const char* outcome_name(Outcome o)
{
    switch (o) {
    case Outcome::Resolved: return "resolved";
    case Outcome::Unresolved: return "unresolved";
    case Outcome::Poisoned: return "poisoned";
    case Outcome::Error: return "error";
    case Outcome::Unsupported: return "unsupported";
    }
    return "?";
}

const char* verdict_name(Verdict v)
{
    switch (v) {
    case Verdict::Resolved: return "resolved";
    case Verdict::Guarded: return "guarded";
    case Verdict::Failed: return "failed";
    }
    return "?";
}

std::string Resolution::describe() const
{
    std::string t = local_type.empty() ? "(anon)" : local_type;
    if (path.empty())
        return t;
    if (path[0] == '[')
        return t + path;
    return t + "." + path;
}

std::vector<Relocation> parse_core_relos(std::span<const uint8_t> d, const struct btf* local)
{
    std::vector<Relocation> out;
    if (d.size() < 8)
        throw FormatError(".BTF.ext: too short for a header");
    uint16_t magic = load<uint16_t>(d.data());
    if (magic == 0x9FEB)
        throw FormatError(".BTF.ext: big-endian, not supported");
    if (magic != 0xEB9F)
        throw FormatError(".BTF.ext: bad magic");
    if (d[2] != 1)
        throw FormatError(".BTF.ext: version " + std::to_string(d[2]) + ", expected 1");
    uint32_t hdr_len = u32_at(d, 4);
    if (hdr_len < 24 || hdr_len > d.size())
        throw FormatError(".BTF.ext: bad header length " + std::to_string(hdr_len));
    if (hdr_len < 32)
        return out; // no core_relo part: an object without CO-RE relocations
    uint32_t off = u32_at(d, 24), len = u32_at(d, 28);
    if (len == 0)
        return out;
    size_t start = static_cast<size_t>(hdr_len) + off, end = start + len;
    if (off % 4 || end > d.size() || end < start)
        throw FormatError(".BTF.ext: core_relo section out of bounds");
    auto sec = d.subspan(start, len);
    uint32_t rec_size = u32_at(sec, 0);
    if (rec_size < sizeof(struct bpf_core_relo) || rec_size % 4)
        throw FormatError(".BTF.ext: core_relo record size " + std::to_string(rec_size));
    size_t p = 4;
    while (p < sec.size()) {
        uint32_t name_off = u32_at(sec, p), num = u32_at(sec, p + 4);
        p += 8;
        const char* name = btf__name_by_offset(local, name_off);
        if (!name || !*name)
            throw FormatError(".BTF.ext: core_relo section name offset " + std::to_string(name_off) +
                              " is not a string of the object's BTF");
        if (num == 0)
            throw FormatError(std::string(".BTF.ext: core_relo section ") + name + " has no records");
        if (static_cast<uint64_t>(num) * rec_size > sec.size() - p)
            throw FormatError(std::string(".BTF.ext: core_relo records of ") + name + " truncated");
        for (uint32_t i = 0; i < num; i++, p += rec_size) {
            Relocation r;
            r.section = name;
            r.insn_off = u32_at(sec, p);
            r.type_id = u32_at(sec, p + 4);
            uint32_t access_off = u32_at(sec, p + 8);
            r.kind = u32_at(sec, p + 12);
            const char* access = btf__name_by_offset(local, access_off);
            if (!access || !*access)
                throw FormatError(std::string(".BTF.ext: a relocation of ") + name + " has no access string");
            r.access = access;
            out.push_back(std::move(r));
        }
    }
    return out;
}

SectionMap read_elf_sections(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        throw IoError("cannot open " + path + ": " + std::strerror(errno));
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad())
        throw IoError("cannot read " + path);
    if (data.size() < sizeof(Elf64_Ehdr) || std::memcmp(data.data(), ELFMAG, SELFMAG) != 0)
        throw FormatError(path + ": not an ELF file");
    if (data[EI_CLASS] != ELFCLASS64 || data[EI_DATA] != ELFDATA2LSB)
        throw FormatError(path + ": not a 64-bit little-endian ELF file");
    auto eh = load<Elf64_Ehdr>(data.data());
    if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff == 0 ||
        eh.e_shoff + static_cast<uint64_t>(eh.e_shnum) * sizeof(Elf64_Shdr) > data.size() ||
        eh.e_shstrndx >= eh.e_shnum)
        throw FormatError(path + ": bad section header table");
    auto shdr = [&](size_t i) { return load<Elf64_Shdr>(data.data() + eh.e_shoff + i * sizeof(Elf64_Shdr)); };
    Elf64_Shdr strs = shdr(eh.e_shstrndx);
    if (strs.sh_offset + strs.sh_size > data.size())
        throw FormatError(path + ": section names out of bounds");
    SectionMap out;
    for (size_t i = 1; i < eh.e_shnum; i++) {
        Elf64_Shdr s = shdr(i);
        if (s.sh_name >= strs.sh_size)
            throw FormatError(path + ": bad section name offset");
        const char* np = reinterpret_cast<const char*>(data.data() + strs.sh_offset + s.sh_name);
        std::string name(np, strnlen(np, strs.sh_size - s.sh_name));
        bool wanted = name == ".BTF.ext" || (s.sh_type == SHT_PROGBITS && (s.sh_flags & SHF_EXECINSTR));
        if (!wanted)
            continue;
        if (s.sh_type == SHT_NOBITS || s.sh_offset + s.sh_size > data.size())
            throw FormatError(path + ": section " + name + " out of bounds");
        out[name].assign(data.begin() + static_cast<long>(s.sh_offset),
                         data.begin() + static_cast<long>(s.sh_offset + s.sh_size));
    }
    return out;
}

Object load_object(const std::string& path)
{
    Object o;
    o.sections = read_elf_sections(path); // IoError first for a missing file
    o.btf.reset(btf__parse_elf(path.c_str(), nullptr));
    if (!o.btf)
        throw FormatError(path + ": no usable .BTF section (" + libbpf_error(errno) + ")");
    auto ext = o.sections.find(".BTF.ext");
    if (ext == o.sections.end())
        throw FormatError(path + ": no .BTF.ext section (built without -g?)");
    o.relos = parse_core_relos(ext->second, o.btf.get());
    return o;
}

BtfPtr load_target_btf(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        throw IoError("cannot open " + path + ": " + std::strerror(errno));
    char c;
    if (!f.get(c))
        throw IoError("cannot read " + path + " (empty or unreadable)");
    BtfPtr b(btf__parse(path.c_str(), nullptr));
    if (!b)
        throw FormatError(path + ": not a BTF file nor an ELF file with .BTF (" + libbpf_error(errno) + ")");
    return b;
}

Target::Target(const struct btf* b) : btf_(b)
{
    uint32_t n = btf__type_cnt(b);
    for (uint32_t i = 1; i < n; i++) {
        const struct btf_type* t = btf__type_by_id(b, i);
        const char* name = btf__name_by_offset(b, t->name_off);
        if (!name || !*name)
            continue;
        by_name_[essential_name(name)].push_back(i);
    }
}

std::vector<uint32_t> Target::candidates(std::string_view essential, const struct btf_type* local_t) const
{
    std::vector<uint32_t> out;
    auto it = by_name_.find(std::string(essential));
    if (it == by_name_.end())
        return out;
    for (uint32_t id : it->second)
        if (btf_kind_core_compat(btf__type_by_id(btf_, id), local_t))
            out.push_back(id);
    return out;
}

Resolution resolve(const struct btf* local, const Relocation& relo, const Target& target, const uint8_t* insn,
                   size_t avail)
{
    Resolution r;
    const struct btf_type* lt = btf__type_by_id(local, relo.type_id);
    if (!lt) {
        r.detail = "no local type " + std::to_string(relo.type_id);
        return r;
    }
    r.local_type = str(local, lt->name_off);
    r.essential = essential_name(r.local_type);
    parse_access(relo.access, r.raw_access);

    if (relo.kind == kTypeMatches || relo.kind > kTypeMatches) {
        r.outcome = Outcome::Unsupported;
        r.detail = std::string(kind_name(relo.kind)) + " is not modelled by core-check";
        return r;
    }

    Spec lspec;
    std::string err = parse_spec(local, relo.type_id, relo.access, relo.kind, lspec);
    if (!err.empty()) {
        r.detail = "local spec: " + err;
        return r;
    }
    r.path = path_of(lspec);

    if (relo.kind == kTypeIdLocal) {
        r.outcome = Outcome::Resolved;
        r.local_value = r.target_value = relo.type_id;
        return r;
    }
    if (r.local_type.empty()) {
        r.detail = "relocation against an anonymous local type (libbpf refuses it)";
        return r;
    }

    std::vector<uint32_t> cands = target.candidates(r.essential, lt);
    if (cands.empty())
        r.detail = "no " + kind_str(lt) + " " + r.essential + " in the target BTF";

    RelocRes best;
    Spec best_spec;
    size_t matched = 0;
    for (uint32_t id : cands) {
        Spec cspec;
        std::string why;
        int m = spec_match(lspec, target.btf(), id, cspec, why);
        if (m < 0) {
            r.outcome = Outcome::Error;
            r.detail = "error matching against " + type_str(target.btf(), id);
            return r;
        }
        if (m == 0) {
            if (!why.empty() && (r.detail.empty() || matched == 0))
                r.detail = why;
            continue;
        }
        RelocRes cres;
        if (calc_relo(relo.kind, lspec, &cspec, cres, err) < 0) {
            r.outcome = Outcome::Error;
            r.detail = err;
            return r;
        }
        if (matched == 0) {
            best = cres;
            best_spec = cspec;
        } else if (cspec.bit_offset != best_spec.bit_offset) {
            r.outcome = Outcome::Error;
            r.detail = "field offset ambiguity between target candidates: " + std::to_string(cspec.bit_offset) +
                       " != " + std::to_string(best_spec.bit_offset) + " bits";
            return r;
        } else if (cres.poison != best.poison || cres.new_val != best.new_val) {
            r.outcome = Outcome::Error;
            r.detail = "relocation decision ambiguity between target candidates: " + std::to_string(cres.new_val) +
                       " != " + std::to_string(best.new_val);
            return r;
        }
        r.target_ids.push_back(id);
        matched++;
    }
    if (matched == 0) {
        if (calc_relo(relo.kind, lspec, nullptr, best, err) < 0) {
            r.outcome = Outcome::Error;
            r.detail = err;
            return r;
        }
    } else {
        r.detail.clear();
    }

    r.local_value = best.orig_val;
    if (!best.poison)
        r.target_value = best.new_val;

    bool poison = false;
    std::string ierr = check_insn(insn, avail, best, &poison);
    if (!ierr.empty()) {
        r.outcome = Outcome::Error;
        r.detail = ierr;
        return r;
    }
    if (matched == 0) {
        r.outcome = Outcome::Unresolved;
    } else if (poison) {
        r.outcome = Outcome::Poisoned;
        r.target_value.reset();
        r.detail = "load/store of a field whose size changed (" + std::to_string(best.orig_sz) + " -> " +
                   std::to_string(best.new_sz) +
                   " bytes) and is not a pointer or unsigned int: libbpf poisons the instruction";
    } else {
        r.outcome = Outcome::Resolved;
    }
    return r;
}

Report check(const struct btf* local, const std::vector<Relocation>& relos, const Target& target,
             const SectionMap* sections)
{
    Report rep;
    rep.items.reserve(relos.size());
    for (const Relocation& relo : relos) {
        const uint8_t* insn = nullptr;
        size_t avail = 0;
        if (sections) {
            auto it = sections->find(relo.section);
            if (it != sections->end() && relo.insn_off < it->second.size()) {
                insn = it->second.data() + relo.insn_off;
                avail = it->second.size() - relo.insn_off;
            }
        }
        Item item;
        item.relo = relo;
        item.res = resolve(local, relo, target, insn, avail);
        if (sections && !insn && item.res.outcome != Outcome::Error && item.res.outcome != Outcome::Unsupported) {
            item.res.outcome = Outcome::Error;
            item.res.detail = "no instruction at offset " + std::to_string(relo.insn_off) + " of section " + relo.section;
        }
        rep.items.push_back(std::move(item));
    }

    auto guard_value = [](const Item& g) -> int { // 1, 0, or -1 (not a usable guard)
        if (!is_guard_kind(g.relo.kind))
            return -1;
        if (g.res.outcome == Outcome::Resolved)
            return 1;
        if (g.res.outcome == Outcome::Unresolved)
            return 0;
        return -1;
    };

    for (Item& it : rep.items) {
        const Outcome o = it.res.outcome;
        if (o == Outcome::Resolved) {
            it.verdict = Verdict::Resolved;
            continue;
        }
        if (o == Outcome::Error || o == Outcome::Unsupported) {
            it.verdict = Verdict::Failed;
            it.why = o == Outcome::Error ? "libbpf would fail the load" : "not checked";
            continue;
        }
        if (is_guard_kind(it.relo.kind) && o == Outcome::Unresolved) {
            it.verdict = Verdict::Guarded;
            it.why = "a guard: evaluates to 0";
            continue;
        }
        // An unresolved or poisoned value relocation: (2) a guard on the same thing.
        const Item* guard = nullptr;
        for (const Item& g : rep.items)
            if (g.relo.section == it.relo.section && g.relo.type_id == it.relo.type_id && guard_value(g) == 0 &&
                is_prefix(g.res.raw_access, it.res.raw_access)) {
                guard = &g;
                break;
            }
        if (guard) {
            it.verdict = Verdict::Guarded;
            it.why = "behind " + std::string(kind_name(guard->relo.kind)) + " " + guard->res.describe() +
                     ", which is 0 here";
            continue;
        }
        // (3) another flavour of the same essential type takes over.
        std::string alt;
        for (const Item& g : rep.items) {
            if (g.relo.section != it.relo.section || g.relo.type_id == it.relo.type_id ||
                g.res.essential != it.res.essential || g.res.local_type.empty() || guard_value(g) != 1)
                continue;
            bool all = std::all_of(rep.items.begin(), rep.items.end(), [&](const Item& v) {
                return v.relo.section != g.relo.section || v.relo.type_id != g.relo.type_id ||
                       is_guard_kind(v.relo.kind) || v.res.outcome == Outcome::Resolved;
            });
            if (all) {
                alt = g.res.local_type;
                break;
            }
        }
        if (!alt.empty()) {
            it.verdict = Verdict::Guarded;
            it.why = "flavour " + alt + " exists here and resolves instead";
            continue;
        }
        it.verdict = Verdict::Failed;
        it.why = it.res.local_type == it.res.essential ? "no guard, and no flavour of " + it.res.essential +
                                                             " resolves in its place"
                                                       : "no guard, and no other flavour of " + it.res.essential +
                                                             " resolves in its place";
    }
    for (const Item& it : rep.items) {
        switch (it.verdict) {
        case Verdict::Resolved: rep.resolved++; break;
        case Verdict::Guarded: rep.guarded++; break;
        case Verdict::Failed: rep.failed++; break;
        }
    }
    return rep;
}

std::string format_item(const Item& it)
{
    std::ostringstream s;
    s << it.relo.section << " insn " << it.relo.insn_off / 8 << " (+" << it.relo.insn_off << "): "
      << kind_name(it.relo.kind) << " " << it.res.describe() << " [" << it.relo.access << "]: "
      << outcome_name(it.res.outcome);
    if (it.res.outcome == Outcome::Resolved && it.res.target_value) {
        s << " = " << *it.res.target_value;
        if (it.res.local_value && *it.res.local_value != *it.res.target_value)
            s << " (local " << *it.res.local_value << ")";
    }
    if (!it.res.detail.empty())
        s << ": " << it.res.detail;
    if (!it.why.empty())
        s << " (" << verdict_name(it.verdict) << ": " << it.why << ")";
    return s.str();
}

// The broker's one JSON string escaper, without its quotes.
std::string json_escape(std::string_view in)
{
    const std::string quoted = ldb::json_str(in);
    return quoted.substr(1, quoted.size() - 2);
}

} // namespace core_check
