#include "load/verdict.hpp"

#include <vector>

#include <fmt/format.h>

namespace parley::load {

std::string bottleneck_of(double server_cpu, double client_cpu, double server_core_busy,
                          double client_core_busy) {
    // Past 90 % of one core a single-threaded process cannot go faster. A core can also be
    // full while the process is not: loopback TCP does much of its work in softirq time
    // charged to the core, and on a shared machine other processes run there too. That is told
    // apart, since it is a different story.
    const bool srv_proc = server_cpu >= 90, cli_proc = client_cpu >= 90;
    const bool srv_core = server_core_busy >= 95, cli_core = client_core_busy >= 95;
    if (srv_proc || cli_proc) {
        return srv_proc && cli_proc ? (server_cpu >= client_cpu ? "server" : "client")
               : srv_proc           ? "server"
                                    : "client";
    }
    if (srv_core && cli_core) {
        return "both cores full (softirq or other processes)";
    }
    if (srv_core) {
        return "server core full (softirq or other processes)";
    }
    if (cli_core) {
        return "client core full (softirq or other processes)";
    }
    return server_cpu < 0 ? "unknown (remote server)" : "neither";
}

bool integrity_failed(const StepResult& s) {
    return s.lost + s.duplicated + s.out_of_order + s.misrouted + s.corrupt > 0 ||
           s.disconnects > 0;
}

bool fails_only_on_latency(const StepResult& s, const VerdictRules& rules) {
    if (s.sustained || !rules.check_p99) {
        return false;
    }
    StepResult without = s;
    VerdictRules no_latency = rules;
    no_latency.check_p99 = false;
    judge_step(without, no_latency);
    return without.sustained;
}

void judge_step(StepResult& s, const VerdictRules& rules) {
    std::vector<std::string> why;
    if (s.lost + s.duplicated + s.out_of_order + s.misrouted + s.corrupt > 0) {
        why.push_back(
            fmt::format("{} lost, {} duplicated, {} out of order, {} misrouted, {} corrupt", s.lost,
                        s.duplicated, s.out_of_order, s.misrouted, s.corrupt));
    }
    if (s.disconnects > 0) {
        why.push_back(fmt::format("{} healthy clients disconnected", s.disconnects));
    }
    if (rules.publishes && s.published_per_s < 0.95 * s.target_published_per_s) {
        why.push_back(fmt::format("published {:.0f}/s of {:.0f}/s", s.published_per_s,
                                  s.target_published_per_s));
    }
    if (rules.publishes && s.deliveries_per_s < 0.95 * s.target_deliveries_per_s) {
        why.push_back(fmt::format("delivered {:.0f}/s of {:.0f}/s", s.deliveries_per_s,
                                  s.target_deliveries_per_s));
    }
    if (rules.check_p99 && s.latency.p99_us > rules.p99_limit_ms * 1000) {
        why.push_back(fmt::format("p99 {:.1f} ms over {:.0f} ms", s.latency.p99_us / 1000,
                                  rules.p99_limit_ms));
    }
    s.sustained = why.empty();
    s.why.clear();
    for (std::size_t i = 0; i < why.size(); ++i) {
        if (i) {
            s.why += "; ";
        }
        s.why += why[i];
    }
}

}  // namespace parley::load
