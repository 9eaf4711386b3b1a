// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzzes what the hibernation check parses from the kernel: /sys/power/resume
// and other MAJ:MIN values, /proc/swaps, /proc/meminfo, device-mapper uuids
// and dm-crypt cipher specifications, and then the classifier on facts built
// from them. None of these may throw; the invariants below must hold.
//
// Input: up to six parts separated by NUL bytes:
//   resume \0 proc-swaps \0 dm-uuid \0 cipher|mode|integrity \0 meminfo \0 stack
// Every parser also sees the whole input.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "hibernation/check.hpp"

namespace {

constexpr const char* kTarget = "fuzz_hibernation";

void check_devno(std::string_view text)
{
    const auto d = ldb::parse_devno(text);
    if (!d)
        return;
    if (d->major > 0xfff || d->minor > 0xfffff)
        ldb_fuzz::fail(kTarget, "devno out of range: " + ldb::to_string(*d));
    if (ldb::parse_devno(ldb::to_string(*d)) != d)
        ldb_fuzz::fail(kTarget, "devno does not round-trip: " + ldb::to_string(*d));
    if (text.find_first_of(" \t+-") != std::string_view::npos)
        ldb_fuzz::fail(kTarget, "devno accepted with a blank or sign");
}

void check_u64(std::string_view text)
{
    const auto v = ldb::parse_u64(text);
    if (v && ldb::parse_u64(std::to_string(*v)) != v)
        ldb_fuzz::fail(kTarget, "u64 does not round-trip");
}

std::vector<ldb::SwapEntry> check_swaps(std::string_view text)
{
    std::vector<std::string> warnings;
    auto entries = ldb::parse_proc_swaps(text, warnings);
    if (entries.size() > 64)
        ldb_fuzz::fail(kTarget, std::to_string(entries.size()) + " swap entries");
    if (warnings.size() > 9)
        ldb_fuzz::fail(kTarget, std::to_string(warnings.size()) + " warnings");
    unsigned prev = 0;
    for (const auto& e : entries) {
        if (e.line <= prev)
            ldb_fuzz::fail(kTarget, "swap lines not increasing");
        prev = e.line;
        if (e.path.empty() || e.path.find('\0') != std::string::npos)
            ldb_fuzz::fail(kTarget, "empty path or NUL in path");
        if (e.deleted != e.path.ends_with(" (deleted)"))
            ldb_fuzz::fail(kTarget, "deleted flag disagrees with the path");
        const bool known = e.type_text == "partition" || e.type_text == "file";
        if (known == (e.type == ldb::SwapType::Other))
            ldb_fuzz::fail(kTarget, "type '" + e.type_text + "' misclassified");
    }
    return entries;
}

void check_unescape(std::string_view text)
{
    const std::string u = ldb::unescape_octal(text);
    if (u.size() > text.size())
        ldb_fuzz::fail(kTarget, "unescaping grew the text");
    if (text.find('\\') == std::string_view::npos && u != text)
        ldb_fuzz::fail(kTarget, "unescaping changed text without backslashes");
}

void check_uuid(std::string_view text)
{
    const ldb::DmUuid u = ldb::parse_dm_uuid(text);
    if (!u.cryptsetup) {
        if (!u.type.empty() || !u.name.empty() || !u.header_uuid.empty())
            ldb_fuzz::fail(kTarget, "a non-cryptsetup uuid has parts");
        return;
    }
    if (!text.starts_with("CRYPT-") || u.type.empty())
        ldb_fuzz::fail(kTarget, "cryptsetup uuid without prefix or type");
    for (char c : u.type)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            ldb_fuzz::fail(kTarget, "bad character in uuid type");
    if (!u.header_uuid.empty()) {
        if (u.header_uuid.size() != 32)
            ldb_fuzz::fail(kTarget, "header uuid of " + std::to_string(u.header_uuid.size()) + " digits");
        for (char c : u.header_uuid)
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                ldb_fuzz::fail(kTarget, "header uuid not lower-case hex");
    }
    const size_t expect = 6 + u.type.size() + (text.size() > 6 + u.type.size() ? 1 : 0) +
                          (u.header_uuid.empty() ? 0 : 33) + u.name.size();
    if (expect != text.size())
        ldb_fuzz::fail(kTarget, "uuid parts do not add up to the input");
}

void check_cipher(std::string_view text)
{
    const auto s = ldb::parse_cipher_spec(text);
    if (!s)
        return;
    if (s->cipher.empty())
        ldb_fuzz::fail(kTarget, "accepted spec with an empty cipher");
    if (s->capi) {
        int depth = 0;
        for (char c : s->cipher) {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth < 0)
                ldb_fuzz::fail(kTarget, "unbalanced capi name");
        }
        if (depth != 0 || s->iv_mode.empty())
            ldb_fuzz::fail(kTarget, "unbalanced capi name or no IV mode");
    }
}

