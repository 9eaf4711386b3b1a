// SPDX-License-Identifier: LGPL-2.1-or-later
// The CO-RE resolver of core-check against BTF built in memory: the dentry
// name field across kernels (d_iname up to 6.13, the d_shortname union from
// 6.14, neither), flavours, renamed and retyped fields, anonymous members,
// enums, types, bitfields, instruction checks, and the .BTF.ext parser.
#include <gtest/gtest.h>

#include <linux/bpf.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "core_relocs.hpp"

using namespace core_check;

namespace {

// A thin builder over libbpf's btf__add_*: every call checked.
class Builder {
public:
    Builder() : b_(btf__new_empty())
    {
        if (!b_)
            throw std::runtime_error("btf__new_empty failed");
    }
    int ck(int id, const char* what)
    {
        if (id < 0)
            throw std::runtime_error(std::string(what) + " failed");
        return id;
    }
    int integer(const char* name, int size, int enc) { return ck(btf__add_int(b_.get(), name, size, enc), "int"); }
    int ptr(int to) { return ck(btf__add_ptr(b_.get(), to), "ptr"); }
    int array(int elem, int n, int index_type) { return ck(btf__add_array(b_.get(), index_type, elem, n), "array"); }
    int strct(const char* name, int size) { return ck(btf__add_struct(b_.get(), name, size), "struct"); }
    int unon(const char* name, int size) { return ck(btf__add_union(b_.get(), name, size), "union"); }
    void field(const char* name, int type, int bit_off, int bit_sz = 0)
    {
        ck(btf__add_field(b_.get(), name, type, bit_off, bit_sz), "field");
    }
    int enm(const char* name, int size) { return ck(btf__add_enum(b_.get(), name, size), "enum"); }
    void enumval(const char* name, long v) { ck(btf__add_enum_value(b_.get(), name, v), "enum value"); }
    int typedf(const char* name, int to) { return ck(btf__add_typedef(b_.get(), name, to), "typedef"); }
    int str(const char* s) { return ck(btf__add_str(b_.get(), s), "str"); }
    struct btf* get() const { return b_.get(); }
    BtfPtr take() { return std::move(b_); }

private:
    BtfPtr b_;
};

// Members of a struct or union (a check that the builder built what we meant).
int member_count(const struct btf* b, int id) { return btf_vlen(btf__type_by_id(b, id)); }

Relocation relo(const std::string& sec, uint32_t insn_off, uint32_t type_id, const std::string& access, uint32_t kind)
{
    return Relocation{sec, insn_off, type_id, access, kind};
}

const Item* find(const Report& r, uint32_t kind, const std::string& what)
{
    for (const auto& it : r.items)
        if (it.relo.kind == kind && it.res.describe() == what)
            return &it;
    return nullptr;
}

} // namespace

// The object's view, as bpf/lockdown.bpf.c declares it: struct dentry with
// d_iname[32], and the flavour dentry___ld614 with the d_shortname union.
// (btf__add_field adds to the last type added: pointers and arrays first.)
class Dentry : public ::testing::Test {
protected:
    Builder lb;
    int uchar = 0, uint_ = 0, ulong = 0, vptr = 0, dentry = 0, dentry614 = 0, super_block = 0;

    void SetUp() override
    {
        uchar = lb.integer("unsigned char", 1, 0);
        uint_ = lb.integer("unsigned int", 4, 0);
        ulong = lb.integer("unsigned long", 8, 0);
        vptr = lb.ptr(0);
        int name32 = lb.array(uchar, 32, uint_);
        dentry = lb.strct("dentry", 56);
        lb.field("d_inode", vptr, 0);
        lb.field("d_parent", vptr, 64);
        lb.field("d_sb", vptr, 128);
        lb.field("d_iname", name32, 192);
        int store = lb.unon("shortname_store___ld614", 32);
        lb.field("string", name32, 0);
        dentry614 = lb.strct("dentry___ld614", 32);
        lb.field("d_shortname", store, 0);
        super_block = lb.strct("super_block", 16);
        lb.field("s_dev", uint_, 0);
        lb.field("s_magic", ulong, 64);
        ASSERT_EQ(member_count(lb.get(), dentry), 4);
        ASSERT_EQ(member_count(lb.get(), dentry614), 1);
    }

