#pragma once
// A token bucket: `per_second` tokens per second refill a bucket holding at most `burst`.
// Pure arithmetic on time points the caller passes in, so it is testable without clocks.
//
// The rate is given on every call rather than kept in each bucket: every client of a server
// shares the same rates, and a bucket of its own per connection is 16 bytes instead of 32.

#include <algorithm>
#include <chrono>

namespace parley {

class TokenBucket {
  public:
    using clock = std::chrono::steady_clock;

    struct Rate {
        // A rate of 0 (or less) turns the limit off: every take succeeds.
        Rate(double per_second, double burst)
            : per_second(per_second), burst(std::max(burst, 1.0)) {}
        bool unlimited() const { return per_second <= 0; }
        double per_second;
        double burst;
    };

    // Starts full.
    TokenBucket(const Rate& rate, clock::time_point now) : tokens_(rate.burst), last_(now) {}

    // Takes `n` tokens if the bucket holds them at `now`.
    bool try_take(const Rate& rate, clock::time_point now, double n = 1) {
        if (rate.unlimited()) {
            return true;
        }
        refill(rate, now);
        if (tokens_ < n) {
            return false;
        }
        tokens_ -= n;
        return true;
    }

    double tokens(const Rate& rate, clock::time_point now) {
        refill(rate, now);
        return tokens_;
    }

  private:
    void refill(const Rate& rate, clock::time_point now) {
        if (now <= last_) {
            return;
        }
        const std::chrono::duration<double> dt = now - last_;
        tokens_ = std::min(rate.burst, tokens_ + dt.count() * rate.per_second);
        last_ = now;
    }

    double tokens_;
    clock::time_point last_;
};

}  // namespace parley
