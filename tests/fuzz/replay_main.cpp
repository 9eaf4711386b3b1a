// SPDX-License-Identifier: LGPL-2.1-or-later
// fuzz-replay: runs inputs through the fuzz targets without libFuzzer, so
// that the seed corpora (and any crash reproducer) are exercised by a plain
// g++ build too.
//
//   fuzz-replay ini|policy|records|hibernation|dyndbg|dyndbg_foreign|fstab FILE|DIR...
//
// A directory contributes its regular files, in name order. Fails when no
// input was found at all, so that a missing corpus does not pass silently.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int ldb_fuzz_ini(const uint8_t* data, size_t size);
extern "C" int ldb_fuzz_policy(const uint8_t* data, size_t size);
extern "C" int ldb_fuzz_records(const uint8_t* data, size_t size);
extern "C" int ldb_fuzz_hibernation(const uint8_t* data, size_t size);
extern "C" int ldb_fuzz_dyndbg(const uint8_t* data, size_t size);
extern "C" int ldb_fuzz_dyndbg_foreign(const uint8_t* data, size_t size);
extern "C" int ldb_fuzz_fstab(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: fuzz-replay ini|policy|records|hibernation|dyndbg|dyndbg_foreign|fstab FILE|DIR...\n");
        return 2;
    }
    int (*target)(const uint8_t*, size_t) = nullptr;
    if (std::strcmp(argv[1], "ini") == 0)
        target = ldb_fuzz_ini;
    else if (std::strcmp(argv[1], "policy") == 0)
        target = ldb_fuzz_policy;
    else if (std::strcmp(argv[1], "records") == 0)
        target = ldb_fuzz_records;
    else if (std::strcmp(argv[1], "hibernation") == 0)
        target = ldb_fuzz_hibernation;
    else if (std::strcmp(argv[1], "dyndbg") == 0)
        target = ldb_fuzz_dyndbg;
    else if (std::strcmp(argv[1], "dyndbg_foreign") == 0)
        target = ldb_fuzz_dyndbg_foreign;
    else if (std::strcmp(argv[1], "fstab") == 0)
        target = ldb_fuzz_fstab;
    else {
        std::fprintf(stderr, "fuzz-replay: unknown target '%s'\n", argv[1]);
        return 2;
    }

    std::vector<fs::path> inputs;
    for (int i = 2; i < argc; i++) {
        const fs::path p(argv[i]);
        if (fs::is_directory(p)) {
            std::vector<fs::path> files;
            for (const auto& de : fs::directory_iterator(p))
                if (de.is_regular_file())
                    files.push_back(de.path());
            std::sort(files.begin(), files.end());
            inputs.insert(inputs.end(), files.begin(), files.end());
        } else if (fs::is_regular_file(p)) {
            inputs.push_back(p);
        } else {
            std::fprintf(stderr, "fuzz-replay: %s: no such file or directory\n", argv[i]);
            return 1;
        }
    }
    if (inputs.empty()) {
        std::fprintf(stderr, "fuzz-replay: no inputs found\n");
        return 1;
    }
    for (const auto& p : inputs) {
        std::ifstream f(p, std::ios::binary);
        if (!f) {
            std::fprintf(stderr, "fuzz-replay: cannot read %s\n", p.c_str());
            return 1;
        }
        const std::vector<char> buf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        std::printf("%s (%zu bytes)\n", p.c_str(), buf.size());
        std::fflush(stdout);
        target(reinterpret_cast<const uint8_t*>(buf.data()), buf.size());
    }
    std::printf("fuzz-replay %s: %zu inputs, no crash\n", argv[1], inputs.size());
    return 0;
}