    // What the fixed object does in dname_is():
    //   if (bpf_core_field_exists(struct dentry___ld614, d_shortname))
    //       off = bpf_core_field_offset(struct dentry___ld614, d_shortname);
    //   else
    //       off = bpf_core_field_offset(struct dentry, d_iname);
    std::vector<Relocation> fixed_relos() const
    {
        return {
            relo("lsm/file_open", 8, dentry, "0:1", kFieldByteOffset),          // d_parent
            relo("lsm/file_open", 16, dentry614, "0:0", kFieldExists),          // guard
            relo("lsm/file_open", 24, dentry614, "0:0", kFieldByteOffset),      // d_shortname
            relo("lsm/file_open", 32, dentry, "0:3", kFieldByteOffset),         // d_iname
        };
    }
    // The object before the fix: d_iname only.
    std::vector<Relocation> prefix_relos() const
    {
        return {
            relo("lsm/file_open", 8, dentry, "0:1", kFieldByteOffset),
            relo("lsm/file_open", 32, dentry, "0:3", kFieldByteOffset),
        };
    }
};

namespace {

// Linux 6.1..6.13: unsigned char d_iname[DNAME_INLINE_LEN] at 56.
BtfPtr target_diname(int inline_len = 32)
{
    Builder t;
    int u32 = t.integer("unsigned int", 4, 0);
    int uchar = t.integer("unsigned char", 1, 0);
    int dptr = t.ptr(0);
    int name = t.array(uchar, inline_len, u32);
    t.strct("dentry", 56 + inline_len + 8);
    t.field("d_flags", u32, 0);
    t.field("d_parent", dptr, 192);
    t.field("d_inode", dptr, 384);
    t.field("d_iname", name, 448);
    t.field("d_sb", dptr, 448 + inline_len * 8);
    return t.take();
}

// Linux 6.14+: union shortname_store { unsigned char string[40]; unsigned
// long words[5]; } d_shortname at 56; d_name inside an anonymous union.
BtfPtr target_shortname()
{
    Builder t;
    int u32 = t.integer("unsigned int", 4, 0);
    int uchar = t.integer("unsigned char", 1, 0);
    int ulong = t.integer("unsigned long", 8, 0);
    int dptr = t.ptr(0);
    int str40 = t.array(uchar, 40, u32);
    int words = t.array(ulong, 5, u32);
    int store = t.unon("shortname_store", 40);
    t.field("string", str40, 0);
    t.field("words", words, 0);
    int qstr = t.strct("qstr", 16);
    t.field("hash_len", ulong, 0);
    t.field("name", dptr, 64);
    int anon = t.unon("", 16);
    t.field("d_name", qstr, 0);
    t.strct("dentry", 104);
    t.field("d_flags", u32, 0);
    t.field("d_parent", dptr, 192);
    t.field("", anon, 256);
    t.field("d_inode", dptr, 384);
    t.field("d_shortname", store, 448);
    t.field("d_sb", dptr, 768);
    return t.take();
}

// A kernel with neither name field.
BtfPtr target_neither()
{
    Builder t;
    int u32 = t.integer("unsigned int", 4, 0);
    int dptr = t.ptr(0);
    t.strct("dentry", 32);
    t.field("d_flags", u32, 0);
    t.field("d_parent", dptr, 64);
    t.field("d_inode", dptr, 128);
    t.field("d_sb", dptr, 192);
    return t.take();
}

} // namespace

TEST_F(Dentry, TargetWithDiname)
{
    auto tb = target_diname();
    Target target(tb.get());
    Report r = check(lb.get(), fixed_relos(), target);
    EXPECT_EQ(r.failed, 0u);
    EXPECT_EQ(r.resolved, 2u);
    EXPECT_EQ(r.guarded, 2u);
    const Item* iname = find(r, kFieldByteOffset, "dentry.d_iname");
    ASSERT_NE(iname, nullptr);
    EXPECT_EQ(iname->verdict, Verdict::Resolved);
    EXPECT_EQ(iname->res.local_value.value(), 24u);
    EXPECT_EQ(iname->res.target_value.value(), 56u);
    const Item* guard = find(r, kFieldExists, "dentry___ld614.d_shortname");
    ASSERT_NE(guard, nullptr);
    EXPECT_EQ(guard->res.outcome, Outcome::Unresolved);
    EXPECT_EQ(guard->verdict, Verdict::Guarded);
    EXPECT_EQ(guard->res.target_value.value(), 0u);
    const Item* shortname = find(r, kFieldByteOffset, "dentry___ld614.d_shortname");
    ASSERT_NE(shortname, nullptr);
    EXPECT_EQ(shortname->verdict, Verdict::Guarded);
    EXPECT_NE(shortname->why.find("FIELD_EXISTS"), std::string::npos) << shortname->why;
    EXPECT_NE(shortname->res.detail.find("no member d_shortname"), std::string::npos) << shortname->res.detail;
}

