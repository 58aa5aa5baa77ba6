#include "load/sweep.hpp"

#include "load/engine.hpp"
#include "load/verdict.hpp"

namespace parley::load {

void run_sweep(Engine& e) {
    const ScenarioOptions& o = e.options();
    RunResult& r = e.result();
    double rate = o.rate;
    bool retried = false;
    for (int i = 0; i < o.sweep_steps && !g_interrupted; ++i) {
        StepResult s = e.run_step(rate);
        const bool ok = s.sustained;
        // Latency alone over the limit may be a moment of noise on a shared machine: that
        // rate gets one more try before it ends the sweep. Loss or disconnects do not.
        const bool latency_only = !ok && !integrity_failed(s);
        r.steps.push_back(std::move(s));
        if (!ok && latency_only && !retried && e.ready_count() > 0) {
            retried = true;
            --i;
            continue;
        }
        if (!ok || e.ready_count() == 0) {
            break;
        }
        retried = false;
        rate *= o.sweep_factor;
    }
    // A sweep is expected to end at a step that failed, not to start with one.
    if (!r.steps.empty() && !r.steps.front().sustained) {
        r.failures.push_back("the first sweep step already failed: " + r.steps.front().why);
    }
    if (!r.steps.empty() && r.steps.back().sustained) {
        r.notes.push_back(
            "the sweep ran out of steps before anything failed: the highest rate is a floor, "
            "not the ceiling (raise --sweep-steps or --rate)");
    }
}

}  // namespace parley::load