ldb::CryptFacts crypt_from(std::string_view text)
{
    ldb::CryptFacts f;
    std::vector<std::string> parts(4);
    size_t i = 0;
    for (char c : text) {
        if (c == '|' && i < parts.size() - 1)
            i++;
        else
            parts[i] += c;
    }
    f.cipher = parts[0];
    f.cipher_mode = parts[1];
    f.integrity = parts[2];
    f.type = parts[3].empty() ? "LUKS2" : parts[3];
    f.integrity_key_size = f.integrity.empty() ? 0 : 32;
    f.live = !text.ends_with("|header");
    const ldb::CryptStrength a = ldb::assess_crypt(f);
    if (a.description.empty())
        ldb_fuzz::fail(kTarget, "no description of a crypt layer");
    if (!a.authenticates && a.why.empty())
        ldb_fuzz::fail(kTarget, "not authenticated, but no reason given");
    return f;
}

// Facts from the parsed pieces; the stack bytes choose layer kinds.
void check_classify(std::string_view resume, std::vector<ldb::SwapEntry> entries, const ldb::CryptFacts& crypt,
                    std::string_view meminfo, std::string_view stack)
{
    ldb::HibernationFacts f;
    f.resume_readable = !resume.empty() || stack.empty();
    f.resume_text = std::string(resume.substr(0, 64));
    f.resume = ldb::parse_devno(resume);
    f.swaps_readable = true;
    f.mem_total_kib = ldb::parse_meminfo_kib(meminfo, "MemTotal");
    f.active_anon_kib = ldb::parse_meminfo_kib(meminfo, "Active(anon)");
    f.image_size = ldb::parse_u64(meminfo);
    size_t k = 0;
    const auto byte = [&]() -> unsigned { return stack.empty() ? 0u : static_cast<unsigned char>(stack[k++ % stack.size()]); };
    f.page_size = byte() % 8 ? ldb::kPageSize : 16384;
    for (size_t i = 0; i < entries.size(); i++) {
        ldb::SwapFacts s;
        s.entry = std::move(entries[i]);
        s.devno = ldb::DevNo{byte() % 4, byte() % 4};
        if (byte() & 1)
            s.file_offset_pages = byte();
        const unsigned n = byte() % 4;
        for (unsigned j = 0; j < n; j++) {
            ldb::BlockLayer l;
            l.name = "dev" + std::to_string(j);
            l.kind = static_cast<ldb::LayerKind>(byte() % 7);
            const unsigned b = byte();
            if (b & 1)
                l.crypt = crypt;
            if (b & 2)
                l.crypt_error = "unreadable";
            if (b & 4)
                l.error = "broken";
            if (b & 8)
                l.dm_uuid = "CRYPT-SUBDEV-x";
            // Mostly downward edges, sometimes a cycle the walk must survive.
            if (j + 1 < n)
                l.lower.push_back(j + 1);
            if (b & 16)
                l.lower.push_back(byte() % n);
            s.layers.push_back(std::move(l));
        }
        if (n == 0 && (byte() & 1))
            s.error = "no stack";
        f.swaps.push_back(std::move(s));
    }
    for (bool require : {true, false}) {
        const ldb::HibernationVerdict v = ldb::classify_hibernation(f, ldb::HibernationPolicy{require});
        if (v.allowed() != v.blocker.empty())
            ldb_fuzz::fail(kTarget, "allowed and blocker disagree: " + v.blocker);
        if (v.allowed()) {
            const bool ok = v.protection == ldb::ImageProtection::Authenticated ||
                            (!require && v.protection == ldb::ImageProtection::EncryptedOnly);
            if (!ok)
                ldb_fuzz::fail(kTarget, "allowed with protection " + ldb::to_string(v.protection));
            if (!v.swap_index || *v.swap_index >= f.swaps.size())
                ldb_fuzz::fail(kTarget, "allowed without a swap");
            // Something in the chosen stack must really encrypt (and, when
            // required, authenticate), whatever the walk concluded.
            bool encrypts = false, authenticates = false;
            for (const auto& l : f.swaps[*v.swap_index].layers) {
                if (l.kind == ldb::LayerKind::Volatile)
                    ldb_fuzz::fail(kTarget, "allowed on a volatile layer");
                if (!l.crypt || !l.crypt->live)
                    continue;
                const auto a = ldb::assess_crypt(*l.crypt);
                encrypts = encrypts || a.encrypts;
                authenticates = authenticates || a.authenticates;
            }
            if (!encrypts || (require && !authenticates))
                ldb_fuzz::fail(kTarget, "allowed, but no layer encrypts or authenticates");
        }
        if (v.summary.empty())
            ldb_fuzz::fail(kTarget, "empty summary");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> part;
    size_t pos = 0;
    while (part.size() < 5) {
        const size_t nul = all.find('\0', pos);
        if (nul == std::string_view::npos)
            break;
        part.push_back(all.substr(pos, nul - pos));
        pos = nul + 1;
    }
    part.push_back(all.substr(std::min(pos, all.size())));
    part.resize(6);

    for (std::string_view s : {all, part[0]}) {
        check_devno(s);
        check_u64(s);
        check_unescape(s);
        check_uuid(s);
        check_cipher(s);
    }
    check_uuid(part[2]);
    check_cipher(part[3]);
    check_swaps(all);
    (void)ldb::parse_meminfo_kib(all, "MemTotal");
    const ldb::CryptFacts crypt = crypt_from(part[3]);
    check_classify(part[0], check_swaps(part[1]), crypt, part[4], part[5]);
    return 0;
}