TEST_F(Dentry, TargetWithShortnameUnion)
{
    auto tb = target_shortname();
    Target target(tb.get());
    Report r = check(lb.get(), fixed_relos(), target);
    EXPECT_EQ(r.failed, 0u);
    EXPECT_EQ(r.resolved, 3u);
    EXPECT_EQ(r.guarded, 1u);
    const Item* guard = find(r, kFieldExists, "dentry___ld614.d_shortname");
    ASSERT_NE(guard, nullptr);
    EXPECT_EQ(guard->verdict, Verdict::Resolved);
    EXPECT_EQ(guard->res.target_value.value(), 1u);
    const Item* shortname = find(r, kFieldByteOffset, "dentry___ld614.d_shortname");
    ASSERT_NE(shortname, nullptr);
    EXPECT_EQ(shortname->verdict, Verdict::Resolved);
    EXPECT_EQ(shortname->res.target_value.value(), 56u); // the local union matches the kernel's
    const Item* iname = find(r, kFieldByteOffset, "dentry.d_iname");
    ASSERT_NE(iname, nullptr);
    EXPECT_EQ(iname->res.outcome, Outcome::Unresolved);
    EXPECT_EQ(iname->verdict, Verdict::Guarded);
    EXPECT_NE(iname->why.find("dentry___ld614"), std::string::npos) << iname->why;
    const Item* parent = find(r, kFieldByteOffset, "dentry.d_parent");
    ASSERT_NE(parent, nullptr);
    EXPECT_EQ(parent->res.target_value.value(), 24u);
}

TEST_F(Dentry, TargetWithNeitherFails)
{
    auto tb = target_neither();
    Target target(tb.get());
    Report r = check(lb.get(), fixed_relos(), target);
    EXPECT_EQ(r.failed, 1u);
    const Item* iname = find(r, kFieldByteOffset, "dentry.d_iname");
    ASSERT_NE(iname, nullptr);
    EXPECT_EQ(iname->verdict, Verdict::Failed);
    EXPECT_NE(iname->res.detail.find("has no member d_iname"), std::string::npos) << iname->res.detail;
    EXPECT_NE(format_item(*iname).find("lsm/file_open insn 4 (+32): FIELD_BYTE_OFFSET dentry.d_iname [0:3]"),
              std::string::npos)
        << format_item(*iname);
    // d_shortname is behind its own false guard: not a failure of its own.
    EXPECT_EQ(find(r, kFieldByteOffset, "dentry___ld614.d_shortname")->verdict, Verdict::Guarded);
}

TEST_F(Dentry, ObjectBeforeTheFixFailsOn614)
{
    auto tb = target_shortname();
    Target target(tb.get());
    Report r = check(lb.get(), prefix_relos(), target);
    EXPECT_EQ(r.failed, 1u);
    EXPECT_EQ(r.resolved, 1u);
    const Item* iname = find(r, kFieldByteOffset, "dentry.d_iname");
    ASSERT_NE(iname, nullptr);
    EXPECT_EQ(iname->verdict, Verdict::Failed);
    // The same object is fine on the kernels it was written for.
    auto old = target_diname(40);
    Target old_target(old.get());
    EXPECT_EQ(check(lb.get(), prefix_relos(), old_target).failed, 0u);
}

TEST_F(Dentry, AFlavourThatDoesNotResolveCannotStandIn)
{
    // Without the guard the flavour's offset is not excused, and it cannot
    // excuse d_iname either: a flavour stands in only with an exists-guard
    // that is true.
    std::vector<Relocation> relos = {
        relo("lsm/file_open", 24, dentry614, "0:0", kFieldByteOffset),
        relo("lsm/file_open", 32, dentry, "0:3", kFieldByteOffset),
    };
    auto tb = target_neither();
    Target target(tb.get());
    Report r = check(lb.get(), relos, target);
    EXPECT_EQ(r.failed, 2u);
    // With d_shortname present but no guard: the flavour's offset resolves,
    // and with no true guard d_iname is not excused.
    auto t14 = target_shortname();
    Target target14(t14.get());
    r = check(lb.get(), relos, target14);
    EXPECT_EQ(r.failed, 1u);
    EXPECT_EQ(find(r, kFieldByteOffset, "dentry.d_iname")->verdict, Verdict::Failed);
}

TEST_F(Dentry, GuardsApplyWithinTheirSectionOnly)
{
    std::vector<Relocation> relos = {
        relo("lsm/other", 16, dentry614, "0:0", kFieldExists),
        relo("lsm/file_open", 24, dentry614, "0:0", kFieldByteOffset),
    };
    auto tb = target_diname();
    Target target(tb.get());
    Report r = check(lb.get(), relos, target);
    EXPECT_EQ(r.failed, 1u);
    EXPECT_EQ(r.guarded, 1u);
}

