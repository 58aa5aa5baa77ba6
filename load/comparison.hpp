#pragma once
// The figures a comparison shows, shared by its table and its JSON: per target the medians
// and spread of its repeats, and the first target's ratio to each other one.

#include <string>
#include <vector>

#include "load/report.hpp"

namespace parley::load {

// The targets of the runs, in the order they first appear.
std::vector<std::string> targets_in_order(const std::vector<RunResult>& runs);

// The step a run is judged by: a sweep's best sustained step, or a plain run's first step;
// nullptr when there is none.
const StepResult* headline_step(const RunResult& r, bool sweep);

struct ComparisonRow {
    std::string target;
    // cpu_ms_per_m: milliseconds of server CPU per million deliveries, the cost of a delivery
    // independent of how far each server's sweep got.
    Spread deliveries, published, p50, p99, p999, srv_cpu, cpu_ms_per_m, peak_mib;
    Spread kib_per_connection;  // idle: server memory per connection
    int runs = 0, passed = 0;
};

// One row per target, in the order they first appear.
std::vector<ComparisonRow> comparison_rows(const std::vector<RunResult>& runs, bool sweep);

// The first target's figures divided by another's, each ratio taken within one repeat (so a
// noisy minute, which falls on both, cancels out), then median and spread over the repeats.
struct RatioRow {
    std::string numerator, denominator;
    int repeats = 0;  // repeats in which both had a headline step
    Spread deliveries, p50, p99, cpu_per_delivery;
    Spread kib_per_connection;  // idle
};

std::vector<RatioRow> comparison_ratios(const std::vector<RunResult>& runs, bool sweep);

}  // namespace parley::load
