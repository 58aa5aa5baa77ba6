#pragma once
// The figures of a run, and how they are shown: a human table and JSON.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "load/stats.hpp"

namespace parley::load {

struct LatencySummary {
    std::uint64_t count = 0;
    double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
    static LatencySummary of(const Histogram& h);
};

// One measured period at one publishing rate (a plain run has one, a sweep one per rate).
struct StepResult {
    double rate_per_publisher = 0;  // target
    double target_published_per_s = 0;
    double published_per_s = 0;
    double deliveries_per_s = 0;  // received across all checked receivers
    double target_deliveries_per_s = 0;
    double bytes_per_s = 0;  // received bytes, all connections
    LatencySummary latency;
    std::uint64_t lost = 0, duplicated = 0, out_of_order = 0, misrouted = 0, corrupt = 0;
    std::uint64_t disconnects = 0;  // of healthy clients during the step
    double server_cpu = -1;         // % of one core; -1 when unknown (remote server)
    double client_cpu = 0;          // % of one core
    double server_core_busy = -1;   // % busy of the server's core, anyone's work included
    double client_core_busy = -1;
    double server_rss_kib = -1;
    std::string bottleneck;  // "server", "client", "neither"
    bool sustained = true;   // zero loss, rate reached, p99 under the limit
    std::string why;         // what failed, when something did
    std::string sweep_step;  // sweeps: "climb", "retry" (same rate again) or "bisect"
};

struct PublisherResult {
    std::uint32_t id = 0;
    std::uint64_t sent = 0;
    std::uint64_t receivers = 0;
    std::uint64_t lost = 0, duplicated = 0, out_of_order = 0;
};

struct RunResult {
    std::string target;  // label
    std::string protocol;
    std::string scenario;
    int repeat = 0;
    // Connecting
    std::uint64_t clients_wanted = 0;  // connections
    std::uint64_t clients_connected = 0;
    std::uint64_t failed_connects = 0;
    double connect_all_s = 0;  // from the first connect to the last one ready
    LatencySummary connect_join;
    std::vector<StepResult> steps;
    int best_step = -1;                    // the sustained step with the most deliveries/s
    bool sweep_capped = false;             // the sweep stopped at --sweep-steps
    std::vector<std::string> step_labels;  // what each step of a non-sweep run was
    std::vector<PublisherResult> publishers;
    std::map<std::string, std::uint64_t> disconnect_reasons;
    // Scenario-specific figures (idle memory, churn leaks, slow evictions), name -> value.
    std::map<std::string, double> extra;
    std::vector<std::string> notes;
    double server_peak_kib = -1;  // VmHWM
    bool pass = true;
    bool interrupted = false;
    std::vector<std::string> failures;
};

struct ReportOptions {
    bool sweep = false;
    double p99_limit_ms = 50;
};

// The human report of one run.
std::string format_run(const RunResult& r, const ReportOptions& o);

// One table over several targets and repeats: medians with spread, and the first target's
// ratio to each other one (median and spread of the ratios within each repeat).
std::string format_comparison(const std::vector<RunResult>& runs, const ReportOptions& o);

// All runs as one JSON document.
std::string format_json(const std::vector<RunResult>& runs, const ReportOptions& o,
                        const std::map<std::string, std::string>& options);

// The runs of a document format_json wrote, with the figures a comparison uses (their
// identity, steps, peak memory and scenario figures). Throws on a malformed document.
std::vector<RunResult> runs_from_json(const std::string& text);

// gnuplot data: one block per target (the median over repeats of each sweep step):
// delivered/s, p50 ms, p99 ms.
std::string format_plot_data(const std::vector<RunResult>& runs);

// Median and spread (min, max) of a list of numbers.
struct Spread {
    double median = 0, min = 0, max = 0;
};
Spread spread_of(std::vector<double> v);

// A number to two significant digits: 3.38 -> "3.4", 38.7 -> "39", 0.291 -> "0.29". Repeats on
// a shared machine vary by more than the third digit.
std::string two_digits(double v);
// A ratio as "3.4x [3.3..3.5]" (median [min..max]), or "3.4x" without the spread; "n/a" when
// there is none.
std::string format_ratio(const Spread& s, bool with_spread);

}  // namespace parley::load
