// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzzes configuration -> Policy against a fixed synthetic reason catalogue.
// The input is one or more configuration files separated by form feeds
// ('\f', which the parser itself rejects), applied in order like the main
// file and its drop-ins. Every accepted configuration must give a policy
// whose BPF action table fails closed and matches an independent model.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lockdown-broker.h"
#include "config/config.hpp"
#include "base/error.hpp"
#include "fuzz_common.hpp"
#include "base/ini.hpp"
#include "enforcement/policy.hpp"
#include "enforcement/reasons.hpp"
#include "fakes/synthetic_btf.hpp"

namespace {

constexpr const char* kTarget = "fuzz_policy";
constexpr size_t kMaxFiles = 8;

const ldb::ReasonCatalog& catalog()
{
    static const ldb::ReasonCatalog cat = [] {
        auto b = ldb_test::make_enum_btf(ldb_test::layout_shuffled());
        return ldb::ReasonCatalog::from_btf(b.get());
    }();
    return cat;
}

void check_policy(const ldb::ReasonCatalog& cat, const ldb::Config& cfg, const ldb::Policy& p)
{
    // The model: the Mode baseline, then the last assignment of each reason.
    std::map<std::string, ldb::Action> expected;
    for (const auto& r : cat.all())
        expected[r.name] = ldb::baseline(cfg.mode, r.level);
    for (const auto& a : cfg.assignments)
        expected.at(a.reason) = a.action; // build() accepted it, so it is known

    if (p.mode() != cfg.mode)
        ldb_fuzz::fail(kTarget, "policy mode differs from the configuration's");
    if (p.entries().size() != cat.all().size())
        ldb_fuzz::fail(kTarget, "policy has " + std::to_string(p.entries().size()) + " entries, catalogue " +
                                    std::to_string(cat.all().size()));
    for (const auto& e : p.entries()) {
        if (e.action != expected.at(e.reason.name))
            ldb_fuzz::fail(kTarget, e.reason.name + " is " + ldb::to_string(e.action) + ", expected " +
                                        ldb::to_string(expected.at(e.reason.name)));
        if (p.action_for(e.reason.name) != e.action)
            ldb_fuzz::fail(kTarget, "action_for(" + e.reason.name + ") disagrees with entries()");
    }

    const auto table = p.action_table();
    for (uint32_t v = 0; v < LD_MAX_REASONS; v++) {
        const ldb::Reason* r = cat.by_value(v);
        if (!r) {
            if (table[v] != LD_ACTION_DENY)
                ldb_fuzz::fail(kTarget, "non-reason slot " + std::to_string(v) + " is " + std::to_string(table[v]));
            continue;
        }
        const ldb::PolicyEntry* entry = nullptr;
        for (const auto& e : p.entries())
            if (e.reason.value == v)
                entry = &e;
        if (!entry)
            ldb_fuzz::fail(kTarget, "no policy entry for reason slot " + std::to_string(v));
        if (table[v] != static_cast<unsigned char>(entry->action))
            ldb_fuzz::fail(kTarget, "slot " + std::to_string(v) + " (" + r->name + ") is " +
                                        std::to_string(table[v]) + ", entry says " + ldb::to_string(entry->action));
        if (table[v] > LD_ACTION_AUDIT)
            ldb_fuzz::fail(kTarget, "slot " + std::to_string(v) + " holds no ld_action");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const ldb::ReasonCatalog& cat = catalog();
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    ldb::Config cfg;
    size_t start = 0;
    for (size_t n = 1; start <= input.size() && n <= kMaxFiles; n++) {
        size_t end = input.find('\f', start);
        if (end == std::string_view::npos || n == kMaxFiles)
            end = input.size();
        const std::string file = "fuzz-" + std::to_string(n) + ".conf";
        try {
            ldb::apply_entries(cfg, ldb::parse_ini(input.substr(start, end - start), file));
        } catch (const ldb::Error& e) {
            ldb_fuzz::check_config_error(kTarget, e, file);
            return 0;
        }
        cfg.files.push_back(file);
        start = end + 1;
    }

    bool all_known = true;
    for (const auto& a : cfg.assignments)
        if (!cat.find(a.reason))
            all_known = false;

    try {
        const ldb::Policy p = ldb::Policy::build(cat, cfg);
        if (!all_known)
            ldb_fuzz::fail(kTarget, "Policy::build accepted an unknown reason");
        check_policy(cat, cfg, p);
    } catch (const ldb::Error& e) {
        if (all_known)
            ldb_fuzz::fail(kTarget, std::string("Policy::build rejected known reasons: ") + e.what());
        if (!std::string_view(e.what()).starts_with("fuzz-"))
            ldb_fuzz::fail(kTarget, std::string("error does not name the file: ") + e.what());
        if (e.kind() != ldb::ErrorKind::Config)
            ldb_fuzz::fail(kTarget, std::string("error of the wrong kind: ") + e.what());
    }
    return 0;
}
