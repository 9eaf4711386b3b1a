// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bpf/btf.h>
#include <filesystem>
#include <string>
#include <vector>

#include "lockdown-broker.h"
#include "base/error.hpp"
#include "enforcement/reasons.hpp"
#include "fakes/synthetic_btf.hpp"
#include "fakes/test_support.hpp"

using ldb::ErrorKind;
using ldb::Level;
using ldb::Reason;
using ldb::ReasonCatalog;
using ldb_test::catch_error;
using ldb_test::EnumValue;
using ldb_test::make_enum_btf;
using ::testing::HasSubstr;

namespace {

ReasonCatalog catalog_of(const std::vector<EnumValue>& values)
{
    auto b = make_enum_btf(values);
    return ReasonCatalog::from_btf(b.get());
}

ldb::Error catalog_error(const std::vector<EnumValue>& values, const char* enum_name = "lockdown_reason")
{
    auto b = make_enum_btf(values, enum_name);
    return catch_error([&] { (void)ReasonCatalog::from_btf(b.get()); });
}

// Checks the catalogue against the enum it was built from: every value
// strictly between the markers (other than NONE) is a reason with the BTF's
// value, and nothing else is.
void expect_matches_layout(const ReasonCatalog& cat, const std::vector<EnumValue>& values, uint32_t imax,
                           uint32_t cmax)
{
    EXPECT_EQ(cat.integrity_max(), imax);
    EXPECT_EQ(cat.confidentiality_max(), cmax);
    size_t expected = 0;
    for (const auto& v : values) {
        SCOPED_TRACE(v.name);
        const bool marker = v.name == "LOCKDOWN_NONE" || v.name == "LOCKDOWN_INTEGRITY_MAX" ||
                            v.name == "LOCKDOWN_CONFIDENTIALITY_MAX";
        const Reason* r = cat.by_value(static_cast<uint32_t>(v.value));
        if (marker || v.value >= cmax) {
            if (v.value == LD_REASON_DYNAMIC_DEBUG)
                continue; // the pseudo-reason's slot, checked below
            EXPECT_EQ(r, nullptr);
            continue;
        }
        expected++;
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(r->kernel_name, v.name);
        EXPECT_EQ(r->value, v.value);
        EXPECT_EQ(r->level, v.value < imax ? Level::Integrity : Level::Confidentiality);
        EXPECT_EQ(cat.find(r->name), r);
        EXPECT_EQ(cat.name_of(r->value), r->name);
    }
    // ... plus lockdown-broker's own pseudo-reason, last.
    EXPECT_EQ(cat.all().size(), expected + 1);
    ASSERT_FALSE(cat.all().empty());
    EXPECT_EQ(cat.all().back().name, ldb::kDynamicDebugReason);
    EXPECT_EQ(cat.all().back().value, uint32_t{LD_REASON_DYNAMIC_DEBUG});
    EXPECT_TRUE(cat.all().back().pseudo);
    EXPECT_EQ(cat.all().back().level, Level::Integrity);
    EXPECT_TRUE(cat.all().back().kernel_name.empty());
    for (size_t i = 1; i < cat.all().size(); i++)
        EXPECT_LT(cat.all()[i - 1].value, cat.all()[i].value) << "reasons must be sorted by value";
}

} // namespace

TEST(ReasonNames, FromKernelNames)
{
    EXPECT_EQ(ReasonCatalog::name_from_kernel("LOCKDOWN_DEV_MEM"), "dev-mem");
    EXPECT_EQ(ReasonCatalog::name_from_kernel("LOCKDOWN_XMON_WR"), "xmon-wr");
    EXPECT_EQ(ReasonCatalog::name_from_kernel("LOCKDOWN_RTAS_ERROR_INJECTION"), "rtas-error-injection");
    EXPECT_EQ(ReasonCatalog::name_from_kernel("LOCKDOWN_KCORE"), "kcore");
    EXPECT_EQ(ReasonCatalog::name_from_kernel("NOT_PREFIXED"), "not-prefixed");
    EXPECT_EQ(ldb::to_string(Level::Integrity), "integrity");
    EXPECT_EQ(ldb::to_string(Level::Confidentiality), "confidentiality");
}

