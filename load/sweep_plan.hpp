#pragma once
// Which rate a sweep tries next, given the outcomes so far. No sockets and no clock: the
// sweep runner asks next(), runs that step and record()s its outcome.
//
// The climb multiplies the rate by `factor` after every step, passed or failed, until
// `max_fails` steps in a row have failed: a server that batches only under load (NATS writes
// one message per subscriber per send until it is loaded) can fail a middle rate and pass
// higher ones, and the climb must get there. Then it bisects, at geometric midpoints, between
// the highest rate that passed and the lowest failed rate above it, until the two are within
// `precision` of each other. A step that failed only on latency gets one more try at the same
// rate before it counts as failed (a moment of noise on a shared machine). `max_steps` bounds
// the whole sweep, retries and bisection included.

#include <optional>
#include <string_view>
#include <vector>

namespace parley::load {

struct SweepSettings {
    double start_rate = 100;
    double factor = 1.5;
    int max_fails = 3;
    double precision = 0.03;
    int max_steps = 30;
};

enum class SweepStepKind { climb, retry, bisect };
std::string_view sweep_step_name(SweepStepKind k);

enum class StepOutcome { passed, failed, failed_latency_only };

class SweepPlan {
  public:
    struct Step {
        double rate = 0;
        SweepStepKind kind = SweepStepKind::climb;
    };

    explicit SweepPlan(const SweepSettings& settings);

    // The step to run next; nullopt when the sweep is over.
    std::optional<Step> next() const { return next_; }
    // The outcome of the step next() gave.
    void record(StepOutcome outcome);

    int steps_run() const { return steps_; }
    // Stopped by max_steps while it still had steps to run.
    bool capped() const { return capped_; }
    // The highest rate that passed (0: none did), and the lowest failed rate above it (0: no
    // step above it failed).
    double highest_passed() const { return lo_; }
    double lowest_failed_above() const;

  private:
    void plan_bisection();

    SweepSettings s_;
    std::optional<Step> next_;
    int steps_ = 0;
    int fails_in_row_ = 0;
    bool climbing_ = true;
    bool capped_ = false;
    double lo_ = 0;
    std::vector<double> failed_;
};

}  // namespace parley::load