TEST_F(Dentry, RenamedScalarFieldFails)
{
    Builder t;
    int u32 = t.integer("unsigned int", 4, 0);
    int ulong = t.integer("unsigned long", 8, 0);
    t.strct("super_block", 32);
    t.field("s_dev", u32, 128);
    t.field("s_magic_number", ulong, 192);
    BtfPtr tb = t.take();
    Target target(tb.get());
    std::vector<Relocation> relos = {
        relo("lsm/sb_umount", 8, super_block, "0:0", kFieldByteOffset),
        relo("lsm/sb_umount", 16, super_block, "0:1", kFieldByteOffset),
    };
    Report r = check(lb.get(), relos, target);
    EXPECT_EQ(r.failed, 1u);
    const Item* magic = find(r, kFieldByteOffset, "super_block.s_magic");
    ASSERT_NE(magic, nullptr);
    EXPECT_EQ(magic->verdict, Verdict::Failed);
    EXPECT_NE(magic->res.detail.find("has no member s_magic"), std::string::npos) << magic->res.detail;
    EXPECT_EQ(find(r, kFieldByteOffset, "super_block.s_dev")->res.target_value.value(), 16u);
}

TEST_F(Dentry, RetypedScalarFieldFails)
{
    // s_magic turned from an integer into a struct: a name match is not enough.
    Builder t;
    int u32 = t.integer("unsigned int", 4, 0);
    int wrap = t.strct("magic_t", 8);
    t.field("v", u32, 0);
    t.strct("super_block", 32);
    t.field("s_dev", u32, 0);
    t.field("s_magic", wrap, 64);
    BtfPtr tb = t.take();
    Target target(tb.get());
    Report r = check(lb.get(), {relo("s", 0, super_block, "0:1", kFieldByteOffset)}, target);
    EXPECT_EQ(r.failed, 1u);
    EXPECT_NE(r.items[0].res.detail.find("incompatible"), std::string::npos) << r.items[0].res.detail;
}

TEST_F(Dentry, FlavouredTargetTypesAreCandidatesToo)
{
    // libbpf strips the flavour from target names as well.
    Builder t;
    int u32 = t.integer("unsigned int", 4, 0);
    int ulong = t.integer("unsigned long", 8, 0);
    t.strct("super_block___x", 32);
    t.field("s_dev", u32, 64);
    t.field("s_magic", ulong, 128);
    BtfPtr tb = t.take();
    Target target(tb.get());
    Report r = check(lb.get(), {relo("s", 0, super_block, "0:1", kFieldByteOffset)}, target);
    EXPECT_EQ(r.failed, 0u);
    EXPECT_EQ(r.items[0].res.target_value.value(), 16u);
}

TEST_F(Dentry, AmbiguousCandidatesFail)
{
    Builder t;
    int u32 = t.integer("unsigned int", 4, 0);
    int ulong = t.integer("unsigned long", 8, 0);
    t.strct("super_block", 32);
    t.field("s_dev", u32, 0);
    t.field("s_magic", ulong, 64);
    t.strct("super_block___y", 32);
    t.field("s_dev", u32, 0);
    t.field("s_magic", ulong, 128);
    BtfPtr tb = t.take();
    Target target(tb.get());
    Report r = check(lb.get(), {relo("s", 0, super_block, "0:1", kFieldByteOffset)}, target);
    EXPECT_EQ(r.failed, 1u);
    EXPECT_EQ(r.items[0].res.outcome, Outcome::Error);
    EXPECT_NE(r.items[0].res.detail.find("ambiguity"), std::string::npos) << r.items[0].res.detail;
    // Agreeing candidates are fine.
    Report ok = check(lb.get(), {relo("s", 0, super_block, "0:0", kFieldByteOffset)}, target);
    EXPECT_EQ(ok.failed, 0u);
    EXPECT_EQ(ok.items[0].res.target_ids.size(), 2u);
}

TEST(EssentialName, StripsTheLastFlavour)
{
    EXPECT_EQ(essential_name("dentry___ld614"), "dentry");
    EXPECT_EQ(essential_name("dentry"), "dentry");
    EXPECT_EQ(essential_name("a___b___c"), "a___b");
    EXPECT_EQ(essential_name("foo____bar"), "foo____bar"); // four underscores: no flavour
    EXPECT_EQ(essential_name("___x"), "___x");
    EXPECT_EQ(essential_name("x___"), "x___");
    EXPECT_EQ(essential_name("shortname_store___ld614"), "shortname_store");
}