TEST(ReasonCatalog, Linux61Before168)
{
    const auto layout = ldb_test::layout_6_1();
    const auto cat = catalog_of(layout);
    expect_matches_layout(cat, layout, 20, 29);
    EXPECT_EQ(cat.all().size(), 28u); // 19 integrity + 8 confidentiality reasons + dynamic-debug

    const Reason* dev_mem = cat.find("dev-mem");
    ASSERT_NE(dev_mem, nullptr);
    EXPECT_EQ(dev_mem->kernel_name, "LOCKDOWN_DEV_MEM");
    EXPECT_EQ(dev_mem->value, 2u);
    EXPECT_EQ(dev_mem->level, Level::Integrity);

    const Reason* xmon = cat.find("xmon-wr");
    ASSERT_NE(xmon, nullptr);
    EXPECT_EQ(xmon->value, 16u);

    const Reason* rtas = cat.find("rtas-error-injection");
    ASSERT_NE(rtas, nullptr);
    EXPECT_EQ(rtas->value, 19u);
    EXPECT_EQ(rtas->level, Level::Integrity);

    const Reason* kcore = cat.find("kcore");
    ASSERT_NE(kcore, nullptr);
    EXPECT_EQ(kcore->value, 21u);
    EXPECT_EQ(kcore->level, Level::Confidentiality);

    EXPECT_EQ(cat.find("xen-user-actions"), nullptr);
    EXPECT_EQ(cat.find("none"), nullptr);
    EXPECT_EQ(cat.find("integrity-max"), nullptr);
    EXPECT_EQ(cat.find("confidentiality-max"), nullptr);
    EXPECT_EQ(cat.find("LOCKDOWN_DEV_MEM"), nullptr) << "find() takes the short name";
    EXPECT_EQ(cat.all().front().name, "module-signature");
    EXPECT_EQ(cat.all().back().name, "dynamic-debug");
    EXPECT_EQ(cat.all()[cat.all().size() - 2].name, "xfrm-secret");
}

TEST(ReasonCatalog, ShuffledFutureLayout)
{
    const auto layout = ldb_test::layout_shuffled();
    const auto cat = catalog_of(layout);
    expect_matches_layout(cat, layout, 21, 30);

    std::vector<std::string> names;
    for (const auto& r : cat.all())
        names.push_back(r.name);
    EXPECT_THAT(names, ::testing::ElementsAre("module-signature", "device-tree", "dev-mem", "xen-user-actions",
                                              "hibernation", "xmon-wr", "future-integrity-thing", "kcore",
                                              "xfrm-secret", "perf", "future-secret", "dynamic-debug"));

    const Reason* dev_mem = cat.find("dev-mem");
    ASSERT_NE(dev_mem, nullptr);
    EXPECT_EQ(dev_mem->value, 3u);
    EXPECT_EQ(dev_mem->level, Level::Integrity);
    const Reason* xmon = cat.find("xmon-wr");
    ASSERT_NE(xmon, nullptr);
    EXPECT_EQ(xmon->value, 17u);
    const Reason* future_i = cat.find("future-integrity-thing");
    ASSERT_NE(future_i, nullptr);
    EXPECT_EQ(future_i->value, 20u);
    EXPECT_EQ(future_i->level, Level::Integrity); // 20 < INTEGRITY_MAX 21
    const Reason* future_c = cat.find("future-secret");
    ASSERT_NE(future_c, nullptr);
    EXPECT_EQ(future_c->value, 29u);
    EXPECT_EQ(future_c->level, Level::Confidentiality);
    const Reason* kcore = cat.find("kcore");
    ASSERT_NE(kcore, nullptr);
    EXPECT_EQ(kcore->value, 22u);
    EXPECT_EQ(kcore->level, Level::Confidentiality);

    // Past CONFIDENTIALITY_MAX: never a reason.
    EXPECT_EQ(cat.find("not-a-reason"), nullptr);
    EXPECT_EQ(cat.by_value(31), nullptr);
}

TEST(ReasonCatalog, LookupsOfUnknownValues)
{
    const auto cat = catalog_of(ldb_test::layout_shuffled());
    for (uint32_t v : {0u, 4u, 21u, 30u, 31u, 62u, 64u, 4000000000u}) {
        SCOPED_TRACE(v);
        EXPECT_EQ(cat.by_value(v), nullptr);
        EXPECT_EQ(cat.name_of(v), "reason-" + std::to_string(v));
    }
    EXPECT_EQ(cat.name_of(3), "dev-mem");
    EXPECT_EQ(cat.name_of(LD_REASON_DYNAMIC_DEBUG), "dynamic-debug");
    EXPECT_EQ(cat.find(""), nullptr);
    EXPECT_EQ(cat.find("dev_mem"), nullptr);
    EXPECT_EQ(cat.find("DEV-MEM"), nullptr);
}

