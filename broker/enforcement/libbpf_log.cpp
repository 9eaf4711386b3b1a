// SPDX-License-Identifier: LGPL-2.1-or-later
#include "enforcement/libbpf_log.hpp"

#include <bpf/libbpf.h>
#include <cstdarg>
#include <cstdio>

namespace ldb {

namespace {

std::string g_libbpf_log;
bool g_libbpf_verbose = false;

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list ap)
{
    if (level == LIBBPF_DEBUG && !g_libbpf_verbose)
        return 0;
    // A program's verifier log comes as one call and can be long; the line
    // that names a failed CO-RE relocation is near its end.
    va_list copy;
    va_copy(copy, ap);
    const int n = std::vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    if (n > 0) {
        std::string buf(static_cast<size_t>(n) + 1, '\0');
        va_copy(copy, ap);
        std::vsnprintf(buf.data(), buf.size(), fmt, copy);
        va_end(copy);
        buf.resize(static_cast<size_t>(n));
        g_libbpf_log.append(buf);
        if (g_libbpf_log.size() > 65536)
            g_libbpf_log.erase(0, g_libbpf_log.size() - 65536);
    }
    if (g_libbpf_verbose)
        std::vfprintf(stderr, fmt, ap);
    return 0;
}

// The last line of `s`.
std::string last_line(std::string s)
{
    while (!s.empty() && s.back() == '\n')
        s.pop_back();
    const size_t nl = s.rfind('\n');
    return nl == std::string::npos ? s : s.substr(nl + 1);
}

// The whole line of the log that holds position `at`.
std::string line_at(const std::string& log, size_t at)
{
    const size_t start = at == 0 ? 0 : log.rfind('\n', at - 1);
    const size_t from = start == std::string::npos || at == 0 ? 0 : start + 1;
    const size_t end = log.find('\n', at);
    return log.substr(from, end == std::string::npos ? std::string::npos : end - from);
}

// The verifier ends its log (before end_log) with statistics; its complaint
// is the last line before them, after `failed`.
std::string verifier_complaint(const std::string& log, size_t failed, size_t end_log)
{
    size_t pos = end_log;
    while (pos > failed) {
        const size_t prev = log.rfind('\n', pos - 1);
        if (prev == std::string::npos || prev <= failed)
            break;
        const std::string l = line_at(log, prev + 1);
        pos = prev;
        if (l.empty() || l.rfind("processed ", 0) == 0 || l.rfind("verification time", 0) == 0 ||
            l.rfind("stack depth", 0) == 0 || l.rfind("-- END", 0) == 0)
            continue;
        return l;
    }
    return {};
}

} // namespace

void libbpf_log_start(bool verbose)
{
    g_libbpf_verbose = verbose;
    g_libbpf_log.clear();
    libbpf_set_print(libbpf_print);
}

void libbpf_log_install()
{
    libbpf_set_print(libbpf_print);
}

void libbpf_log_clear()
{
    g_libbpf_log.clear();
}

bool libbpf_log_contains(std::string_view text)
{
    return g_libbpf_log.find(text) != std::string::npos;
}

std::string last_libbpf_line()
{
    return last_line(g_libbpf_log);
}

std::string libbpf_cause()
{
    return libbpf_cause_of(g_libbpf_log);
}

std::string libbpf_cause_of(const std::string& log)
{
    for (const char* t : {"failed to resolve CO-RE relocation", "failed to find kernel BTF type ID"})
        if (const size_t at = log.rfind(t); at != std::string::npos)
            return line_at(log, at);
    const size_t failed = log.rfind("BPF program load failed");
    if (failed == std::string::npos)
        return last_line(log);
    std::string cause = line_at(log, failed);
    const size_t end_log = log.rfind("-- END PROG LOAD LOG --");
    if (end_log != std::string::npos && end_log > failed)
        if (const std::string complaint = verifier_complaint(log, failed, end_log); !complaint.empty())
            cause += "; verifier: " + complaint;
    return cause;
}

} // namespace ldb
