// SPDX-License-Identifier: LGPL-2.1-or-later
// core-check: do a BPF object's CO-RE relocations resolve against a kernel's
// BTF? A host-side stand-in for libbpf's load-time relocation, so that a
// renamed kernel field fails a unit-level test instead of a VM boot.
//
//   core-check [--json] [--verbose] [--name LABEL] OBJECT.bpf.o TARGET.btf
//
// TARGET is raw BTF (the format of /sys/kernel/btf/vmlinux) or an ELF file
// with a .BTF section (a vmlinux). Prints one line per failed relocation
// (section, instruction, kind, type.field path, access string, why), then
//   core-check: N relocations, M resolved, K guarded, F failed (LABEL: TARGET)
// --verbose prints every relocation; --json prints one JSON document instead.
// Exit 0: no failure; 1: a relocation failed; 2: a file is missing,
// unreadable or malformed, or bad usage.
// The rules (what resolves, what a guard is, when a flavour may fail) are
// described in core_relocs.hpp.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include <bpf/libbpf.h>

#include "core_relocs.hpp"

namespace {

int usage(const char* why)
{
    std::fprintf(stderr,
                 "core-check: %s\nusage: core-check [--json] [--verbose] [--name LABEL] OBJECT.bpf.o TARGET.btf\n",
                 why);
    return 2;
}

// libbpf prints its own warnings (e.g. why a file is not BTF); keep them,
// drop its debug chatter.
int print_libbpf(enum libbpf_print_level level, const char* fmt, va_list ap)
{
    if (level == LIBBPF_DEBUG)
        return 0;
    return std::vfprintf(stderr, fmt, ap);
}

void print_json(const core_check::Report& rep, const std::string& object, const std::string& target,
                const std::string& name)
{
    using core_check::json_escape;
    std::cout << "{\"object\":\"" << json_escape(object) << "\",\"target\":\"" << json_escape(target)
              << "\",\"name\":\"" << json_escape(name) << "\",\"relocations\":[";
    bool first = true;
    for (const auto& it : rep.items) {
        std::cout << (first ? "" : ",") << "\n {\"section\":\"" << json_escape(it.relo.section)
                  << "\",\"insn_off\":" << it.relo.insn_off << ",\"insn_idx\":" << it.relo.insn_off / 8
                  << ",\"kind\":\"" << core_check::kind_name(it.relo.kind) << "\",\"type_id\":" << it.relo.type_id
                  << ",\"type\":\"" << json_escape(it.res.local_type) << "\",\"essential\":\""
                  << json_escape(it.res.essential) << "\",\"path\":\"" << json_escape(it.res.path)
                  << "\",\"access\":\"" << json_escape(it.relo.access) << "\",\"outcome\":\""
                  << core_check::outcome_name(it.res.outcome) << "\",\"verdict\":\""
                  << core_check::verdict_name(it.verdict) << "\"";
        if (it.res.local_value)
            std::cout << ",\"local_value\":" << *it.res.local_value;
        if (it.res.target_value)
            std::cout << ",\"target_value\":" << *it.res.target_value;
        std::cout << ",\"detail\":\"" << json_escape(it.res.detail) << "\",\"why\":\"" << json_escape(it.why)
                  << "\"}";
        first = false;
    }
    std::cout << "\n],\"summary\":{\"relocations\":" << rep.items.size() << ",\"resolved\":" << rep.resolved
              << ",\"guarded\":" << rep.guarded << ",\"failed\":" << rep.failed << "}}\n";
}

} // namespace

int main(int argc, char** argv)
{
    bool json = false, verbose = false;
    std::string name;
    std::vector<std::string> files;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--json")
            json = true;
        else if (a == "--verbose" || a == "-v")
            verbose = true;
        else if (a == "--name") {
            if (++i == argc)
                return usage("--name needs a value");
            name = argv[i];
        } else if (a == "--help" || a == "-h") {
            usage("check a BPF object's CO-RE relocations against a kernel BTF");
            return 0;
        } else if (a.size() > 1 && a[0] == '-')
            return usage(("unknown option " + a).c_str());
        else
            files.push_back(a);
    }
    if (files.size() != 2)
        return usage("want one object and one target BTF");
    const std::string& object = files[0];
    const std::string& target_path = files[1];
    if (name.empty())
        name = target_path;

    libbpf_set_print(print_libbpf);
    core_check::Object obj;
    core_check::BtfPtr target_btf;
    try {
        obj = core_check::load_object(object);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "core-check: object: %s\n", e.what());
        return 2;
    }
    try {
        target_btf = core_check::load_target_btf(target_path);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "core-check: target BTF: %s\n", e.what());
        return 2;
    }

    core_check::Target target(target_btf.get());
    core_check::Report rep = core_check::check(obj.btf.get(), obj.relos, target, &obj.sections);

    if (json) {
        print_json(rep, object, target_path, name);
    } else {
        for (const auto& it : rep.items) {
            if (it.verdict == core_check::Verdict::Failed)
                std::cout << "core-check: FAIL " << core_check::format_item(it) << "\n";
            else if (verbose)
                std::cout << "core-check: " << core_check::verdict_name(it.verdict) << " "
                          << core_check::format_item(it) << "\n";
        }
        std::cout << "core-check: " << rep.items.size() << " relocations, " << rep.resolved << " resolved, "
                  << rep.guarded << " guarded, " << rep.failed << " failed ("
                  << (name == target_path ? target_path : name + ": " + target_path) << ")\n";
    }
    return rep.failed ? 1 : 0;
}
