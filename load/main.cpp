// parley-load: the load client. See docs/benchmarks.md for the scenarios and how to read the
// report; scripts/load-test starts the servers and calls this.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>

#include <fmt/format.h>

#include "load/blaster.hpp"
#include "load/engine.hpp"
#include "load/proc.hpp"
#include "load/run.hpp"
#include "load/scenarios/scenario.hpp"

using namespace parley::load;

namespace {

void on_signal(int) {
    g_interrupted.store(true);
}

// PROTO=HOST:PORT[/PID][,connect-concurrency=N], e.g. parley=127.0.0.1:4000/1234. PROTO may
// carry a label after a colon: redis:mine=127.0.0.1:6379,
// parley:parley@baseline/build=127.0.0.1:4001/1235. IRC servers are all PROTO irc, named by
// their labels: irc:ngircd=127.0.0.1:6667/1236,connect-concurrency=10. websocket is Parley's
// browser protocol at /ws on its --http-listen: websocket=127.0.0.1:8080/1234.
Target parse_target(const std::string& spec) {
    static const std::regex re(
        R"(^(parley|redis|nats|irc|websocket)(?::([A-Za-z0-9_.@/+-]+))?=([0-9.]+):([0-9]+))"
        R"((?:/([0-9]+))?)"
        R"((?:,connect-concurrency=([1-9][0-9]*))?$)");
    std::smatch m;
    if (!std::regex_match(spec, m, re)) {
        throw CLI::ValidationError(
            "--target",
            "expected PROTO[:LABEL]=HOST:PORT[/PID][,connect-concurrency=N], got " + spec);
    }
    Target t;
    t.protocol = *parse_protocol(m[1].str());
    t.label = m[2].matched ? m[2].str() : m[1].str();
    t.host = m[3].str();
    t.port = static_cast<std::uint16_t>(std::stoi(m[4].str()));
    t.pid = m[5].matched ? std::stoi(m[5].str()) : 0;
    t.connect_concurrency = m[6].matched ? std::stoi(m[6].str()) : 0;
    return t;
}

// The run's options as `t` gets them.
ScenarioOptions options_for(const ScenarioOptions& o, const Target& t) {
    ScenarioOptions ot = o;
    if (t.connect_concurrency > 0) {
        ot.connect_concurrency = t.connect_concurrency;
    }
    return ot;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "parley-load: measure a chat or pub/sub server under load (Parley, Redis, NATS, IRC, "
        "WebSocket)"};
    // scripts/load-test passes per-scenario defaults first; the user's flags after them win.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    ScenarioOptions o;
    std::vector<std::string> target_specs;
    int repeat = 1;
    std::string json_file, plot_file;
    int cpu = -1;
    bool selftest = false;
    std::string selftest_protocol = "parley";
    int blaster_cpu = -1;
    int blaster_batch = 64;
    bool no_progress = false, force_progress = false;

