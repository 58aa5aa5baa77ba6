#pragma once
// Runs one scenario against one server: the entry point of parley-load and its tests.

#include "load/options.hpp"
#include "load/report.hpp"

namespace parley::load {

RunResult run_scenario(const Target& target, const ScenarioOptions& options,
                       const ExternalPublishers* external = nullptr);

// The number of connections a scenario opens (checked against the descriptor limit first).
int connections_needed(const ScenarioOptions& o, Protocol p);

}  // namespace parley::load
