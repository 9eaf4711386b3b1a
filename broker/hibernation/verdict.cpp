// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/verdict.hpp"

#include <cerrno>
#include <cstring>

#include "base/text.hpp"
#include "hibernation/crypt_strength.hpp"
#include "hibernation/swap_choice.hpp"
#include "hibernation/writer_layers.hpp"

namespace ldb {

using kernel_text::has_prefix_and_digits;
using kernel_text::shown;

std::string to_string(HibernationBlock b)
{
    switch (b) {
    case HibernationBlock::None: return "none";
    case HibernationBlock::Unverifiable: return "unverifiable";
    case HibernationBlock::NoSwap: return "no-swap";
    case HibernationBlock::VolatileSwap: return "volatile-swap";
    case HibernationBlock::ResumeMismatch: return "resume-mismatch";
    case HibernationBlock::ResumeUnset: return "resume-unset";
    case HibernationBlock::Unencrypted: return "unencrypted";
    case HibernationBlock::NotAuthenticated: return "not-authenticated";
    case HibernationBlock::SwapTooSmall: return "swap-too-small";
    case HibernationBlock::Unsupported: return "unsupported";
    case HibernationBlock::SharedLayer: return "shared-layer";
    case HibernationBlock::StaleImage: return "stale-image";
    }
    return "?";
}

namespace {

std::string mib(uint64_t kib) { return std::to_string((kib + 512) / 1024) + " MiB"; }

// How to make the next boot look for the image on `s`: what resume= must
// say on the kernel command line, or in Debian's initramfs configuration.
std::string resume_hint(const SwapFacts& s)
{
    const std::string dev = s.layers.empty() ? shown(s.entry.path) : s.layers[0].node();
    const std::string uuid = s.uuid.empty() ? "<UUID>" : s.uuid;
    std::string cmdline = "resume=UUID=" + uuid;
    std::string initramfs = "RESUME=UUID=" + uuid;
    if (s.entry.type == SwapType::File) {
        const std::string off = s.file_offset_pages ? std::to_string(*s.file_offset_pages) : "<offset>";
        cmdline += " resume_offset=" + off;
        initramfs += " and RESUME_OFFSET=" + off;
    }
    return "add " + cmdline + " to the kernel command line, or on Debian put " + initramfs +
           " into /etc/initramfs-tools/conf.d/resume and run update-initramfs -u; then reboot" +
           (s.uuid.empty() ? " (<UUID> is what 'blkid -s UUID -o value " + dev + "' prints)" : "");
}

// lockdown-hibernate renews the swap after a resume (prepare() in

std::string swap_label(const SwapFacts& s)
{
    if (s.entry.type == SwapType::File)
        return "swap file " + shown(s.entry.path);
    std::string out = "swap " + shown(s.entry.path);
    if (!s.layers.empty() && s.layers[0].node() != s.entry.path)
        out += " (" + s.layers[0].node() + ")";
    return out;
}

// The path of the first zram swap, for HibernateBlockerDevice.
std::string first_zram(const HibernationFacts& f)
{
    for (const auto& s : f.swaps)
        if (is_zram_path(s.entry.path))
            return s.entry.path;
    return {};
}

// What a step refuses with.
struct Refusal {
    HibernationBlock block;
    std::string text;
    const char* code;   // HibernateBlockerCode: one per sentence
    std::string device = {}; // the device the sentence names, when it is not the chosen swap
};

// classify_hibernation() in steps: each step either refuses or lets the
// next one run, and may fill in parts of the verdict on the way.
class Classifier {
public:
    Classifier(const HibernationFacts& f, const HibernationPolicy& policy) : f_(f), policy_(policy) {}
    HibernationVerdict run();

private:
    HibernationVerdict refuse(Refusal r);
    std::optional<Refusal> unreadable_kernel_files() const;
    HibernationVerdict refuse_resume_mismatch();
    std::optional<HibernationVerdict> unprotected_swap_first(const std::string& pointed_at) const;
    Refusal no_usable_swap(const Choice& c) const;
    void take(const Choice& c, const SwapFacts& s);
    std::optional<Refusal> judge_protection(const SwapFacts& s);
    std::optional<Refusal> judge_writer_support(const SwapFacts& s) const;
    std::optional<Refusal> judge_header(const SwapFacts& s) const;
    std::optional<Refusal> judge_size(const SwapFacts& s);
    HibernationVerdict allow();

