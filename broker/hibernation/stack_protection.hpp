// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The device-stack analysis of the hibernation check: how well the layers
// below a swap protect an image written to it. Pure: facts in, no I/O.

#include <string>
#include <vector>

#include "hibernation/kernel_facts.hpp"

namespace ldb {

enum class ImageProtection { Authenticated, EncryptedOnly, Unencrypted, Unknown };
std::string to_string(ImageProtection p);

struct StackResult {
    bool judged = false;  // at least one path reached a leaf
    ImageProtection protection = ImageProtection::Authenticated;
    const BlockLayer* culprit = nullptr;   // the layer a message should name
    std::string why;
    const BlockLayer* volatile_layer = nullptr;
};

// Every block written to the top device reaches every leaf below it, so
// each top-to-leaf path is judged and the worst path decides. Along one
// path a layer that encrypts and one that authenticates (the same or two)
// protect the image whatever the other layers do. The result points into
// `layers`.
StackResult judge_stack(const std::vector<BlockLayer>& layers);

} // namespace ldb
