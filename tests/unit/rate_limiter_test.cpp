#include <catch2/catch.hpp>

#include <chrono>

#include "shared/rate_limiter.hpp"

using parley::TokenBucket;
using namespace std::chrono_literals;

namespace {

const TokenBucket::clock::time_point t0 = TokenBucket::clock::time_point{} + 1000s;

}  // namespace

TEST_CASE("TokenBucket allows a full burst at once", "[rate]") {
    TokenBucket bucket(5, 20, t0);
    CHECK_FALSE(bucket.unlimited());
    CHECK(bucket.tokens(t0) == Approx(20));
    for (int i = 0; i < 20; ++i) {
        CAPTURE(i);
        CHECK(bucket.try_take(t0));
    }
    CHECK_FALSE(bucket.try_take(t0));
    CHECK(bucket.tokens(t0) == Approx(0));
}

TEST_CASE("TokenBucket refills at the rate", "[rate]") {
    TokenBucket bucket(2, 3, t0);
    for (int i = 0; i < 3; ++i) {
        REQUIRE(bucket.try_take(t0));
    }
    CHECK_FALSE(bucket.try_take(t0 + 400ms));  // 0.8 tokens
    CHECK(bucket.try_take(t0 + 500ms));        // 1.0
    CHECK_FALSE(bucket.try_take(t0 + 500ms));  // 0
    CHECK_FALSE(bucket.try_take(t0 + 999ms));  // 0.998
    CHECK(bucket.try_take(t0 + 1000ms));       // 1.0
    CHECK(bucket.tokens(t0 + 1250ms) == Approx(0.5));
}

TEST_CASE("TokenBucket holds no more than the burst", "[rate]") {
    TokenBucket bucket(10, 4, t0);
    REQUIRE(bucket.try_take(t0));
    CHECK(bucket.tokens(t0 + 1h) == Approx(4));
    int taken = 0;
    while (bucket.try_take(t0 + 1h)) {
        ++taken;
    }
    CHECK(taken == 4);
}

TEST_CASE("TokenBucket takes several tokens at once", "[rate]") {
    TokenBucket bucket(1, 10, t0);
    CHECK(bucket.try_take(t0, 7));
    CHECK_FALSE(bucket.try_take(t0, 4));
    CHECK(bucket.tokens(t0) == Approx(3));  // a refused take costs nothing
    CHECK(bucket.try_take(t0, 3));
    CHECK_FALSE(bucket.try_take(t0, 0.5));
}

TEST_CASE("TokenBucket with rate 0 is unlimited", "[rate]") {
    TokenBucket bucket(0, 20, t0);
    CHECK(bucket.unlimited());
    for (int i = 0; i < 100000; ++i) {
        if (!bucket.try_take(t0)) {
            FAIL("refused take " << i);
        }
    }
    CHECK(bucket.try_take(t0, 1e9));
    TokenBucket negative(-1, 1, t0);
    CHECK(negative.unlimited());
    CHECK(negative.try_take(t0, 100));
}

TEST_CASE("TokenBucket burst below one still lets one line through", "[rate]") {
    TokenBucket bucket(1, 0, t0);
    CHECK(bucket.try_take(t0));
    CHECK_FALSE(bucket.try_take(t0));
    CHECK(bucket.try_take(t0 + 1s));
}

TEST_CASE("TokenBucket ignores time going backwards", "[rate]") {
    TokenBucket bucket(1, 5, t0);
    for (int i = 0; i < 5; ++i) {
        REQUIRE(bucket.try_take(t0));
    }
    // Earlier time points neither refill nor crash nor drain.
    CHECK_FALSE(bucket.try_take(t0 - 10s));
    CHECK(bucket.tokens(t0 - 10s) == Approx(0));
    CHECK(bucket.tokens(t0 - 1h) == Approx(0));
    // Refill resumes from the latest time seen, not from the earlier one.
    CHECK(bucket.tokens(t0 + 1s) == Approx(1));
    CHECK(bucket.try_take(t0 + 1s));
    CHECK_FALSE(bucket.try_take(t0 + 500ms));
    CHECK(bucket.tokens(t0 + 2s) == Approx(1));
}

TEST_CASE("TokenBucket refills gradually over many small steps", "[rate]") {
    TokenBucket bucket(5, 20, t0);
    for (int i = 0; i < 20; ++i) {
        REQUIRE(bucket.try_take(t0));
    }
    // Sustained 5 lines/s over 10 s: 50 lines, one every 200 ms.
    int accepted = 0;
    for (int ms = 1; ms <= 10000; ++ms) {
        accepted += bucket.try_take(t0 + std::chrono::milliseconds(ms));
    }
    CHECK(accepted >= 49);
    CHECK(accepted <= 50);
}
