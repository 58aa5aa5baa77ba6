#include "load/sweep.hpp"

#include <fmt/format.h>

#include "load/engine.hpp"
#include "load/sweep_plan.hpp"
#include "load/verdict.hpp"

namespace parley::load {

void run_sweep(Engine& e) {
    const ScenarioOptions& o = e.options();
    RunResult& r = e.result();
    SweepPlan plan(
        SweepSettings{o.rate, o.sweep_factor, o.sweep_fails, o.sweep_precision, o.sweep_steps});
    int reconnects = 0;
    bool backlog = false;
    while (const auto step = plan.next()) {
        if (g_interrupted) {
            break;
        }
        // An overloaded step may have got clients evicted: the steps after would measure
        // fewer receivers (and pass with none), so everyone connects again first. Likewise
        // when it ended with messages still undelivered: a server that queues instead of
        // evicting (InspIRCd's 8 MiB send queues) would still be working off that backlog
        // through the next steps, whose own messages then wait behind it.
        if (const std::uint64_t lost = e.healthy_lost(); lost > 0 || backlog) {
            if (e.external() != nullptr || !e.reconnect_all()) {
                r.notes.push_back(fmt::format(
                    "the sweep ended early: {} clients were lost and could not all connect again",
                    lost));
                break;
            }
            ++reconnects;
        }
        StepResult s = e.run_step(step->rate);
        s.sweep_step = std::string(sweep_step_name(step->kind));
        backlog = s.lost > 0;
        const VerdictRules rules{s.target_published_per_s > 0, true, o.p99_limit_ms};
        plan.record(s.sustained                       ? StepOutcome::passed
                    : fails_only_on_latency(s, rules) ? StepOutcome::failed_latency_only
                                                      : StepOutcome::failed);
        r.steps.push_back(std::move(s));
    }
    if (reconnects > 0) {
        r.extra["sweep_reconnects"] = reconnects;
        r.notes.push_back(fmt::format(
            "{} time(s) every client connected again after a step had lost some or left "
            "messages undelivered, so that each step measured all of them from a clean start",
            reconnects));
    }
    r.sweep_capped = plan.capped();
    if (r.steps.empty()) {
        return;
    }
    const StepResult& first = r.steps.front();
    if (plan.highest_passed() <= 0) {
        r.failures.push_back("no sweep step was sustained; the first failed with: " + first.why);
    } else if (!first.sustained) {
        r.notes.push_back(
            fmt::format("the first step ({:.0f}/s per publisher) failed but a higher rate passed: "
                        "the server does better under more load",
                        first.rate_per_publisher));
    }
    if (plan.capped() && plan.lowest_failed_above() <= 0) {
        r.notes.push_back(fmt::format(
            "the sweep ran out of steps (--sweep-steps {}) before anything failed: the highest "
            "rate is a floor, not the ceiling (raise --sweep-steps or --rate)",
            o.sweep_steps));
    } else if (plan.capped()) {
        r.notes.push_back(fmt::format(
            "the sweep stopped at --sweep-steps {} before it converged: the ceiling lies between "
            "{:.0f}/s and {:.0f}/s per publisher",
            o.sweep_steps, plan.highest_passed(), plan.lowest_failed_above()));
    }
}

}  // namespace parley::load
