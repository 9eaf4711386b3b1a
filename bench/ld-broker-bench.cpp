// SPDX-License-Identifier: LGPL-2.1-or-later
// ld-broker-bench: the measuring pieces of the broker benchmark
// (bench/broker-bench-guest.sh). Every time is CLOCK_MONOTONIC, so figures
// from different processes of one guest can be subtracted.
//
//   ld-broker-bench rtt SESSION CALLS AUTH_CALLS
//       In SESSION (a logind session id, the caller's own): round trips of
//       our read-only calls against logind's, and of RequestException +
//       ReleaseException against polkit's CheckAuthorization, all through
//       this one client and interleaved. Prints one JSON object.
//   ld-broker-bench lock-cycle SESSION GRANT_ID [PIN_DIR]
//       Root: calls logind's LockSession(SESSION) and times its reply, the
//       Lock signal, and the moment no key of GRANT_ID (hex) is left in the
//       pinned ld_grants map. Prints one JSON object.
//   ld-broker-bench probe INTERVAL_US OUT
//       In a session: asks the broker for a dev-mem exception
//       (RequestException), then opens /dev/mem every INTERVAL_US until the
//       kernel refuses (EPERM). Writes the exception id (hex) to OUT.ready
//       after the first allowed open, and the refusal's time (ns) to OUT.
//       Needs CAP_SYS_RAWIO (a copy with that file capability).
//   ld-broker-bench flood DEVICE SECONDS [fork]
//       Opens DEVICE in a loop for SECONDS, every open must be refused; with
//       "fork" each attempt is a new process. Prints one JSON object with
//       the attempts and this process's (and its children's) CPU time.
//   ld-broker-bench counters [PIN_DIR]
//       The kernel's counters, summed over reasons and CPUs, as JSON.

#include <sdbus-c++/sdbus-c++.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <map>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "base/bus_names.hpp"
#include "lockdown-broker.h"

