// SPDX-License-Identifier: LGPL-2.1-or-later
#include "base/text.hpp"

#include <cstdio>

namespace ldb {

std::string join(const std::vector<std::string>& v, const char* sep)
{
    std::string out;
    for (size_t i = 0; i < v.size(); i++)
        out += (i ? sep : "") + v[i];
    return out;
}

std::string hex_id(uint64_t id)
{
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(id));
    return buf;
}

} // namespace ldb
