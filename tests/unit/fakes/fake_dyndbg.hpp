// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A fake dynamic_debug control file for the unit tests: callsites in memory,
// printed as the kernel prints them, changed by queries as the kernel
// changes them (matching is the broker's own matcher; these tests are about
// the bookkeeping around it). It records every query written and can be
// told to fail.
#include <cerrno>
#include <string>
#include <vector>

#include "dyndbg/control.hpp"
#include "dyndbg/ledger.hpp"
#include "base/error.hpp"

namespace ldb_test {

class FakeControl : public ldb::dyndbg::ControlPort {
public:
    explicit FakeControl(std::string letters = "pmflt_") : letters_(std::move(letters)) {}

    std::vector<ldb::dyndbg::Callsite> sites;
    std::vector<std::string> written; // every query, in order
    bool fail_open = false;          // write() throws as if open() failed
    bool fail_read = false;
    int fail_writes_with = 0;        // errno for every write, 0: none

    std::string read() override
    {
        if (fail_read)
            throw ldb::Error(ldb::ErrorKind::Kernel, "fake: cannot read");
        std::string out = "# filename:lineno [module]function flags format\n";
        for (const auto& c : sites)
            out += ldb::dyndbg::render_control_line(c) + "\n";
        return out;
    }

    std::vector<int> write(const std::vector<std::string>& queries) override
    {
        if (fail_open)
            throw ldb::Error(ldb::ErrorKind::Permission, "fake: cannot open for writing");
        std::vector<int> out;
        for (const auto& q : queries) {
            written.push_back(q);
            out.push_back(fail_writes_with ? fail_writes_with : apply(q));
        }
        return out;
    }

    // What someone else does, behind the broker's back.
    void set_flags(const std::string& function, const std::string& flags)
    {
        for (auto& c : sites)
            if (c.function == function)
                c.flags = flags;
    }
    std::string flags_of(const std::string& function) const
    {
        for (const auto& c : sites)
            if (c.function == function)
                return c.flags;
        return "(none)";
    }

private:
    int apply(const std::string& q)
    {
        const std::string probe = "module ldb.probe =";
        if (q.rfind(probe, 0) == 0)
            return q.size() == probe.size() + 1 && letters_.find(q.back()) != std::string::npos ? 0 : EINVAL;
        ldb::dyndbg::Query parsed;
        try {
            parsed = ldb::dyndbg::parse_query(q, ldb::dyndbg::Grammar{letters_, true});
        } catch (const ldb::Error&) {
            return EINVAL;
        }
        for (auto& c : sites)
            if (ldb::dyndbg::matches(parsed.match, c, true))
                c.flags = ldb::dyndbg::apply_flags(c.flags, parsed.op, parsed.flags, letters_);
        return 0;
    }
    std::string letters_;
};

inline ldb::dyndbg::Callsite site(std::string file, uint32_t line, std::string module, std::string function,
                                  std::string flags = "_", std::string format = "hello\\n", std::string cls = "")
{
    ldb::dyndbg::Callsite c;
    c.file = std::move(file);
    c.line = line;
    c.module = std::move(module);
    c.function = std::move(function);
    c.flags = std::move(flags);
    c.format = std::move(format);
    c.cls = std::move(cls);
    return c;
}

} // namespace ldb_test