TEST(ReasonCatalog, ConfidentialityMaxAtTheLimitIsAccepted)
{
    const auto cat = catalog_of({{"LOCKDOWN_NONE", 0},
                                 {"LOCKDOWN_DEV_MEM", 1},
                                 {"LOCKDOWN_INTEGRITY_MAX", 2},
                                 {"LOCKDOWN_LAST", LD_PSEUDO_REASON_FIRST - 1},
                                 {"LOCKDOWN_CONFIDENTIALITY_MAX", LD_PSEUDO_REASON_FIRST}});
    ASSERT_EQ(cat.all().size(), 3u);
    EXPECT_EQ(cat.all()[1].value, uint32_t{LD_PSEUDO_REASON_FIRST - 1});
    EXPECT_EQ(cat.all()[2].value, uint32_t{LD_REASON_DYNAMIC_DEBUG});
}

// A kernel whose reasons reach our pseudo-reasons' slots is refused, never
// confused with them.
TEST(ReasonCatalogError, KernelReasonsReachingThePseudoReasons)
{
    const auto err = catalog_error({{"LOCKDOWN_NONE", 0},
                                    {"LOCKDOWN_DEV_MEM", 1},
                                    {"LOCKDOWN_INTEGRITY_MAX", 2},
                                    {"LOCKDOWN_LAST", LD_PSEUDO_REASON_FIRST},
                                    {"LOCKDOWN_CONFIDENTIALITY_MAX", LD_PSEUDO_REASON_FIRST + 1}});
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.what(), HasSubstr("more than this build can hold"));
}

TEST(ReasonCatalogError, NullBtf)
{
    const auto err = catch_error([] { (void)ReasonCatalog::from_btf(nullptr); });
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.hint(), HasSubstr("CONFIG_DEBUG_INFO_BTF"));
}

TEST(ReasonCatalogError, NoEnumAtAll)
{
    ldb_test::BtfPtr b(btf__new_empty());
    ASSERT_NE(b, nullptr);
    ASSERT_GT(btf__add_int(b.get(), "int", 4, BTF_INT_SIGNED), 0);
    const auto err = catch_error([&] { (void)ReasonCatalog::from_btf(b.get()); });
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.what(), HasSubstr("no 'enum lockdown_reason'"));
    EXPECT_THAT(err.hint(), HasSubstr("CONFIG_SECURITY_LOCKDOWN_LSM"));
}

TEST(ReasonCatalogError, EnumWithAnotherName)
{
    const auto err = catalog_error(ldb_test::layout_6_1(), "lockdown_reasons");
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.what(), HasSubstr("no 'enum lockdown_reason'"));
}

TEST(ReasonCatalogError, MissingIntegrityMax)
{
    auto layout = ldb_test::layout_6_1();
    std::erase_if(layout, [](const EnumValue& v) { return v.name == "LOCKDOWN_INTEGRITY_MAX"; });
    const auto err = catalog_error(layout);
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.what(), HasSubstr("lacks LOCKDOWN_INTEGRITY_MAX or LOCKDOWN_CONFIDENTIALITY_MAX"));
}

TEST(ReasonCatalogError, MissingConfidentialityMax)
{
    auto layout = ldb_test::layout_6_1();
    std::erase_if(layout, [](const EnumValue& v) { return v.name == "LOCKDOWN_CONFIDENTIALITY_MAX"; });
    const auto err = catalog_error(layout);
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.what(), HasSubstr("lacks LOCKDOWN_INTEGRITY_MAX or LOCKDOWN_CONFIDENTIALITY_MAX"));
}

TEST(ReasonCatalogError, IntegrityMaxAboveConfidentialityMax)
{
    const auto err = catalog_error({{"LOCKDOWN_NONE", 0},
                                    {"LOCKDOWN_DEV_MEM", 1},
                                    {"LOCKDOWN_CONFIDENTIALITY_MAX", 3},
                                    {"LOCKDOWN_INTEGRITY_MAX", 5}});
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.what(), HasSubstr("INTEGRITY_MAX above CONFIDENTIALITY_MAX"));
}

