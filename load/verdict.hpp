#pragma once
// What a measured step's figures mean: which side ran out of CPU first, and whether the step
// was sustained (and if not, why). Pure functions of the figures, shared by every scenario.

#include <string>

#include "load/report.hpp"

namespace parley::load {

// "server", "client", "neither", or which core was full without its process being so.
// CPU figures are % of one core; a negative server CPU means unknown (a remote server).
std::string bottleneck_of(double server_cpu, double client_cpu, double server_core_busy,
                          double client_core_busy);

struct VerdictRules {
    bool publishes = true;   // the client published: the target rates must be reached
    bool check_p99 = false;  // sweeps: p99 over the limit fails the step
    double p99_limit_ms = 50;
};

// Sets s.sustained and s.why from the step's figures.
void judge_step(StepResult& s, const VerdictRules& rules);

// Whether a failed step failed on its p99 alone (everything else was met).
bool fails_only_on_latency(const StepResult& s, const VerdictRules& rules);

// Lost, duplicated, out-of-order, misrouted or corrupt deliveries, or healthy clients
// disconnected: a failure of the server, not of its speed.
bool integrity_failed(const StepResult& s);

}  // namespace parley::load