namespace {

namespace names = ldb::bus_names;
constexpr const char* kLogind = "org.freedesktop.login1";
constexpr const char* kLogindPath = "/org/freedesktop/login1";
constexpr const char* kLogindManager = "org.freedesktop.login1.Manager";
constexpr const char* kLogindSession = "org.freedesktop.login1.Session";
constexpr const char* kPolkit = "org.freedesktop.PolicyKit1";
constexpr const char* kPolkitPath = "/org/freedesktop/PolicyKit1/Authority";
constexpr const char* kPolkitAuthority = "org.freedesktop.PolicyKit1.Authority";
constexpr const char* kProps = "org.freedesktop.DBus.Properties";

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

uint64_t now_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

uint64_t parse_u64(const char* s, int base, const char* what)
{
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(s, &end, base);
    if (errno || !end || *end || end == s)
        throw Failure(std::string("invalid ") + what + ": '" + s + "'");
    return v;
}

std::string sys_error(const std::string& what)
{
    return what + ": " + std::strerror(errno);
}

// --- rtt ---------------------------------------------------------------------

struct Series {
    const char* name;
    std::vector<uint64_t> ns;
};

double percentile_us(std::vector<uint64_t> v, double p)
{
    if (v.empty())
        throw Failure("no samples");
    std::sort(v.begin(), v.end());
    // Nearest rank.
    size_t rank = size_t(std::ceil(p * double(v.size())));
    rank = std::clamp<size_t>(rank, 1, v.size());
    return double(v[rank - 1]) / 1000.0;
}

template <typename F>
void timed(Series& s, bool record, F&& f)
{
    const uint64_t t0 = now_ns();
    f();
    if (record)
        s.ns.push_back(now_ns() - t0);
}

int cmd_rtt(const char* session_id, uint64_t calls, uint64_t auth_calls)
{
    if (calls == 0 || auth_calls == 0 || auth_calls > calls)
        throw Failure("rtt: need 0 < AUTH_CALLS <= CALLS");
    auto bus = sdbus::createSystemBusConnection();
    auto broker = sdbus::createProxy(*bus, names::kName, names::kPath);
    auto logind = sdbus::createProxy(*bus, kLogind, kLogindPath);
    auto polkit = sdbus::createProxy(*bus, kPolkit, kPolkitPath);

    sdbus::ObjectPath session_path;
    logind->callMethod("GetSession").onInterface(kLogindManager).withArguments(std::string(session_id)).storeResultsTo(session_path);
    auto session = sdbus::createProxy(*bus, kLogind, session_path);

    // The replies are not parsed (except the id we must release): both sides
    // pay the same client cost, and only the services differ.
    auto get = [](sdbus::IProxy& p, const char* iface, const char* prop) {
        auto m = p.createMethodCall(kProps, "Get");
        m << std::string(iface) << std::string(prop);
        p.callMethod(m);
    };
    auto call0 = [](sdbus::IProxy& p, const char* iface, const char* method) { p.callMethod(p.createMethodCall(iface, method)); };
    const std::string me = bus->getUniqueName();
    auto check_auth = [&] {
        auto m = polkit->createMethodCall(kPolkitAuthority, "CheckAuthorization");
        const sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>> subject{
            "system-bus-name", std::map<std::string, sdbus::Variant>{{"name", sdbus::Variant(me)}}};
        // Details are for trusted callers only (polkit refuses them from an
        // unprivileged one); the broker sends two short strings.
        m << subject << std::string(names::action::kRequestException) << std::map<std::string, std::string>{} << uint32_t(0) << std::string();
        auto r = polkit->callMethod(m);
        sdbus::Struct<bool, bool, std::map<std::string, std::string>> result;
        r >> result;
        if (!std::get<0>(result))
            throw Failure(std::string("polkit says ") + names::action::kRequestException +
                          " is not authorized for this session: the benchmark's rules.d file is not in effect");
    };
    uint64_t id = 0;
    auto request = [&] {
        auto m = broker->createMethodCall(names::kInterface, "RequestException");
        m << std::vector<std::string>{"dev-mem"} << uint64_t(300) << std::map<std::string, sdbus::Variant>{};
        auto r = broker->callMethod(m);
        r >> id;
    };
    auto release = [&] {
        auto m = broker->createMethodCall(names::kInterface, "ReleaseException");
        m << id;
        broker->callMethod(m);
    };

    Series version{"broker_get_version", {}}, list{"broker_list_exceptions", {}};
    Series sessions{"logind_list_sessions", {}}, active{"logind_get_session_active", {}};
    Series req{"broker_request_exception", {}}, rel{"broker_release_exception", {}}, pair{"broker_request_release", {}};
    Series pk{"polkit_check_authorization", {}};
    constexpr uint64_t kWarmup = 10;
    const uint64_t stride = calls / auth_calls;
    for (uint64_t i = 0; i < calls + kWarmup; i++) {
        const bool rec = i >= kWarmup;
        timed(version, rec, [&] { get(*broker, names::kInterface, "Version"); });
        timed(sessions, rec, [&] { call0(*logind, kLogindManager, "ListSessions"); });
        timed(list, rec, [&] { call0(*broker, names::kInterface, "ListExceptions"); });
        timed(active, rec, [&] { get(*session, kLogindSession, "Active"); });
        if (i < kWarmup || (i - kWarmup) % stride == 0) {
            const bool arec = rec && pk.ns.size() < auth_calls;
            timed(pk, arec, check_auth);
            const uint64_t t0 = now_ns();
            timed(req, arec, request);
            timed(rel, arec, release);
            if (arec)
                pair.ns.push_back(now_ns() - t0);
        }
    }

    std::printf("{\"calls\":%" PRIu64 ",\"auth_calls\":%zu,\"ops\":{", calls, pk.ns.size());
    const Series* all[] = {&version, &list, &sessions, &active, &req, &rel, &pair, &pk};
    for (size_t i = 0; i < std::size(all); i++)
        std::printf("%s\"%s\":{\"n\":%zu,\"p50_us\":%.1f,\"p99_us\":%.1f}", i ? "," : "", all[i]->name, all[i]->ns.size(),
                    percentile_us(all[i]->ns, 0.5), percentile_us(all[i]->ns, 0.99));
    auto ratio = [](const Series& a, const Series& b, double p) { return percentile_us(a.ns, p) / percentile_us(b.ns, p); };
    std::printf("},\"ratios\":{");
    std::printf("\"get_version_vs_logind_get_p50\":%.2f,\"get_version_vs_logind_get_p99\":%.2f,", ratio(version, active, 0.5),
                ratio(version, active, 0.99));
    std::printf("\"list_exceptions_vs_logind_list_sessions_p50\":%.2f,\"list_exceptions_vs_logind_list_sessions_p99\":%.2f,",
                ratio(list, sessions, 0.5), ratio(list, sessions, 0.99));
    std::printf("\"request_vs_polkit_check_p50\":%.2f,\"request_vs_polkit_check_p99\":%.2f,", ratio(req, pk, 0.5),
                ratio(req, pk, 0.99));
    std::printf("\"request_release_vs_polkit_check_p50\":%.2f,\"request_release_vs_polkit_check_p99\":%.2f}}\n",
                ratio(pair, pk, 0.5), ratio(pair, pk, 0.99));
    return 0;
}

// --- grant map ------------------------------------------------------------------

// Read-only: the bench only looks, and once the broker sealed enforcement
// that is the only fd the kernel gives.
int open_pin(const std::string& dir, const char* name)
{
    const std::string path = dir + "/" + name;
    LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
    const int fd = bpf_obj_get_opts(path.c_str(), &opts);
    if (fd < 0)
        throw Failure(sys_error("opening the pinned map " + path + " (is lockdown-enforce.service active, and are we root?)"));
    return fd;
}

bool grant_present(int map_fd, uint64_t grant_id)
{
    ld_grant_key key{}, next{};
    const void* prev = nullptr;
    while (bpf_map_get_next_key(map_fd, prev, &next) == 0) {
        ld_grant_value v{};
        // A key deleted between the two calls is simply gone.
        if (bpf_map_lookup_elem(map_fd, &next, &v) == 0 && v.grant_id == grant_id)
            return true;
        key = next;
        prev = &key;
    }
    if (errno != ENOENT)
        throw Failure(sys_error("bpf(BPF_MAP_GET_NEXT_KEY) on ld_grants"));
    return false;
}

// --- lock-cycle -------------------------------------------------------------------

int cmd_lock_cycle(const char* session_id, uint64_t grant_id, const std::string& pin_dir)
{
    const int grants = open_pin(pin_dir, "ld_grants");
    if (!grant_present(grants, grant_id)) {
        char hex[17];
        std::snprintf(hex, sizeof(hex), "%016" PRIx64, grant_id);
        throw Failure(std::string("exception ") + hex + " is not in the kernel grant map before the lock");
    }
    auto bus = sdbus::createSystemBusConnection();
    auto logind = sdbus::createProxy(*bus, kLogind, kLogindPath);
    sdbus::ObjectPath session_path;
    logind->callMethod("GetSession").onInterface(kLogindManager).withArguments(std::string(session_id)).storeResultsTo(session_path);

    uint64_t t_signal = 0, t_reply = 0, t_gone = 0;
    std::string call_error;
    // Synchronous (sd_bus_add_match): the rule is in place at the bus before
    // the call below goes out.
    auto match = bus->addMatch(std::string("type='signal',sender='") + kLogind + "',interface='" + kLogindSession +
                                   "',member='Lock',path='" + std::string(session_path) + "'",
                               [&](sdbus::Message&) {
                                   if (!t_signal)
                                       t_signal = now_ns();
                               });

    auto m = logind->createMethodCall(kLogindManager, "LockSession");
    m << std::string(session_id);
    const uint64_t t0 = now_ns();
    auto pending = logind->callMethod(m, [&](sdbus::MethodReply&, const sdbus::Error* e) {
        t_reply = now_ns();
        if (e)
            call_error = e->getName() + ": " + e->getMessage();
    });
    const uint64_t deadline = t0 + 20'000'000'000ull;
    // Sleep between polls: on one vCPU a busy poller would starve the daemon.
    const timespec tick{0, 500'000};
    while (!(t_signal && t_reply && t_gone) && call_error.empty()) {
        if (now_ns() > deadline)
            throw Failure("after 20 s: LockSession reply " + std::string(t_reply ? "seen" : "missing") + ", Lock signal " +
                          (t_signal ? "seen" : "missing") + ", grant " + (t_gone ? "gone" : "still in the kernel map"));
        const auto pd = bus->getEventLoopPollData();
        pollfd p{pd.fd, pd.events, 0};
        ppoll(&p, 1, &tick, nullptr);
        while (bus->processPendingRequest()) {
        }
        if (!t_gone && !grant_present(grants, grant_id))
            t_gone = now_ns();
    }
    if (!call_error.empty())
        throw Failure("LockSession failed: " + call_error);
    close(grants);
    std::printf("{\"t0_ns\":%" PRIu64 ",\"call_to_reply_us\":%.1f,\"call_to_lock_signal_us\":%.1f,\"call_to_map_gone_us\":%.1f}\n", t0,
                double(t_reply - t0) / 1000.0, double(t_signal - t0) / 1000.0, double(t_gone - t0) / 1000.0);
    return 0;
}

// --- probe ------------------------------------------------------------------------

void write_file(const std::string& path, const std::string& text)
{
    const std::string tmp = path + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f)
        throw Failure(sys_error("creating " + tmp));
    const bool ok = std::fputs(text.c_str(), f) >= 0;
    if (std::fclose(f) != 0 || !ok)
        throw Failure(sys_error("writing " + tmp));
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw Failure(sys_error("renaming " + tmp));
}

uint64_t request_dev_mem()
{
    auto bus = sdbus::createSystemBusConnection();
    auto broker = sdbus::createProxy(*bus, names::kName, names::kPath);
    auto m = broker->createMethodCall(names::kInterface, "RequestException");
    m << std::vector<std::string>{"dev-mem"} << uint64_t(300) << std::map<std::string, sdbus::Variant>{};
    uint64_t id = 0;
    broker->callMethod(m) >> id;
    return id;
}

int cmd_probe(uint64_t interval_us, const std::string& out)
{
    const char* device = "/dev/mem";
    char id[17];
    try {
        std::snprintf(id, sizeof(id), "%016" PRIx64, request_dev_mem());
    } catch (const sdbus::Error& e) {
        write_file(out, "error: RequestException: " + e.getName() + ": " + e.getMessage() + "\n");
        return 2;
    }
    const timespec pause{time_t(interval_us / 1000000), long(interval_us % 1000000) * 1000};
    const uint64_t deadline = now_ns() + 60'000'000'000ull;
    bool allowed_once = false;
    while (now_ns() < deadline) {
        const int fd = open(device, O_RDONLY | O_CLOEXEC);
        const uint64_t t = now_ns();
        if (fd >= 0) {
            close(fd);
            if (!allowed_once)
                write_file(out + ".ready", std::string(id) + "\n");
            allowed_once = true;
        } else if (errno == EPERM) {
            if (!allowed_once) {
                write_file(out, "error: the first open of " + std::string(device) + " was already refused (no grant?)\n");
                return 2;
            }
            write_file(out, std::to_string(t) + "\n");
            return 0;
        } else {
            const std::string e = sys_error(std::string("open ") + device);
            write_file(out, "error: " + e + "\n");
            return 2;
        }
        nanosleep(&pause, nullptr);
    }
    write_file(out, "error: still allowed after 60 s\n");
    return 3;
}

// --- flood ------------------------------------------------------------------------

double cpu_ms(int who)
{
    rusage ru{};
    getrusage(who, &ru);
    return (double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

int cmd_flood(const char* device, uint64_t seconds, bool fork_each)
{
    const uint64_t t0 = now_ns();
    const uint64_t end = t0 + seconds * 1000000000ull;
    uint64_t attempts = 0;
    while (now_ns() < end) {
        if (fork_each) {
            const pid_t pid = fork();
            if (pid < 0)
                throw Failure(sys_error("fork"));
            if (pid == 0) {
                const int fd = open(device, O_RDONLY | O_CLOEXEC);
                _exit(fd < 0 && errno == EPERM ? 0 : 1);
            }
            int st = 0;
            if (waitpid(pid, &st, 0) < 0)
                throw Failure(sys_error("waitpid"));
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                throw Failure(std::string("a flood child was not refused by lockdown (open ") + device +
                              " did not fail with EPERM): is the flooder outside every grant?");
        } else {
            const int fd = open(device, O_RDONLY | O_CLOEXEC);
            if (fd >= 0 || errno != EPERM)
                throw Failure(fd >= 0 ? std::string("open ") + device + " was allowed: the flooder must be outside every grant"
                                      : sys_error(std::string("open ") + device));
        }
        attempts++;
    }
    const double wall_s = double(now_ns() - t0) / 1e9;
    std::printf("{\"mode\":\"%s\",\"seconds\":%.2f,\"attempts\":%" PRIu64 ",\"cpu_ms\":%.0f}\n", fork_each ? "fork" : "loop", wall_s,
                attempts, cpu_ms(RUSAGE_SELF) + cpu_ms(RUSAGE_CHILDREN));
    return 0;
}

// --- counters ---------------------------------------------------------------------

int cmd_counters(const std::string& pin_dir)
{
    const int fd = open_pin(pin_dir, "ld_counters");
    const int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0)
        throw Failure("cannot count the possible CPUs");
    std::vector<uint64_t> per_cpu(static_cast<size_t>(ncpu));
    uint64_t by_decision[LD_DECISION__COUNT] = {}, dropped = 0;
    for (uint32_t slot = 0; slot < LD_COUNTER_SLOTS; slot++) {
        if (bpf_map_lookup_elem(fd, &slot, per_cpu.data()) != 0)
            throw Failure(sys_error("reading ld_counters slot " + std::to_string(slot)));
        uint64_t sum = 0;
        for (uint64_t v : per_cpu)
            sum += v;
        if (slot == LD_COUNTER_DROPPED)
            dropped = sum;
        else
            by_decision[slot % LD_DECISION__COUNT] += sum;
    }
    close(fd);
    std::printf("{\"denied\":%" PRIu64 ",\"expired\":%" PRIu64 ",\"granted\":%" PRIu64 ",\"dropped\":%" PRIu64 "}\n",
                by_decision[LD_DECISION_DENY], by_decision[LD_DECISION_EXPIRED], by_decision[LD_DECISION_GRANTED], dropped);
    return 0;
}

int usage()
{
    std::fprintf(stderr, "usage: ld-broker-bench rtt SESSION CALLS AUTH_CALLS\n"
                         "       ld-broker-bench lock-cycle SESSION GRANT_ID_HEX [PIN_DIR]\n"
                         "       ld-broker-bench probe INTERVAL_US OUT\n"
                         "       ld-broker-bench flood DEVICE SECONDS [fork]\n"
                         "       ld-broker-bench counters [PIN_DIR]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2)
        return usage();
    const std::string cmd = argv[1];
    try {
        if (cmd == "rtt" && argc == 5)
            return cmd_rtt(argv[2], parse_u64(argv[3], 10, "CALLS"), parse_u64(argv[4], 10, "AUTH_CALLS"));
        if (cmd == "lock-cycle" && (argc == 4 || argc == 5))
            return cmd_lock_cycle(argv[2], parse_u64(argv[3], 16, "GRANT_ID"), argc == 5 ? argv[4] : LD_PIN_DIR);
        if (cmd == "probe" && argc == 4)
            return cmd_probe(parse_u64(argv[2], 10, "INTERVAL_US"), argv[3]);
        if (cmd == "flood" && (argc == 4 || (argc == 5 && std::strcmp(argv[4], "fork") == 0)))
            return cmd_flood(argv[2], parse_u64(argv[3], 10, "SECONDS"), argc == 5);
        if (cmd == "counters" && argc <= 3)
            return cmd_counters(argc == 3 ? argv[2] : LD_PIN_DIR);
    } catch (const sdbus::Error& e) {
        std::fprintf(stderr, "ld-broker-bench %s: D-Bus error %s: %s\n", cmd.c_str(), e.getName().c_str(), e.getMessage().c_str());
        return 1;
    } catch (const Failure& e) {
        std::fprintf(stderr, "ld-broker-bench %s: %s\n", cmd.c_str(), e.what());
        return 1;
    }
    return usage();
}
