// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzzes foreign_changes(): a control file reading (from the third byte on)
// and what the broker's sessions hold (the first byte picks which of the
// first eight callsites a session's change holds, the second byte with
// which flags). Invariants:
//  - a refusal is ldb::Error(Kernel) (a reading too large);
//  - every query passes the broker's own validator and is one command;
//  - written to a control file holding that reading (the kernel's matching),
//    the queries give every foreign callsite that has one its expected
//    flags, and move no callsite anywhere else: what a session holds
//    keeps its flags.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "base/error.hpp"
#include "dyndbg/foreign_changes.hpp"
#include "fakes/fake_dyndbg.hpp"
#include "fuzz_common.hpp"

namespace {

constexpr const char* kTarget = "fuzz_dyndbg_foreign";
const char* const kHeld[] = {"p", "pmf", "_", "pt"};

void check(const std::string& text, uint8_t held_mask, uint8_t held_flags)
{
    using namespace ldb::dyndbg;
    const Grammar g{"pmfslt_", false};
    std::vector<Callsite> sites;
    try {
        sites = parse_control(text);
    } catch (const ldb::Error& e) {
        if (e.kind() != ldb::ErrorKind::Kernel)
            ldb_fuzz::fail(kTarget, std::string("reading refused with the wrong kind: ") + e.what());
    }
    BrokerFlags broker;
    for (size_t i = 0; i < sites.size() && i < 8; i++)
        if (held_mask & (1u << i))
            broker[key_of(sites[i])] = kHeld[(held_flags >> (2 * (i % 4))) & 3];

    ForeignChanges fc;
    try {
        fc = foreign_changes(text, broker, g);
    } catch (const ldb::Error& e) {
        if (e.kind() != ldb::ErrorKind::Kernel)
            ldb_fuzz::fail(kTarget, std::string("refused with the wrong kind: ") + e.what());
        return;
    }
    for (const auto& q : fc.queries) {
        if (q.find_first_of("\n;#") != std::string::npos || q.size() > kMaxQueryBytes)
            ldb_fuzz::fail(kTarget, "a query the kernel would read as more than one command: " + q);
        try {
            (void)parse_query(q, Grammar{g.flags, true});
        } catch (const ldb::Error& e) {
            ldb_fuzz::fail(kTarget, "a query the validator refuses: " + q + ": " + e.what());
        }
    }

    ldb_test::FakeControl control(g.flags);
    control.sites = sites;
    for (int err : control.write(fc.queries))
        if (err != 0)
            ldb_fuzz::fail(kTarget, "the fake kernel refused a query");
    std::set<SiteKey> want; // foreign, with a query
    for (const auto& s : fc.sites) {
        if (s.expected.empty())
            ldb_fuzz::fail(kTarget, "a foreign callsite without expected flags");
        if (s.site.flags == s.expected)
            ldb_fuzz::fail(kTarget, "a callsite reported foreign that has its expected flags");
        if (s.query)
            want.insert(key_of(s.site));
    }
    for (size_t i = 0; i < sites.size(); i++) {
        const auto held = broker.find(key_of(sites[i]));
        const std::string expected = held == broker.end() ? "_" : held->second;
        const std::string put_back = apply_flags(sites[i].flags, '=', expected, g.flags);
        const std::string& now = control.sites[i].flags;
        if (now != sites[i].flags && now != put_back)
            ldb_fuzz::fail(kTarget, "a query moved a callsite away from its expected flags: " +
                                        render_control_line(sites[i]) + " -> " + now);
        if (want.count(key_of(sites[i])) && now != put_back)
            ldb_fuzz::fail(kTarget, "a foreign callsite with a query did not get its expected flags: " +
                                        render_control_line(sites[i]) + " -> " + now);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 2)
        return 0;
    check(std::string(reinterpret_cast<const char*>(data) + 2, size - 2), data[0], data[1]);
    return 0;
}
