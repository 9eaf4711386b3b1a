// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sleep_hooks.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace ldb {

std::vector<std::string> run_sleep_hooks(const std::string& dir, const std::string& phase,
                                         const std::string& operation)
{
    std::vector<std::string> failures;
    std::vector<std::filesystem::path> hooks;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        std::error_code ec2;
        if (e.is_regular_file(ec2) && ::access(e.path().c_str(), X_OK) == 0)
            hooks.push_back(e.path());
    }
    if (ec && ec != std::errc::no_such_file_or_directory)
        failures.push_back("cannot list " + dir + ": " + ec.message());
    std::sort(hooks.begin(), hooks.end());
    for (const auto& h : hooks) {
        const std::string path = h.string();
        std::vector<char*> argv{const_cast<char*>(path.c_str()), const_cast<char*>(phase.c_str()),
                                const_cast<char*>(operation.c_str()), nullptr};
        pid_t pid = 0;
        const int err = ::posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv.data(), environ);
        if (err != 0) {
            failures.push_back(path + ": cannot start: " + std::strerror(err));
            continue;
        }
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failures.push_back(path + " " + phase + " " + operation + ": " +
                               (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                                  : "killed by signal " + std::to_string(WTERMSIG(status))));
    }
    return failures;
}

} // namespace ldb
