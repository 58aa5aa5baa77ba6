#include <catch2/catch.hpp>

#include <cstdint>
#include <random>

#include "load/stats.hpp"

using parley::load::Histogram;
using parley::load::SeqTracker;
using Result = SeqTracker::Result;

TEST_CASE("histogram buckets are contiguous and within 1/128 of the value") {
    std::size_t prev = 0;
    for (std::uint64_t v = 0; v < 200000; ++v) {
        const std::size_t i = Histogram::index_of(v);
        REQUIRE(i >= prev);
        REQUIRE(i <= prev + 1);
        prev = i;
        REQUIRE(Histogram::highest_in(i) >= v);
        REQUIRE(static_cast<double>(Histogram::highest_in(i) - v) <=
                static_cast<double>(v) / 128.0 + 1);
    }
    REQUIRE(Histogram::index_of(UINT64_MAX) < Histogram::kBuckets);
    REQUIRE(Histogram::highest_in(Histogram::index_of(UINT64_MAX)) == UINT64_MAX);
}

TEST_CASE("histogram percentiles of a uniform 1..100000") {
    Histogram h;
    for (std::uint64_t v = 1; v <= 100000; ++v) {
        h.record(v);
    }
    REQUIRE(h.count() == 100000);
    REQUIRE(h.min() == 1);
    REQUIRE(h.max() == 100000);
    REQUIRE(h.mean() == Approx(50000.5));
    REQUIRE(h.percentile(50) == Approx(50000).epsilon(0.01));
    REQUIRE(h.percentile(90) == Approx(90000).epsilon(0.01));
    REQUIRE(h.percentile(99) == Approx(99000).epsilon(0.01));
    REQUIRE(h.percentile(99.9) == Approx(99900).epsilon(0.01));
    REQUIRE(h.percentile(100) == 100000);
    REQUIRE(h.percentile(0) == 1);
}

TEST_CASE("histogram percentiles are exact for small values and never above the max") {
    Histogram h;
    for (int i = 0; i < 99; ++i) {
        h.record(10);
    }
    h.record(1'000'000);
    REQUIRE(h.percentile(50) == 10);
    REQUIRE(h.percentile(99) == 10);
    REQUIRE(h.percentile(99.5) <= 1'000'000);
    REQUIRE(h.percentile(99.5) >= 992'000);
    REQUIRE(h.percentile(100) == 1'000'000);
}

TEST_CASE("histogram of nothing reports zeros; merge and reset") {
    Histogram a, b;
    REQUIRE(a.percentile(99) == 0);
    REQUIRE(a.min() == 0);
    a.record(5);
    b.record(500);
    b.record(7);
    a.merge(b);
    REQUIRE(a.count() == 3);
    REQUIRE(a.min() == 5);
    REQUIRE(a.max() == 500);
    a.reset();
    REQUIRE(a.count() == 0);
    REQUIRE(a.max() == 0);
}

TEST_CASE("histogram agrees with sorting on random data") {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(10, 2);
    Histogram h;
    std::vector<std::uint64_t> v;
    for (int i = 0; i < 50000; ++i) {
        const auto x = static_cast<std::uint64_t>(dist(rng));
        v.push_back(x);
        h.record(x);
    }
    std::sort(v.begin(), v.end());
    for (double p : {50.0, 90.0, 99.0, 99.9}) {
        const auto rank = static_cast<std::size_t>(std::ceil(p / 100 * v.size())) - 1;
        const double exact = static_cast<double>(v[rank]);
        REQUIRE(static_cast<double>(h.percentile(p)) >= exact);
        REQUIRE(static_cast<double>(h.percentile(p)) <= exact * (1 + 1.0 / 128) + 1);
    }
}

TEST_CASE("sequence tracker: in order, nothing lost") {
    SeqTracker t;
    for (std::uint64_t s = 0; s < 1000; ++s) {
        REQUIRE(t.add(s) == Result::in_order);
    }
    REQUIRE(t.unique == 1000);
    REQUIRE(t.lost(1000) == 0);
    REQUIRE(t.duplicates == 0);
    REQUIRE(t.out_of_order == 0);
}

TEST_CASE("sequence tracker: a tail that never came is lost") {
    SeqTracker t;
    for (std::uint64_t s = 0; s < 10; ++s) {
        t.add(s);
    }
    REQUIRE(t.lost(15) == 5);
    SeqTracker none;
    REQUIRE(none.lost(7) == 7);
}

TEST_CASE("sequence tracker: gaps are lost unless they arrive late") {
    SeqTracker t;
    t.add(0);
    REQUIRE(t.add(3) == Result::gap);  // 1 and 2 missing
    REQUIRE(t.lost(4) == 2);
    REQUIRE(t.add(1) == Result::late);
    REQUIRE(t.lost(4) == 1);
    REQUIRE(t.out_of_order == 1);
    REQUIRE(t.add(4) == Result::in_order);
    REQUIRE(t.lost(5) == 1);
    REQUIRE(t.unique == 4);
}

TEST_CASE("sequence tracker: duplicates are told apart from late arrivals") {
    SeqTracker t;
    for (std::uint64_t s = 0; s < 5; ++s) {
        t.add(s);
    }
    REQUIRE(t.add(4) == Result::duplicate);
    REQUIRE(t.add(0) == Result::duplicate);
    REQUIRE(t.duplicates == 2);
    REQUIRE(t.out_of_order == 0);
    REQUIRE(t.unique == 5);
    REQUIRE(t.lost(5) == 0);
    // A duplicate right after a gap.
    t.add(10);
    REQUIRE(t.add(10) == Result::duplicate);
    REQUIRE(t.add(7) == Result::late);
    REQUIRE(t.add(7) == Result::duplicate);
    REQUIRE(t.lost(11) == 4);  // 5, 6, 8, 9 missing; 7 came late
}

TEST_CASE("sequence tracker: a huge gap and very old messages") {
    SeqTracker t;
    t.add(0);
    REQUIRE(t.add(1000) == Result::gap);
    REQUIRE(t.lost(1001) == 999);
    REQUIRE(t.add(1) == Result::old);  // beyond the 64-message window: cannot tell, counted
    REQUIRE(t.out_of_order == 1);
    REQUIRE(t.add(999) == Result::late);
    REQUIRE(t.add(1000) == Result::duplicate);
}

TEST_CASE("sequence tracker: starting from the first message seen") {
    SeqTracker t;
    REQUIRE(t.add(500, true) == Result::in_order);
    REQUIRE(t.add(501, true) == Result::in_order);
    REQUIRE(t.lost(502) == 0);
}