    const HibernationFacts& f_;
    const HibernationPolicy& policy_;
    HibernationVerdict v_;
    bool resume_unset_ = false;  // /sys/power/resume is 0:0
    std::string label_;          // swap_label() of the chosen swap
    bool file_ = false;          // it is a swap file
    std::string where_;          // for a swap file: " (its file system is on ...)"
};

HibernationVerdict Classifier::refuse(Refusal r)
{
    v_.block = r.block;
    v_.blocker = std::move(r.text);
    v_.blocker_code = r.code;
    v_.blocker_device = r.device.empty() ? v_.swap : std::move(r.device);
    if (v_.summary.empty())
        v_.summary = v_.blocker;
    if (resume_unset_ && v_.swap_index && r.block != HibernationBlock::ResumeUnset)
        v_.summary += "; also, /sys/power/resume is unset (0:0), so the next boot would not look for an image";
    return v_;
}

std::optional<Refusal> Classifier::unreadable_kernel_files() const
{
    if (!f_.resume_readable)
        return Refusal{HibernationBlock::Unverifiable,
                       "cannot read /sys/power/resume: this kernel may lack hibernation support (CONFIG_HIBERNATION)",
                       "no-kernel-support"};
    if (!f_.resume)
        return Refusal{HibernationBlock::Unverifiable,
                       "/sys/power/resume holds '" + f_.resume_text + "', which is not a device number (MAJ:MIN)",
                       "resume-unreadable"};
    if (!f_.swaps_readable)
        return Refusal{HibernationBlock::Unverifiable, "cannot read /proc/swaps", "swaps-unreadable"};
    // The writer's image format (swap map pages, the header at the end of
    // page 0) is the kernel's for 4096-byte pages only.
    if (f_.page_size != kPageSize)
        return Refusal{HibernationBlock::Unsupported,
                       f_.page_size ? "this kernel uses " + std::to_string(f_.page_size) +
                                          "-byte pages, and lockdown-hibernate writes the hibernation image for "
                                          "4096-byte pages only: an image written with the wrong page size would "
                                          "not resume"
                                    : "cannot tell the page size of this system (sysconf(_SC_PAGESIZE) failed), and "
                                      "lockdown-hibernate writes the hibernation image for 4096-byte pages only",
                       "page-size-unsupported"};
    return std::nullopt;
}

// A swap that could not hold a protected image at all is the more basic
// problem than a resume device that is not it: say that first (the resume
// device comes next). `pointed_at` says what /sys/power/resume names.
std::optional<HibernationVerdict> Classifier::unprotected_swap_first(const std::string& pointed_at) const
{
    if (f_.swaps.empty())
        return std::nullopt;
    HibernationFacts unpointed = f_;
    unpointed.resume = DevNo{};
    HibernationVerdict inner = classify_hibernation(unpointed, policy_);
    if (inner.block == HibernationBlock::Unencrypted || inner.block == HibernationBlock::NotAuthenticated ||
        inner.block == HibernationBlock::VolatileSwap || inner.block == HibernationBlock::Unsupported ||
        inner.block == HibernationBlock::SharedLayer) {
        inner.summary = inner.blocker + "; also, /sys/power/resume points at " + pointed_at +
                        ", which is not an active swap";
        return inner;
    }
    return std::nullopt;
}

// /sys/power/resume is set, but to no swap that could be used.
HibernationVerdict Classifier::refuse_resume_mismatch()
{
    const std::string resume_dev = f_.resume_name.empty() ? to_string(*f_.resume) : "/dev/" + f_.resume_name;
    const std::string resume_desc =
        to_string(*f_.resume) + (f_.resume_name.empty() ? "" : " (/dev/" + shown(f_.resume_name) + ")");
    if (f_.resume_name.starts_with("zram") || has_prefix_and_digits(f_.resume_name, "ram"))
        return refuse({HibernationBlock::VolatileSwap,
                            "/sys/power/resume points at " + resume_desc +
                                ", which is in RAM: its contents are lost at power-off, so no image can be kept there",
                       "resume-in-ram", resume_dev});
    const std::string off =
        f_.resume_offset && *f_.resume_offset ? " at offset " + std::to_string(*f_.resume_offset) : "";
    if (auto inner = unprotected_swap_first(resume_desc + off))
        return *inner;
    std::string others;
    for (const auto& s : f_.swaps)
        if (!s.entry.deleted && !is_zram_path(s.entry.path) && s.entry.type != SwapType::Other)
            others += (others.empty() ? "" : ", ") + shown(s.entry.path) +
                      (s.devno ? " (" + to_string(*s.devno) + ")" : "");
    // The swap that would be checked if resume= named it: the one to name.
    HibernationFacts unpointed = f_;
    unpointed.resume = DevNo{};
    const Choice would = choose_swap(unpointed);
    return refuse({HibernationBlock::ResumeMismatch,
                        "/sys/power/resume points at " + resume_desc + off + ", which is not an active swap" +
                            (others.empty() || !would.index
                                 ? " (no usable swap is active)."
                                 : "; the swap in use is " + others + ". To point it at " +
                                       swap_label(f_.swaps[*would.index]) + ", " +
                                       resume_hint(f_.swaps[*would.index]) + "."),
                   "resume-mismatch", resume_dev});
}

Refusal Classifier::no_usable_swap(const Choice& c) const
{
    if (c.only_zram)
        return {HibernationBlock::VolatileSwap,
                "the only swap is zram (" + c.skipped.front() +
                    "), which lives in RAM and is lost at power-off: hibernation needs a swap on disk",
                "zram-only", first_zram(f_)};
    return {HibernationBlock::NoSwap,
            f_.swaps.empty() ? "no swap is active, so there is nowhere to write a hibernation image"
                             : "no active swap can hold a hibernation image (ignored: " + join(c.skipped, ", ") + ")",
            f_.swaps.empty() ? "no-swap" : "no-usable-swap"};
}

// The chosen swap goes into the verdict, also when a later step refuses it.
void Classifier::take(const Choice& c, const SwapFacts& s)
{
    v_.swap_index = c.index;
    v_.swap = s.entry.path;
    v_.target = s.devno;
    if (s.entry.type == SwapType::File)
        v_.target_offset = s.file_offset_pages;
    v_.choice = c.resume_match ? "/sys/power/resume points at it"
                : f_.swaps.size() - c.skipped.size() > 1
                    ? "highest priority (" + std::to_string(s.entry.priority) + ") with the most free space, as systemd picks it"
                    : "the only usable swap";
    label_ = swap_label(s);
    file_ = s.entry.type == SwapType::File;
}

// How the device stack protects the image; refused below the policy's tier.
std::optional<Refusal> Classifier::judge_protection(const SwapFacts& s)
{
    const StackResult r = judge_stack(s.layers);
    v_.protection = r.protection;
    where_ = file_ && !s.layers.empty() ? " (its file system is on " + describe_layer(s.layers[0]) + ")" : "";
    if (r.volatile_layer)
        return Refusal{HibernationBlock::VolatileSwap, label_ + where_ + " is stored in RAM (" + r.volatile_layer->name +
                                                           "): it is lost at power-off, so no image can be kept there",
                       "swap-in-ram"};
    const std::string culprit = r.culprit ? describe_layer(*r.culprit) : label_;
    switch (r.protection) {
    case ImageProtection::Unknown:
        return Refusal{HibernationBlock::Unverifiable,
                       "cannot verify how " + label_ + where_ + " is protected: " + culprit + ": " + r.why,
                       "protection-unverifiable"};
    case ImageProtection::Unencrypted:
        return Refusal{HibernationBlock::Unencrypted,
                       label_ + where_ + " is not encrypted: whoever has the disk can read the hibernation image (keys, "
                                         "passwords, open documents) and change it. Put the swap on LUKS2 with --integrity",
                       "swap-not-encrypted"};
    case ImageProtection::EncryptedOnly: {
        const std::string what = r.culprit && r.culprit->crypt ? assess_crypt(*r.culprit->crypt).description : "";
        const std::string fs_note =
            file_ ? " The swap file's blocks are encrypted by the file system's device, but nothing authenticates them." : "";
        if (policy_.require_authenticated)
            return Refusal{HibernationBlock::NotAuthenticated,
                           label_ + (file_ ? where_ : (r.culprit && r.culprit != &s.layers[0] ? " on " + culprit : "")) +
                               " is encrypted but not authenticated" + (what.empty() ? "" : " (" + what + ")") +
                               ": an attacker with the disk cannot read the image but can alter it undetected." +
                               fs_note +
                               " Use LUKS2 with --integrity hmac-sha256, or accept this weaker tier with "
                               "RequireAuthenticatedImage=no",
                           "swap-not-authenticated"};
        v_.tier = "encrypted only (weaker tier, accepted by RequireAuthenticatedImage=no): the image cannot be read "
                  "offline, but it could be altered undetected";
        break;
    }
    case ImageProtection::Authenticated:
        v_.tier = "authenticated: the image can be neither read nor altered offline";
        break;
    }
    return std::nullopt;
}

// The image goes through lockdown-hibernate, which flushes what the
// kernel's writer leaves in dm-integrity's memory (tests/vm/hibernate).
// It writes to a whole swap device, and only through layers whose
// behaviour across a resume was tested.
std::optional<Refusal> Classifier::judge_writer_support(const SwapFacts& s) const
{
    if (file_)
        return Refusal{HibernationBlock::Unsupported,
                       label_ + where_ + " is a swap file: lockdown-broker writes the hibernation image itself (the "
                                         "kernel's writer does not flush dm-integrity before it powers off, and loses the "
                                         "image) and supports swap partitions only. Use a swap partition on LUKS2 with "
                                         "--integrity",
                       "swap-file"};
    for (const auto& l : s.layers)
        if (l.kind == LayerKind::Md || l.kind == LayerKind::Loop)
            return Refusal{HibernationBlock::Unsupported,
                           label_ + " is stored on " + describe_layer(l) +
                               ", which lockdown-broker's image writer was not tested with (a hibernation image "
                               "there may not survive the power-off or the resume): put the swap on a partition",
                           "unsupported-layer"};
    if (auto shared = judge_writer_layers(s, label_))
        return Refusal{shared->block, std::move(shared->text), shared->code};
    return std::nullopt;
}

// An image still there was never resumed by this running system, so it
// must never resume. lockdown-swap-guard.service discards it.
std::optional<Refusal> Classifier::judge_header(const SwapFacts& s) const
{
    if (s.header == SwapSignature::Image)
        return Refusal{HibernationBlock::StaleImage,
                       label_ + " still holds a hibernation image that this system did not resume (header "
                                "S1SUSPEND). It must never be resumed: the file systems have changed since it was "
                                "written. Discard it: systemctl restart lockdown-swap-guard.service (or by "
                                "hand, keeping its UUID and label: swapoff " + s.entry.path + " && swapon " +
                           s.entry.path + "; util-linux swapon rewrites the signature)",
                       "stale-image"};
    if (s.header_errno)
        return Refusal{HibernationBlock::StaleImage,
                       "cannot read the swap header of " + label_ + ": " + std::strerror(s.header_errno) +
                           (s.header_errno == EILSEQ ? " (its dm-integrity layer fails the header sector: a stale "
                                                       "instance after a resume)"
                                                     : "") +
                           ". Repair it: systemctl restart lockdown-swap-guard.service",
                       "swap-header-unreadable"};
    return std::nullopt;
}

// The size rule. The kernel aims for an image of at most image_size bytes
// (default 2/5 of RAM: kernel/power/snapshot.c, hibernate_image_size_init)
// and wants more free swap than the image plus PAGES_FOR_IO, 4 MiB
// (kernel/power/swap.c, enough_swap; it checks this up front only for
// uncompressed images, we always do because the compression ratio is
// unknown in advance). systemd 252 additionally wants Active(anon) <= 98%
// of the free swap, or logind's CanHibernate says no (sleep-config.c,
// enough_swap_for_hibernation).
std::optional<Refusal> Classifier::judge_size(const SwapFacts& s)
{
    const uint64_t free_kib = s.entry.size_kib > s.entry.used_kib ? s.entry.size_kib - s.entry.used_kib : 0;
    std::string size_note;
    if (f_.image_size) {
        v_.needed_kib = *f_.image_size / 1024 + kHibernationIoReserveKib;
        size_note = "image_size " + mib(*f_.image_size / 1024);
    } else if (f_.mem_total_kib) {
        v_.needed_kib = *f_.mem_total_kib * 2 / 5 + kHibernationIoReserveKib;
        size_note = "2/5 of " + mib(*f_.mem_total_kib) + " RAM";
    }
    if (v_.needed_kib && free_kib <= v_.needed_kib)
        return Refusal{HibernationBlock::SwapTooSmall,
                       label_ + " has " + mib(free_kib) + " free, but the image may need " + mib(v_.needed_kib) + " (" +
                           size_note + " plus 4 MiB for the writer): enlarge the swap or lower /sys/power/image_size",
                       "swap-too-small"};
    if (f_.active_anon_kib && static_cast<double>(*f_.active_anon_kib) > static_cast<double>(free_kib) * 0.98)
        return Refusal{HibernationBlock::SwapTooSmall,
                       label_ + " has " + mib(free_kib) + " free, less than the " + mib(*f_.active_anon_kib) +
                           " of active anonymous memory, so systemd refuses to hibernate: enlarge the swap",
                       "swap-below-active-memory"};
    return std::nullopt;
}

HibernationVerdict Classifier::allow()
{
    v_.block = HibernationBlock::None;
    v_.summary = "hibernation image goes to " + label_ + where_ + " (" + v_.choice + "); " + v_.tier;
    if (!v_.needed_kib)
        v_.summary += "; the image size is unknown (no image_size or MemTotal), so swap space was not checked";
    return v_;
}

HibernationVerdict Classifier::run()
{
    if (auto r = unreadable_kernel_files())
        return refuse(std::move(*r));
    const Choice c = choose_swap(f_);
    const bool resume_set = !(*f_.resume == DevNo{});
    resume_unset_ = !resume_set;
    if (resume_set && !c.resume_match)
        return refuse_resume_mismatch();
    if (!c.index)
        return refuse(no_usable_swap(c));

    const SwapFacts& s = f_.swaps[*c.index];
    take(c, s);
    if (!s.error.empty() && s.layers.empty())
        return refuse({HibernationBlock::Unverifiable, "cannot tell what stores " + label_ + ": " + s.error,
                       "swap-stack-unreadable"});
    if (auto r = judge_protection(s))
        return refuse(std::move(*r));
    if (auto r = judge_writer_support(s))
        return refuse(std::move(*r));
    if (auto r = judge_header(s))
        return refuse(std::move(*r));
    if (auto r = judge_size(s))
        return refuse(std::move(*r));
    // lockdown-hibernate writes the image but not resume=: only a boot that
    // looks for it on this swap finds it. /sys/power/resume shows what this
    // boot was told (the kernel's resume= or the initramfs's RESUME=), and
    // the next boot is told the same.
    if (!resume_set)
        return refuse({HibernationBlock::ResumeUnset,
                       "/sys/power/resume is unset (0:0): this system was booted without a resume device, so the "
                       "next boot would not look for the hibernation image on " + label_ +
                           " and the session would be lost. To point it there, " + resume_hint(s),
                       "resume-unset"});
    return allow();
}

} // namespace

HibernationVerdict classify_hibernation(const HibernationFacts& facts, const HibernationPolicy& policy)
{
    return Classifier(facts, policy).run();
}

} // namespace ldb
