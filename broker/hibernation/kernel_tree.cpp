// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hibernation/kernel_tree.hpp"

#include <filesystem>

#include "base/error.hpp"
#include "base/files.hpp"

namespace fs = std::filesystem;

namespace ldb {

KernelTree::KernelTree(const std::string& root)
{
    if (root.empty() || root == "/")
        return;
    std::error_code ec;
    const fs::path c = fs::canonical(root, ec);
    root_ = ec ? root : c.string();
    while (root_.size() > 1 && root_.back() == '/')
        root_.pop_back();
    if (root_ == "/")
        root_.clear();
}

std::optional<std::string> KernelTree::read(const std::string& abs, std::string* err) const
{
    // procfs files report size 0, so they are read to the end; 1 MiB is far
    // more than any file read here.
    constexpr ReadLimits kLimits{.max_bytes = 1 << 20, .too_big = ErrorKind::Kernel};
    const std::string full = path(abs);
    try {
        return read_file(full, kLimits);
    } catch (const Error& e) {
        // Not thrown: what cannot be read becomes a fact that names it. The
        // message names the path as the system has it, not the fixture's.
        if (err) {
            std::string what = e.what();
            if (const size_t at = what.find(full); !root_.empty() && at != std::string::npos)
                what.replace(at, full.size(), abs);
            *err = std::move(what);
        }
        return std::nullopt;
    }
}

std::string KernelTree::resolve(const std::string& abs, std::string& err) const
{
    std::error_code ec;
    const fs::path p = fs::canonical(path(abs), ec);
    if (ec) {
        err = "cannot resolve " + abs + ": " + ec.message();
        return {};
    }
    const std::string s = p.string();
    if (!root_.empty() && !(s.starts_with(root_) && (s.size() == root_.size() || s[root_.size()] == '/'))) {
        err = abs + " leads outside " + root_;
        return {};
    }
    return s.substr(root_.size());
}

} // namespace ldb