TEST(Resolve, NestedPathAndAnonymousMembers)
{
    Builder l;
    int u32 = l.integer("unsigned int", 4, 0);
    int vptr = l.ptr(0);
    int path = l.strct("path", 16);
    l.field("mnt", vptr, 0);
    l.field("dentry", vptr, 64);
    int file = l.strct("file", 24);
    l.field("f_mode", u32, 0);
    l.field("f_path", path, 64);

    // Target: f_path sits in an anonymous struct inside an anonymous union,
    // f_mode behind a typedef and const.
    Builder t;
    int tu32 = t.integer("unsigned int", 4, 0);
    int fmode = t.typedf("fmode_t", tu32);
    int tptr = t.ptr(0);
    int tpath = t.strct("path", 16);
    t.field("mnt", tptr, 0);
    t.field("dentry", tptr, 64);
    int inner = t.strct("", 24);
    t.field("f_pad", tptr, 0);
    t.field("f_path", tpath, 64);
    int anon = t.unon("", 24);
    t.field("f_other", tptr, 0);
    t.field("", inner, 0);
    t.strct("file", 200);
    t.field("f_lock", tptr, 0);
    t.field("f_mode", fmode, 32);
    t.field("", anon, 512);
    BtfPtr tb = t.take();
    Target target(tb.get());
    Report r = check(l.get(),
                     {relo("s", 0, file, "0:1:1", kFieldByteOffset), relo("s", 8, file, "0:0", kFieldByteOffset),
                      relo("s", 16, file, "0:1:1", kFieldByteSize)},
                     target);
    ASSERT_EQ(r.failed, 0u);
    EXPECT_EQ(r.items[0].res.describe(), "file.f_path.dentry");
    EXPECT_EQ(r.items[0].res.target_value.value(), 64u + 8u + 8u); // anon at 64, f_path at +8, dentry at +8
    EXPECT_EQ(r.items[1].res.target_value.value(), 4u);
    EXPECT_EQ(r.items[2].res.target_value.value(), 8u);
}

TEST(Resolve, ArrayElementAccess)
{
    Builder l;
    int u32 = l.integer("unsigned int", 4, 0);
    int arr = l.array(u32, 4, u32);
    int s = l.strct("counters", 16);
    l.field("c", arr, 0);

    Builder t;
    int tu32 = t.integer("unsigned int", 4, 0);
    int tarr = t.array(tu32, 8, tu32);
    t.strct("counters", 40);
    t.field("x", tu32, 0);
    t.field("c", tarr, 64);
    BtfPtr tb = t.take();
    Target target(tb.get());
    Report r = check(l.get(), {relo("s", 0, s, "0:0:2", kFieldByteOffset), relo("s", 8, s, "0:0", kFieldByteSize)},
                     target);
    ASSERT_EQ(r.failed, 0u);
    EXPECT_EQ(r.items[0].res.describe(), "counters.c[2]");
    EXPECT_EQ(r.items[0].res.target_value.value(), 8u + 8u);
    EXPECT_EQ(r.items[1].res.target_value.value(), 32u);
}

TEST(Resolve, BitfieldsAndSignedness)
{
    Builder l;
    int u32 = l.integer("unsigned int", 4, 0);
    int s32 = l.integer("int", 4, BTF_INT_SIGNED);
    int s = l.strct("flags", 4);
    l.field("a", u32, 0, 3);
    l.field("b", s32, 3, 5);

    Builder t;
    int tu32 = t.integer("unsigned int", 4, 0);
    int ts32 = t.integer("int", 4, BTF_INT_SIGNED);
    t.strct("flags", 8);
    t.field("a", tu32, 0, 3);
    t.field("z", tu32, 3, 9);
    t.field("b", ts32, 12, 7);
    BtfPtr tb = t.take();
    Target target(tb.get());
    Report r = check(l.get(),
                     {relo("s", 0, s, "0:1", kFieldLshiftU64), relo("s", 8, s, "0:1", kFieldRshiftU64),
                      relo("s", 16, s, "0:1", kFieldSigned), relo("s", 24, s, "0:0", kFieldSigned),
                      relo("s", 32, s, "0:1", kFieldByteSize)},
                     target);
    ASSERT_EQ(r.failed, 0u);
    EXPECT_EQ(r.items[0].res.local_value.value(), 64u - 8u);
    EXPECT_EQ(r.items[0].res.target_value.value(), 64u - 19u);
    EXPECT_EQ(r.items[1].res.target_value.value(), 64u - 7u);
    EXPECT_EQ(r.items[2].res.target_value.value(), 1u);
    EXPECT_EQ(r.items[3].res.target_value.value(), 0u);
    EXPECT_EQ(r.items[4].res.target_value.value(), 4u);
}

