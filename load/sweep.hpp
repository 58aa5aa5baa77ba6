#pragma once
// Runs a sweep (--sweep) on a connected engine: the steps SweepPlan chooses, each one a full
// step (warm-up, measurement, drain, verdict), all of them listed in the result.

namespace parley::load {

class Engine;

void run_sweep(Engine& e);

}  // namespace parley::load