TEST(ReasonCatalogError, TooManyReasons)
{
    auto layout = ldb_test::layout_6_1();
    for (auto& v : layout)
        if (v.name == "LOCKDOWN_CONFIDENTIALITY_MAX")
            v.value = LD_MAX_REASONS + 1;
    const auto err = catalog_error(layout);
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.what(), HasSubstr("has " + std::to_string(LD_MAX_REASONS + 1) + " lockdown reasons"));
    EXPECT_THAT(err.what(), HasSubstr("(" + std::to_string(LD_PSEUDO_REASON_FIRST) + ", below its own pseudo-reasons)"));
    EXPECT_THAT(err.hint(), HasSubstr("update lockdown-broker"));
}

TEST(ReasonCatalogError, DuplicateValues)
{
    auto layout = ldb_test::layout_6_1();
    layout.push_back({"LOCKDOWN_NEW_THING", 7}); // == LOCKDOWN_IOPORT
    const auto err = catalog_error(layout);
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.what(), HasSubstr("share one value"));
    EXPECT_THAT(err.what(), HasSubstr("LOCKDOWN_NEW_THING"));
    EXPECT_THAT(err.what(), HasSubstr("LOCKDOWN_IOPORT"));
}

// ---- from a file --------------------------------------------------------------

TEST(ReasonCatalogFile, RawBtfFile)
{
    const auto layout = ldb_test::layout_shuffled();
    auto b = make_enum_btf(layout);
    __u32 size = 0;
    const void* raw = btf__raw_data(b.get(), &size);
    ASSERT_NE(raw, nullptr);
    ASSERT_GT(size, 0u);

    ldb_test::TempDir tmp;
    const auto path = (tmp / "vmlinux").string();
    ldb_test::write_file(path, std::string(static_cast<const char*>(raw), size));
    const auto cat = ReasonCatalog::from_file(path);
    expect_matches_layout(cat, layout, 21, 30);
    ASSERT_NE(cat.find("dev-mem"), nullptr);
    EXPECT_EQ(cat.find("dev-mem")->value, 3u);
}

TEST(ReasonCatalogFile, MissingFile)
{
    ldb_test::TempDir tmp;
    const auto path = (tmp / "no-such-vmlinux").string();
    const auto err = catch_error([&] { (void)ReasonCatalog::from_file(path); });
    EXPECT_EQ(err.kind(), ErrorKind::Kernel);
    EXPECT_THAT(err.what(), HasSubstr(path));
    EXPECT_THAT(err.hint(), HasSubstr("CONFIG_DEBUG_INFO_BTF"));
}

TEST(ReasonCatalogFile, GarbageFile)
{
    ldb_test::TempDir tmp;
    const auto path = (tmp / "garbage").string();
    ldb_test::write_file(path, "this is neither raw BTF nor ELF\n");
    const auto err = catch_error([&] { (void)ReasonCatalog::from_file(path); });
    EXPECT_THAT(err.what(), HasSubstr("reading BTF from " + path));
}

TEST(ReasonCatalogFile, RunningKernel)
{
    // No skip: lockdown-broker cannot work at all without kernel BTF, and the
    // CLI test needs it too. Fail loudly and say why.
    ASSERT_TRUE(std::filesystem::exists("/sys/kernel/btf/vmlinux"))
        << "/sys/kernel/btf/vmlinux does not exist: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF), "
           "so the running kernel's catalogue cannot be checked; run the suite on a kernel with BTF";
    const auto cat = ReasonCatalog::from_running_kernel();
    const Reason* dev_mem = cat.find("dev-mem");
    ASSERT_NE(dev_mem, nullptr);
    EXPECT_EQ(dev_mem->level, Level::Integrity);
    EXPECT_EQ(dev_mem->kernel_name, "LOCKDOWN_DEV_MEM");
    const Reason* kcore = cat.find("kcore");
    ASSERT_NE(kcore, nullptr);
    EXPECT_EQ(kcore->level, Level::Confidentiality);
    EXPECT_LT(dev_mem->value, cat.integrity_max());
    EXPECT_GT(kcore->value, cat.integrity_max());
    EXPECT_LT(kcore->value, cat.confidentiality_max());
    EXPECT_LE(cat.confidentiality_max(), uint32_t{LD_MAX_REASONS});
}