TEST(Resolve, EnumValues)
{
    Builder l;
    int e = l.enm("lockdown_reason", 4);
    l.enumval("LOCKDOWN_NONE", 0);
    l.enumval("LOCKDOWN_XEN_USER_ACTIONS", 20);
    l.enumval("LOCKDOWN_KCORE___new", 21);

    Builder t;
    t.enm("lockdown_reason", 4);
    t.enumval("LOCKDOWN_NONE", 0);
    t.enumval("LOCKDOWN_KCORE", 23);
    BtfPtr tb = t.take();
    Target target(tb.get());
    // An enum value's access string is the enumerator's index alone.
    std::vector<Relocation> relos = {
        relo("s", 0, e, "1", kEnumvalExists),    // XEN_USER_ACTIONS: absent, a guard
        relo("s", 8, e, "1", kEnumvalValue),     // ... and its value behind it
        relo("s", 16, e, "2", kEnumvalValue),    // KCORE through a flavoured enumerator
    };
    Report r = check(l.get(), relos, target);
    for (const auto& it : r.items)
        EXPECT_NE(it.verdict, Verdict::Failed) << format_item(it);
    EXPECT_EQ(r.failed, 0u);
    EXPECT_EQ(r.items[0].verdict, Verdict::Guarded);
    EXPECT_EQ(r.items[1].verdict, Verdict::Guarded);
    EXPECT_EQ(r.items[2].res.target_value.value(), 23u);
    EXPECT_EQ(r.items[2].res.describe(), "lockdown_reason.LOCKDOWN_KCORE___new");
    // The value alone, unguarded, fails; so does a field-style access string.
    Report bad = check(l.get(), {relos[1]}, target);
    EXPECT_EQ(bad.failed, 1u);
    Report malformed = check(l.get(), {relo("s", 0, e, "0:1", kEnumvalValue)}, target);
    EXPECT_EQ(malformed.items[0].res.outcome, Outcome::Error);
}

TEST(Resolve, TypeKinds)
{
    Builder l;
    int u32 = l.integer("unsigned int", 4, 0);
    int s = l.strct("bpf_lsm_new", 4);
    l.field("x", u32, 0);
    int old = l.strct("super_block", 4);
    l.field("s_dev", u32, 0);

    Builder t;
    int tu32 = t.integer("unsigned int", 4, 0);
    t.strct("super_block", 64);
    t.field("s_dev", tu32, 0);
    BtfPtr tb = t.take();
    Target target(tb.get());
    Report r = check(l.get(),
                     {relo("s", 0, old, "0", kTypeExists), relo("s", 8, old, "0", kTypeSize),
                      relo("s", 16, s, "0", kTypeExists), relo("s", 24, s, "0", kTypeSize),
                      relo("s", 32, s, "0", kTypeIdLocal)},
                     target);
    EXPECT_EQ(r.failed, 0u);
    EXPECT_EQ(r.items[1].res.target_value.value(), 64u);
    EXPECT_EQ(r.items[2].verdict, Verdict::Guarded); // absent type: exists is 0
    EXPECT_EQ(r.items[3].verdict, Verdict::Guarded); // its size behind that guard
    EXPECT_EQ(r.items[4].verdict, Verdict::Resolved);
    // Unguarded size of a missing type fails.
    EXPECT_EQ(check(l.get(), {relo("s", 24, s, "0", kTypeSize)}, target).failed, 1u);
}

TEST(Resolve, TypeMatchesIsUnsupportedNotGuessed)
{
    Builder l;
    int u32 = l.integer("unsigned int", 4, 0);
    int s = l.strct("super_block", 4);
    l.field("s_dev", u32, 0);
    BtfPtr tb = Builder().take();
    Target target(tb.get());
    Report r = check(l.get(), {relo("s", 0, s, "0", kTypeMatches)}, target);
    ASSERT_EQ(r.failed, 1u);
    EXPECT_EQ(r.items[0].res.outcome, Outcome::Unsupported);
    Report r2 = check(l.get(), {relo("s", 0, s, "0", 42)}, target);
    EXPECT_EQ(r2.items[0].res.outcome, Outcome::Unsupported);
}

