#include <catch2/catch.hpp>

#include <chrono>

#include "shared/rate_limiter.hpp"

using parley::TokenBucket;
using namespace std::chrono_literals;

namespace {

const TokenBucket::clock::time_point t0 = TokenBucket::clock::time_point{} + 1000s;

}  // namespace

TEST_CASE("TokenBucket allows a full burst at once", "[rate]") {
    const TokenBucket::Rate rate(5, 20);
    TokenBucket bucket(rate, t0);
    CHECK_FALSE(rate.unlimited());
    CHECK(bucket.tokens(rate, t0) == Approx(20));
    for (int i = 0; i < 20; ++i) {
        CAPTURE(i);
        CHECK(bucket.try_take(rate, t0));
    }
    CHECK_FALSE(bucket.try_take(rate, t0));
    CHECK(bucket.tokens(rate, t0) == Approx(0));
}

TEST_CASE("TokenBucket refills at the rate", "[rate]") {
    const TokenBucket::Rate rate(2, 3);
    TokenBucket bucket(rate, t0);
    for (int i = 0; i < 3; ++i) {
        REQUIRE(bucket.try_take(rate, t0));
    }
    CHECK_FALSE(bucket.try_take(rate, t0 + 400ms));  // 0.8 tokens
    CHECK(bucket.try_take(rate, t0 + 500ms));        // 1.0
    CHECK_FALSE(bucket.try_take(rate, t0 + 500ms));  // 0
    CHECK_FALSE(bucket.try_take(rate, t0 + 999ms));  // 0.998
    CHECK(bucket.try_take(rate, t0 + 1000ms));       // 1.0
    CHECK(bucket.tokens(rate, t0 + 1250ms) == Approx(0.5));
}

TEST_CASE("TokenBucket holds no more than the burst", "[rate]") {
    const TokenBucket::Rate rate(10, 4);
    TokenBucket bucket(rate, t0);
    REQUIRE(bucket.try_take(rate, t0));
    CHECK(bucket.tokens(rate, t0 + 1h) == Approx(4));
    int taken = 0;
    while (bucket.try_take(rate, t0 + 1h)) {
        ++taken;
    }
    CHECK(taken == 4);
}

TEST_CASE("TokenBucket takes several tokens at once", "[rate]") {
    const TokenBucket::Rate rate(1, 10);
    TokenBucket bucket(rate, t0);
    CHECK(bucket.try_take(rate, t0, 7));
    CHECK_FALSE(bucket.try_take(rate, t0, 4));
    CHECK(bucket.tokens(rate, t0) == Approx(3));  // a refused take costs nothing
    CHECK(bucket.try_take(rate, t0, 3));
    CHECK_FALSE(bucket.try_take(rate, t0, 0.5));
}

TEST_CASE("TokenBucket with rate 0 is unlimited", "[rate]") {
    const TokenBucket::Rate rate(0, 20);
    TokenBucket bucket(rate, t0);
    CHECK(rate.unlimited());
    for (int i = 0; i < 100000; ++i) {
        if (!bucket.try_take(rate, t0)) {
            FAIL("refused take " << i);
        }
    }
    CHECK(bucket.try_take(rate, t0, 1e9));
    const TokenBucket::Rate none(-1, 1);
    TokenBucket negative(none, t0);
    CHECK(none.unlimited());
    CHECK(negative.try_take(none, t0, 100));
}

TEST_CASE("TokenBucket burst below one still lets one line through", "[rate]") {
    const TokenBucket::Rate rate(1, 0);
    TokenBucket bucket(rate, t0);
    CHECK(bucket.try_take(rate, t0));
    CHECK_FALSE(bucket.try_take(rate, t0));
    CHECK(bucket.try_take(rate, t0 + 1s));
}

TEST_CASE("TokenBucket ignores time going backwards", "[rate]") {
    const TokenBucket::Rate rate(1, 5);
    TokenBucket bucket(rate, t0);
    for (int i = 0; i < 5; ++i) {
        REQUIRE(bucket.try_take(rate, t0));
    }
    // Earlier time points neither refill nor crash nor drain.
    CHECK_FALSE(bucket.try_take(rate, t0 - 10s));
    CHECK(bucket.tokens(rate, t0 - 10s) == Approx(0));
    CHECK(bucket.tokens(rate, t0 - 1h) == Approx(0));
    // Refill resumes from the latest time seen, not from the earlier one.
    CHECK(bucket.tokens(rate, t0 + 1s) == Approx(1));
    CHECK(bucket.try_take(rate, t0 + 1s));
    CHECK_FALSE(bucket.try_take(rate, t0 + 500ms));
    CHECK(bucket.tokens(rate, t0 + 2s) == Approx(1));
}

TEST_CASE("TokenBucket refills gradually over many small steps", "[rate]") {
    const TokenBucket::Rate rate(5, 20);
    TokenBucket bucket(rate, t0);
    for (int i = 0; i < 20; ++i) {
        REQUIRE(bucket.try_take(rate, t0));
    }
    // Sustained 5 lines/s over 10 s: 50 lines, one every 200 ms.
    int accepted = 0;
    for (int ms = 1; ms <= 10000; ++ms) {
        accepted += bucket.try_take(rate, t0 + std::chrono::milliseconds(ms));
    }
    CHECK(accepted >= 49);
    CHECK(accepted <= 50);
}
