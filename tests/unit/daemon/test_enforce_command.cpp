// SPDX-License-Identifier: LGPL-2.1-or-later
// What `lockdown-brokerd --enforce-only` prints: the line for people and
// the JSON object, with strings escaped.
#include <gtest/gtest.h>

#include "daemon/enforce_command.hpp"

using namespace ldb;

namespace {

EnforceReport report()
{
    EnforceReport r;
    r.generation = 3;
    r.reused_maps = true;
    r.pins_protected = true;
    r.parts = {{"locked-down", true, ""}, {"bpf-protect", false, "no \"bpf\" LSM hook"}};
    return r;
}

EnforceSummary summary()
{
    EnforceSummary s;
    s.mode = Mode::Integrity;
    s.reasons = 30;
    s.deny = 20;
    s.audit = 2;
    return s;
}

} // namespace

TEST(EnforceResult, JsonIsOneObjectWithEscapedStrings)
{
    EXPECT_EQ(render_enforce_result(report(), summary(), true),
              "{\"enforcing\":true,\"mode\":\"integrity\",\"generation\":3,\"program\":\"attached new program\","
              "\"reused_maps\":true,\"deny\":20,\"audit\":2,\"reasons\":30,\"pins_protected\":true,\"parts\":["
              "{\"name\":\"locked-down\",\"loaded\":true,\"cause\":\"\"},"
              "{\"name\":\"bpf-protect\",\"loaded\":false,\"cause\":\"no \\\"bpf\\\" LSM hook\"}]}\n");
}

TEST(EnforceResult, TheLineSaysWhatWasDone)
{
    EnforceReport r = report();
    r.reused_link = true;
    EnforceSummary s = summary();
    s.some_missing = true;
    EXPECT_EQ(render_enforce_result(r, s, false),
              "lockdown-brokerd: enforcing Mode=integrity (30 reasons: 20 denied, 2 audited), policy generation 3, "
              "reused pinned program, pinned maps reused, pins protected, some protections missing (see the "
              "warnings)\n");
    r = EnforceReport{};
    r.replaced_link = true;
    EXPECT_EQ(render_enforce_result(r, summary(), false),
              "lockdown-brokerd: enforcing Mode=integrity (30 reasons: 20 denied, 2 audited), policy generation 0, "
              "replaced pinned program\n");
}