TEST(Resolve, MalformedAccessStringIsAnError)
{
    Builder l;
    int u32 = l.integer("unsigned int", 4, 0);
    int s = l.strct("super_block", 4);
    l.field("s_dev", u32, 0);
    Target target(l.get());
    for (const char* bad : {"", "0:", "0:5", "x", "0::0", "1:0:0"}) {
        Report r = check(l.get(), {relo("s", 0, s, bad, kFieldByteOffset)}, target);
        EXPECT_EQ(r.failed, 1u) << bad;
        EXPECT_EQ(r.items[0].res.outcome, Outcome::Error) << bad;
    }
}

namespace {

SectionMap one_insn(const std::string& sec, uint8_t code, int16_t off, int32_t imm)
{
    struct bpf_insn insn {};
    insn.code = code;
    insn.dst_reg = 1;
    insn.src_reg = 2;
    insn.off = off;
    insn.imm = imm;
    SectionMap m;
    m[sec].resize(sizeof(insn));
    std::memcpy(m[sec].data(), &insn, sizeof(insn));
    return m;
}

} // namespace

// The d_iname load before commit 80d9b4c: a byte load whose relocation is
// the offset of the whole 32-byte array, on a kernel where it has 40.
TEST_F(Dentry, ResizedArrayLoadIsPoisoned)
{
    auto tb = target_diname(40);
    Target target(tb.get());
    SectionMap insns = one_insn("lsm/file_open", BPF_LDX | BPF_MEM | BPF_B, 24, 0);
    Report r = check(lb.get(), {relo("lsm/file_open", 0, dentry, "0:3", kFieldByteOffset)}, target, &insns);
    ASSERT_EQ(r.failed, 1u);
    EXPECT_EQ(r.items[0].res.outcome, Outcome::Poisoned);
    // Same size: nothing to adjust, fine.
    auto t32 = target_diname(32);
    Target target32(t32.get());
    EXPECT_EQ(check(lb.get(), {relo("lsm/file_open", 0, dentry, "0:3", kFieldByteOffset)}, target32, &insns).failed,
              0u);
}

TEST(Insn, LoadSizeAdjustment)
{
    Builder l;
    int u32 = l.integer("unsigned int", 4, 0);
    int s64 = l.integer("long", 8, BTF_INT_SIGNED);
    int s = l.strct("task", 16);
    l.field("flags", u32, 0);
    l.field("count", s64, 64);

    Builder t;
    int tu64 = t.integer("unsigned long", 8, 0);
    int ts32 = t.integer("int", 4, BTF_INT_SIGNED);
    t.strct("task", 32);
    t.field("flags", tu64, 64);
    t.field("count", ts32, 128);
    BtfPtr tb = t.take();
    Target target(tb.get());

    // Unsigned int -> unsigned long: libbpf adjusts the load size.
    SectionMap w = one_insn("s", BPF_LDX | BPF_MEM | BPF_W, 0, 0);
    Report ok = check(l.get(), {relo("s", 0, s, "0:0", kFieldByteOffset)}, target, &w);
    EXPECT_EQ(ok.failed, 0u);
    EXPECT_EQ(ok.items[0].res.target_value.value(), 8u);
    // Signed long -> int: poisoned.
    SectionMap dw = one_insn("s", BPF_LDX | BPF_MEM | BPF_DW, 8, 0);
    Report bad = check(l.get(), {relo("s", 0, s, "0:1", kFieldByteOffset)}, target, &dw);
    EXPECT_EQ(bad.failed, 1u);
    EXPECT_EQ(bad.items[0].res.outcome, Outcome::Poisoned);
    // A load whose size is not the field's, when the field's size changes:
    // libbpf fails the load outright.
    SectionMap b = one_insn("s", BPF_LDX | BPF_MEM | BPF_B, 0, 0);
    Report err = check(l.get(), {relo("s", 0, s, "0:0", kFieldByteOffset)}, target, &b);
    EXPECT_EQ(err.failed, 1u);
    EXPECT_EQ(err.items[0].res.outcome, Outcome::Error);
    EXPECT_NE(err.items[0].res.detail.find("unexpected mem size"), std::string::npos) << err.items[0].res.detail;
    // The instruction must carry the local value the compiler computed.
    SectionMap wrong = one_insn("s", BPF_LDX | BPF_MEM | BPF_W, 4, 0);
    Report v = check(l.get(), {relo("s", 0, s, "0:0", kFieldByteOffset)}, target, &wrong);
    EXPECT_EQ(v.items[0].res.outcome, Outcome::Error);
    // An ALU immediate (bpf_core_field_offset): validated the same way.
    SectionMap alu = one_insn("s", BPF_ALU64 | BPF_MOV | BPF_K, 0, 8);
    EXPECT_EQ(check(l.get(), {relo("s", 0, s, "0:1", kFieldByteOffset)}, target, &alu).failed, 0u);
    // A relocation past the end of its section.
    EXPECT_EQ(check(l.get(), {relo("s", 64, s, "0:1", kFieldByteOffset)}, target, &alu).failed, 1u);
}

