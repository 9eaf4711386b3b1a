// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzzes the broker's two record formats: the first input byte picks one.
//  - even: an exception record (runtime directory). An accepted record must
//    be complete and survive serialize -> parse unchanged.
//  - odd: an exceptions.d rule. An accepted rule names a valid unit and only
//    known, distinct reasons.
// Either parser may refuse, but only with ErrorKind::Config naming the file.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "base/error.hpp"
#include "fuzz_common.hpp"
#include "exceptions/store.hpp"
#include "enforcement/reasons.hpp"
#include "exceptions/checks.hpp"
#include "exceptions/standing_rules.hpp"
#include "fakes/synthetic_btf.hpp"

namespace {

constexpr const char* kTarget = "fuzz_records";

const ldb::ReasonCatalog& catalog()
{
    static const ldb::ReasonCatalog cat = [] {
        auto b = ldb_test::make_enum_btf(ldb_test::layout_shuffled());
        return ldb::ReasonCatalog::from_btf(b.get());
    }();
    return cat;
}

void check_record(const std::string& text)
{
    ldb::Exception e;
    try {
        e = ldb::parse_exception(text, "f.exception");
    } catch (const ldb::Error& err) {
        if (err.kind() != ldb::ErrorKind::Config)
            ldb_fuzz::fail(kTarget, std::string("record refused with a non-Config error: ") + err.what());
        if (!std::string(err.what()).starts_with("f.exception"))
            ldb_fuzz::fail(kTarget, std::string("record error does not name the file: ") + err.what());
        return;
    }
    if (e.id == 0 || e.reasons.empty() || e.cgroups.empty())
        ldb_fuzz::fail(kTarget, "accepted an incomplete record");
    std::string again;
    try {
        again = ldb::serialize(e);
    } catch (const ldb::Error&) {
        return; // a field with a control character cannot be written back: fine
    }
    const ldb::Exception b = ldb::parse_exception(again, "f.exception");
    if (b.id != e.id || b.reasons != e.reasons || b.scope_kind != e.scope_kind || b.scope != e.scope ||
        b.cgroups != e.cgroups || b.holder_uid != e.holder_uid || b.holder_session != e.holder_session ||
        b.expires_realtime_usec != e.expires_realtime_usec || b.expires_boot_ns != e.expires_boot_ns ||
        b.origin != e.origin || b.narrowed != e.narrowed)
        ldb_fuzz::fail(kTarget, "record changed across serialize/parse");
}

void check_rule(const std::string& text)
{
    ldb::StandingRule r;
    try {
        r = ldb::parse_standing_rule(text, "r.conf", catalog());
    } catch (const ldb::Error& err) {
        ldb_fuzz::check_config_error(kTarget, err, "r.conf");
        return;
    }
    if (!ldb::is_valid_unit_name(r.unit))
        ldb_fuzz::fail(kTarget, "accepted an invalid unit name: " + r.unit);
    if (r.reasons.empty())
        ldb_fuzz::fail(kTarget, "accepted a rule without reasons");
    std::set<std::string> seen;
    for (const auto& name : r.reasons) {
        if (!catalog().find(name))
            ldb_fuzz::fail(kTarget, "accepted an unknown reason: " + name);
        if (!seen.insert(name).second)
            ldb_fuzz::fail(kTarget, "a reason appears twice: " + name);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
        return 0;
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] % 2 == 0)
        check_record(text);
    else
        check_rule(text);
    return 0;
}
