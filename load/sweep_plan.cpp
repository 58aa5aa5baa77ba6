#include "load/sweep_plan.hpp"

#include <algorithm>
#include <cmath>

namespace parley::load {

std::string_view sweep_step_name(SweepStepKind k) {
    switch (k) {
        case SweepStepKind::climb:
            return "climb";
        case SweepStepKind::retry:
            return "retry";
        case SweepStepKind::bisect:
            return "bisect";
    }
    return "?";
}

SweepPlan::SweepPlan(const SweepSettings& settings) : s_(settings) {
    s_.max_fails = std::max(1, s_.max_fails);
    next_ = Step{s_.start_rate, SweepStepKind::climb};
    if (s_.max_steps <= 0) {
        next_.reset();
    }
}

double SweepPlan::lowest_failed_above() const {
    double hi = 0;
    for (double f : failed_) {
        if (f > lo_ && (hi == 0 || f < hi)) {
            hi = f;
        }
    }
    return hi;
}

void SweepPlan::record(StepOutcome outcome) {
    if (!next_) {
        return;
    }
    const Step step = *next_;
    ++steps_;
    if (outcome == StepOutcome::failed_latency_only && step.kind != SweepStepKind::retry) {
        next_ = Step{step.rate, SweepStepKind::retry};
    } else {
        const bool passed = outcome == StepOutcome::passed;
        if (passed) {
            lo_ = std::max(lo_, step.rate);
        } else {
            failed_.push_back(step.rate);
        }
        if (climbing_) {
            fails_in_row_ = passed ? 0 : fails_in_row_ + 1;
            climbing_ = fails_in_row_ < s_.max_fails;
        }
        if (climbing_) {
            next_ = Step{step.rate * s_.factor, SweepStepKind::climb};
        } else {
            plan_bisection();
        }
    }
    if (next_ && steps_ >= s_.max_steps) {
        capped_ = true;
        next_.reset();
    }
}

// Between the highest rate that passed and the lowest failed one above it: every rate above
// the highest pass failed, so the ceiling lies in between.
void SweepPlan::plan_bisection() {
    const double hi = lowest_failed_above();
    if (lo_ <= 0 || hi <= 0 || hi <= lo_ * (1 + s_.precision)) {
        next_.reset();  // nothing passed, or converged
        return;
    }
    next_ = Step{std::sqrt(lo_ * hi), SweepStepKind::bisect};
}

}  // namespace parley::load
