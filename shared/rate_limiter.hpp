#pragma once
// A token bucket: `rate` tokens per second refill a bucket holding at most `burst`.
// Pure arithmetic on time points the caller passes in, so it is testable without clocks.

#include <algorithm>
#include <chrono>

namespace parley {

class TokenBucket {
  public:
    using clock = std::chrono::steady_clock;

    // A rate of 0 turns the limit off: every take succeeds.
    TokenBucket(double rate_per_second, double burst, clock::time_point now)
        : rate_(rate_per_second), burst_(std::max(burst, 1.0)), tokens_(burst_), last_(now) {}

    bool unlimited() const { return rate_ <= 0; }

    // Takes `n` tokens if the bucket holds them at `now`.
    bool try_take(clock::time_point now, double n = 1) {
        if (unlimited()) {
            return true;
        }
        refill(now);
        if (tokens_ < n) {
            return false;
        }
        tokens_ -= n;
        return true;
    }

    double tokens(clock::time_point now) {
        refill(now);
        return tokens_;
    }

  private:
    void refill(clock::time_point now) {
        if (now <= last_) {
            return;
        }
        const std::chrono::duration<double> dt = now - last_;
        tokens_ = std::min(burst_, tokens_ + dt.count() * rate_);
        last_ = now;
    }

    double rate_;
    double burst_;
    double tokens_;
    clock::time_point last_;
};

}  // namespace parley