namespace {

void put32(std::vector<uint8_t>& v, uint32_t x)
{
    uint8_t b[4];
    std::memcpy(b, &x, 4);
    v.insert(v.end(), b, b + 4);
}

// A .BTF.ext with a 32-byte header and the given core_relo records.
std::vector<uint8_t> make_btf_ext(uint32_t sec_name, const std::vector<std::array<uint32_t, 4>>& recs,
                             uint32_t rec_size = 16)
{
    std::vector<uint8_t> core;
    put32(core, rec_size);
    put32(core, sec_name);
    put32(core, static_cast<uint32_t>(recs.size()));
    for (const auto& r : recs) {
        for (uint32_t x : r)
            put32(core, x);
        for (uint32_t pad = 16; pad < rec_size; pad += 4)
            put32(core, 0);
    }
    std::vector<uint8_t> v = {0x9f, 0xeb, 1, 0};
    put32(v, 32);                                   // hdr_len
    put32(v, 0);                                    // func_info_off
    put32(v, 0);                                    // func_info_len
    put32(v, 0);                                    // line_info_off
    put32(v, 0);                                    // line_info_len
    put32(v, 0);                                    // core_relo_off
    put32(v, static_cast<uint32_t>(core.size()));   // core_relo_len
    v.insert(v.end(), core.begin(), core.end());
    return v;
}

} // namespace

TEST(BtfExt, ParsesCoreRelocations)
{
    Builder l;
    int sec = l.str("lsm/file_open");
    int a = l.str("0:3");
    int b = l.str("0:0");
    auto ext = make_btf_ext(sec, {{{128, 5, static_cast<uint32_t>(a), 0}}, {{144, 7, static_cast<uint32_t>(b), 2}}});
    auto relos = parse_core_relos(ext, l.get());
    ASSERT_EQ(relos.size(), 2u);
    EXPECT_EQ(relos[0].section, "lsm/file_open");
    EXPECT_EQ(relos[0].insn_off, 128u);
    EXPECT_EQ(relos[0].type_id, 5u);
    EXPECT_EQ(relos[0].access, "0:3");
    EXPECT_EQ(relos[0].kind, 0u);
    EXPECT_EQ(relos[1].access, "0:0");
    EXPECT_EQ(relos[1].kind, 2u);
    // Larger records (a future format) are read by their declared size.
    auto wide = make_btf_ext(sec, {{{8, 1, static_cast<uint32_t>(a), 0}}, {{16, 2, static_cast<uint32_t>(b), 0}}}, 24);
    auto relos2 = parse_core_relos(wide, l.get());
    ASSERT_EQ(relos2.size(), 2u);
    EXPECT_EQ(relos2[1].insn_off, 16u);
}

TEST(BtfExt, RejectsMalformedSections)
{
    Builder l;
    int sec = l.str("lsm/file_open");
    int a = l.str("0:3");
    auto good = make_btf_ext(sec, {{{128, 5, static_cast<uint32_t>(a), 0}}});
    EXPECT_NO_THROW(parse_core_relos(good, l.get()));

    auto bad_magic = good;
    bad_magic[0] = 0;
    EXPECT_THROW(parse_core_relos(bad_magic, l.get()), FormatError);
    auto truncated = good;
    truncated.resize(truncated.size() - 4);
    EXPECT_THROW(parse_core_relos(truncated, l.get()), FormatError);
    auto bad_name = make_btf_ext(1u << 30, {{{128, 5, static_cast<uint32_t>(a), 0}}});
    EXPECT_THROW(parse_core_relos(bad_name, l.get()), FormatError);
    auto small_rec = make_btf_ext(sec, {}, 8);
    EXPECT_THROW(parse_core_relos(small_rec, l.get()), FormatError);
    EXPECT_THROW(parse_core_relos(std::vector<uint8_t>{0x9f, 0xeb}, l.get()), FormatError);

    // A header without the core_relo part: no relocations, not an error.
    std::vector<uint8_t> old = {0x9f, 0xeb, 1, 0};
    put32(old, 24);
    for (int i = 0; i < 4; i++)
        put32(old, 0);
    EXPECT_TRUE(parse_core_relos(old, l.get()).empty());
}

TEST(Files, MissingFilesAreIoErrors)
{
    EXPECT_THROW(load_object("/nonexistent/lockdown.bpf.o"), IoError);
    EXPECT_THROW(load_target_btf("/nonexistent/vmlinux.btf"), IoError);
}