    app.add_option("--target", target_specs,
                   "PROTO[:LABEL]=HOST:PORT[/PID][,connect-concurrency=N]; repeat to compare "
                   "servers (PROTO parley, redis, nats, irc or websocket; PID: CPU and memory from "
                   "/proc; N: "
                   "--connect-concurrency for this server)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    bool free_port = false;
    std::vector<std::string> summarize_files;
    app.add_option("--summarize", summarize_files,
                   "print the comparison of runs saved with --json by earlier invocations (one "
                   "file per repeat), and with --json write them as one document")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("--free-port", free_port, "print a free loopback TCP port and exit (for scripts)");
    app.add_option("--scenario", o.scenario, "fanout, chatty, rooms, idle, churn or slow")
        ->check(CLI::IsMember(scenario_names()))
        ->capture_default_str();
    app.add_option("--clients", o.clients,
                   "receivers (fanout, slow, churn), members (chatty), connections (idle)")
        ->capture_default_str();
    app.add_option("--publishers", o.publishers, "publishing clients (fanout, slow, churn)")
        ->capture_default_str();
    app.add_option("--rooms", o.rooms, "rooms (rooms)")->capture_default_str();
    app.add_option("--members", o.members, "members per room (rooms, idle)")->capture_default_str();
    app.add_option("--rate", o.rate, "messages per second per publisher (sweep: the first step)")
        ->capture_default_str();
    app.add_option("--size", o.size, "payload bytes")
        ->check(CLI::Range(kMinPayloadSize, kMaxPayloadSize))
        ->capture_default_str();
    app.add_option("--warmup", o.warmup, "seconds of publishing before measuring")
        ->capture_default_str();
    app.add_option("--duration", o.duration, "seconds measured (per sweep step)")
        ->capture_default_str();
    app.add_option("--drain-timeout", o.drain_timeout,
                   "seconds to wait for deliveries after publishing stops")
        ->capture_default_str();
    app.add_option("--connect-timeout", o.connect_timeout,
                   "seconds for all clients to connect and join")
        ->capture_default_str();
    app.add_option("--max-connections", o.max_connections,
                   "refuse scenarios needing more connections")
        ->capture_default_str();
    app.add_option("--sources", o.sources,
                   "spread connections over this many loopback source addresses, 127.0.0.1 "
                   "up (0: more only past 25,000 connections)")
        ->check(CLI::Range(0, 254))
        ->capture_default_str();
    app.add_option("--connect-concurrency", o.connect_concurrency,
                   "connections being set up at once")
        ->capture_default_str();
    app.add_option("--slow", o.slow, "clients that never read (slow)")->capture_default_str();
    app.add_option("--churn-rate", o.churn_rate, "new connections per second (churn)")
        ->capture_default_str();
    app.add_option("--churn-messages", o.churn_messages, "lines each churning client sends")
        ->capture_default_str();
    app.add_flag("--sweep", o.sweep,
                 "find the highest sustained rate: climb, then bisect between pass and fail");
    app.add_option("--sweep-factor", o.sweep_factor, "rate multiplier between climbing steps")
        ->check(CLI::Range(1.01, 100.0))
        ->capture_default_str();
    app.add_option("--sweep-fails", o.sweep_fails,
                   "failed steps in a row that end the climb (then it bisects)")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    app.add_option("--sweep-precision", o.sweep_precision,
                   "bisect until the highest pass and lowest fail are this close (0.03: 3 %)")
        ->check(CLI::Range(0.001, 1.0))
        ->capture_default_str();
    app.add_option("--sweep-steps", o.sweep_steps,
                   "most sweep steps in all, retries and bisection included")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    app.add_option("--p99-limit", o.p99_limit_ms, "sweep: p99 latency limit in ms")
        ->capture_default_str();
    app.add_option("--repeat", repeat, "runs per target, interleaved across targets")
        ->capture_default_str();
    app.add_option("--json", json_file, "also write the figures as JSON to this file");
    app.add_option("--plot-data", plot_file, "write the sweep as gnuplot data to this file");
    app.add_option("--cpu", cpu, "pin the load client to this CPU");
    app.add_option("--server-core", o.server_core,
                   "the CPU the server is pinned to: report how busy that core was");
    app.add_flag("--no-progress", no_progress, "no live progress line");
    app.add_flag("--progress", force_progress,
                 "live progress line even when stderr is not a terminal");
    app.add_flag("--selftest", selftest,
                 "measure the client itself against an in-process blaster (no server)");
    app.add_option("--selftest-protocol", selftest_protocol,
                   "parley, redis, nats, irc or websocket framing for --selftest")
        ->check(CLI::IsMember({"parley", "redis", "nats", "irc", "websocket"}));
    app.add_option("--blaster-cpu", blaster_cpu, "pin the self-test blaster thread to this CPU");
    app.add_option("--blaster-batch", blaster_batch, "messages per blaster write")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    if (free_port) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            return 1;
        }
        fmt::print("{}\n", ntohs(a.sin_port));
        ::close(fd);
        return 0;
    }

    if (!summarize_files.empty()) {
        // Runs made by separate invocations (the idle scenario needs a fresh server each time):
        // their comparison, numbered as repeats in the order given.
        std::vector<RunResult> all;
        try {
            int rep = 0;
            for (const auto& file : summarize_files) {
                std::ifstream in(file);
                const std::string text((std::istreambuf_iterator<char>(in)),
                                       std::istreambuf_iterator<char>());
                ++rep;
                for (RunResult& r : runs_from_json(text)) {
                    r.repeat = rep;
                    all.push_back(std::move(r));
                }
            }
        } catch (const std::exception& e) {
            fmt::print(stderr, "parley-load: --summarize: {}\n", e.what());
            return 2;
        }
        ReportOptions sro;
        sro.sweep = o.sweep;
        sro.p99_limit_ms = o.p99_limit_ms;
        fmt::print("{}", format_comparison(all, sro));
        if (!json_file.empty()) {
            std::ofstream(json_file) << format_json(all, sro, {});
        }
        bool pass = !all.empty();
        for (const auto& r : all) {
            pass = pass && r.pass;
        }
        return pass ? 0 : 1;
    }

    std::vector<Target> targets;
    try {
        for (const auto& s : target_specs) {
            targets.push_back(parse_target(s));
        }
    } catch (const CLI::Error& e) {
        return app.exit(e);
    }
    if (!selftest && targets.empty()) {
        fmt::print(stderr, "parley-load: give --target PROTO=HOST:PORT (or --selftest)\n");
        return 2;
    }
    // A protocol's own line limit (IRC's 512 bytes) caps the payload below --size's range.
    std::vector<Protocol> protocols;
    for (const auto& t : targets) {
        protocols.push_back(t.protocol);
    }
    if (selftest) {
        protocols.push_back(*parse_protocol(selftest_protocol));
    }
    for (Protocol p : protocols) {
        const std::size_t max = protocol_traits(p).max_payload;
        if (max > 0 && o.size > max) {
            fmt::print(stderr, "parley-load: --size {} is over {}'s limit of {} payload bytes\n",
                       o.size, protocol_name(p), max);
            return 2;
        }
    }
    if (o.sweep && (o.scenario == "idle" || o.scenario == "churn")) {
        fmt::print(
            stderr,
            "parley-load: --sweep needs a publishing scenario (fanout, chatty, rooms, slow)\n");
        return 2;
    }

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    const std::uint64_t fd_limit = raise_fd_limit();
    if (cpu >= 0) {
        if (pin_to_cpu(cpu)) {
            o.client_core = cpu;
        } else {
            fmt::print(stderr, "parley-load: cannot pin to CPU {}\n", cpu);
        }
    }
    o.progress =
        !no_progress && (force_progress || isatty(STDERR_FILENO)) && o.warmup + o.duration > 3;

    ReportOptions ro;
    ro.sweep = o.sweep;
    ro.p99_limit_ms = o.p99_limit_ms;
    std::vector<RunResult> results;
    int run_id = static_cast<int>(getpid() % 100000) * 100;

    if (selftest) {
        // Receivers only; the blaster is the publisher.
        o.publishers = 0;
        const Protocol p = *parse_protocol(selftest_protocol);
        for (int rep = 1; rep <= repeat && !g_interrupted; ++rep) {
            o.run_id = run_id++;
            Blaster blaster(p, fmt::format("lt{}", o.run_id), o.clients, o.size, blaster_batch,
                            blaster_cpu);
            ExternalPublishers ext;
            ext.count = 1;
            ext.sent = [&](int) { return blaster.sent(); };
            ext.set_publishing = [&](bool on) { blaster.set_publishing(on); };
            Target t;
            t.label = fmt::format("selftest-{}", selftest_protocol);
            t.protocol = p;
            t.port = blaster.port();
            RunResult r = run_scenario(t, o, &ext);
            r.repeat = repeat > 1 ? rep : 0;
            fmt::print("{}", format_run(r, ro));
            std::fflush(stdout);
            results.push_back(std::move(r));
        }
    } else {
        for (const auto& t : targets) {
            const int need = connections_needed(options_for(o, t), t.protocol);
            if (need > o.max_connections || static_cast<std::uint64_t>(need) + 64 > fd_limit) {
                fmt::print(stderr,
                           "parley-load: the scenario needs {} connections; --max-connections is "
                           "{}, descriptor limit {}\n",
                           need, o.max_connections, fd_limit);
                return 2;
            }
        }
        // Interleaved: run 1 of every target, then run 2 of every target, ... so that a noisy
        // minute on a shared machine falls on all of them alike.
        for (int rep = 1; rep <= repeat && !g_interrupted; ++rep) {
            for (const auto& t : targets) {
                if (g_interrupted) {
                    break;
                }
                o.run_id = run_id++;
                RunResult r = run_scenario(t, options_for(o, t));
                if (t.connect_concurrency > 0) {
                    r.notes.push_back(
                        fmt::format("connected {} at a time (this server's connect-concurrency)",
                                    t.connect_concurrency));
                }
                r.repeat = repeat > 1 ? rep : 0;
                fmt::print("{}", format_run(r, ro));
                std::fflush(stdout);
                results.push_back(std::move(r));
            }
        }
    }
    if (targets.size() > 1 || repeat > 1) {
        fmt::print("\n{}", format_comparison(results, ro));
    }
    std::map<std::string, std::string> opts;
    for (const auto* opt : app.get_options()) {
        if (opt->count() > 0 && opt->get_name() != "--help") {
            std::string v;
            for (const auto& s : opt->results()) {
                v += (v.empty() ? "" : " ") + s;
            }
            opts[opt->get_name()] = v;
        }
    }
    if (!json_file.empty()) {
        std::ofstream(json_file) << format_json(results, ro, opts);
    }
    if (!plot_file.empty()) {
        std::ofstream(plot_file) << format_plot_data(results);
    }
    bool pass = !results.empty();
    for (const auto& r : results) {
        pass = pass && r.pass;
    }
    if (g_interrupted) {
        return 130;
    }
    return pass ? 0 : 1;
}
