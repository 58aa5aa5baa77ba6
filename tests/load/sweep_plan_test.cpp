#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "load/sweep_plan.hpp"

using namespace parley::load;

namespace {

struct Ran {
    double rate;
    SweepStepKind kind;
};

// Runs a plan against a peer that answers each rate, until the plan is done.
std::vector<Ran> sweep(SweepPlan& plan, const std::function<StepOutcome(double)>& peer) {
    std::vector<Ran> ran;
    while (const auto step = plan.next()) {
        ran.push_back({step->rate, step->kind});
        plan.record(peer(step->rate));
        REQUIRE(ran.size() < 1000);
    }
    return ran;
}

std::function<StepOutcome(double)> ceiling(double max_rate) {
    return
        [=](double rate) { return rate <= max_rate ? StepOutcome::passed : StepOutcome::failed; };
}

int count(const std::vector<Ran>& ran, SweepStepKind kind) {
    int n = 0;
    for (const auto& r : ran) {
        n += r.kind == kind ? 1 : 0;
    }
    return n;
}

}  // namespace

TEST_CASE("sweep plan: climbs by the factor from the start rate") {
    SweepPlan plan({100, 2, 3, 0.03, 30});
    const auto ran = sweep(plan, ceiling(1000));
    REQUIRE(ran.size() >= 4);
    CHECK(ran[0].rate == 100);
    CHECK(ran[1].rate == 200);
    CHECK(ran[2].rate == 400);
    CHECK(ran[3].rate == 800);
    CHECK(ran[0].kind == SweepStepKind::climb);
}

TEST_CASE("sweep plan: a failed step does not end the climb") {
    // Passes everything up to 1000 except 200.
    SweepPlan plan({100, 2, 3, 0.03, 30});
    const auto ran = sweep(plan, [](double rate) {
        return rate <= 1000 && rate != 200 ? StepOutcome::passed : StepOutcome::failed;
    });
    REQUIRE(ran.size() >= 4);
    CHECK(ran[2].rate == 400);
    CHECK(ran[3].rate == 800);
    CHECK(plan.highest_passed() > 800);
}

TEST_CASE("sweep plan: the climb ends after N failures in a row") {
    for (int fails : {1, 3, 5}) {
        SweepPlan plan({100, 1.5, fails, 0.03, 100});
        const auto ran = sweep(plan, ceiling(150));
        // 100 and 150 pass, then `fails` climbing steps fail; everything after is bisection
        // below the first of them.
        REQUIRE(count(ran, SweepStepKind::climb) == 2 + fails);
        for (std::size_t i = static_cast<std::size_t>(2 + fails); i < ran.size(); ++i) {
            CHECK(ran[i].kind == SweepStepKind::bisect);
            CHECK(ran[i].rate > 150);
            CHECK(ran[i].rate < 225);
        }
    }
}

TEST_CASE("sweep plan: bisection converges to within the precision, at geometric midpoints") {
    SweepPlan plan({100, 1.5, 3, 0.03, 100});
    const auto ran = sweep(plan, ceiling(1000));
    CHECK_FALSE(plan.capped());
    const double lo = plan.highest_passed(), hi = plan.lowest_failed_above();
    CHECK(lo <= 1000);
    CHECK(hi > 1000);
    CHECK(hi / lo <= 1.03);
    // The first bisection step lies halfway, geometrically, between the highest climbing pass
    // (759.4) and the lowest climbing failure above it (1139.1).
    const auto first = std::find_if(ran.begin(), ran.end(),
                                    [](const Ran& r) { return r.kind == SweepStepKind::bisect; });
    REQUIRE(first != ran.end());
    CHECK(first->rate == Approx(std::sqrt(100 * std::pow(1.5, 5) * 100 * std::pow(1.5, 6))));
    // 1.5x apart -> within 3 %: four halvings of the log interval.
    CHECK(count(ran, SweepStepKind::bisect) == 4);
}

TEST_CASE("sweep plan: a tighter precision bisects further") {
    SweepPlan coarse({100, 1.5, 3, 0.10, 100}), fine({100, 1.5, 3, 0.01, 100});
    const auto a = sweep(coarse, ceiling(1000));
    const auto b = sweep(fine, ceiling(1000));
    CHECK(count(a, SweepStepKind::bisect) < count(b, SweepStepKind::bisect));
    CHECK(fine.lowest_failed_above() / fine.highest_passed() <= 1.01);
    CHECK(coarse.lowest_failed_above() / coarse.highest_passed() <= 1.10);
}

TEST_CASE("sweep plan: a peer that fails, then passes higher up, is bisected up there") {
    // Like NATS: passes at the start, fails in the middle (one send per subscriber), passes
    // again once loaded (batching) up to 1000, fails above.
    SweepPlan plan({100, 1.5, 3, 0.03, 100});
    const auto ran = sweep(plan, [](double rate) {
        const bool middle = rate > 120 && rate < 300;
        return !middle && rate <= 1000 ? StepOutcome::passed : StepOutcome::failed;
    });
    CHECK(plan.highest_passed() <= 1000);
    CHECK(plan.highest_passed() >= 1000 / 1.03);
    for (const auto& r : ran) {
        if (r.kind == SweepStepKind::bisect) {
            CHECK(r.rate > 759);  // bisects the upper region, not the failing middle
        }
    }
}

TEST_CASE("sweep plan: nothing passes: no bisection") {
    SweepPlan plan({100, 1.5, 3, 0.03, 30});
    const auto ran = sweep(plan, ceiling(10));
    CHECK(ran.size() == 3);
    CHECK(plan.highest_passed() == 0);
    CHECK_FALSE(plan.capped());
}

TEST_CASE("sweep plan: the step cap ends the sweep and says so") {
    SECTION("while climbing") {
        SweepPlan plan({100, 1.5, 3, 0.03, 5});
        const auto ran = sweep(plan, ceiling(1e12));
        CHECK(ran.size() == 5);
        CHECK(plan.capped());
        CHECK(plan.lowest_failed_above() == 0);  // no ceiling found: the result is a floor
    }
    SECTION("while bisecting") {
        SweepPlan plan({100, 1.5, 3, 0.03, 9});  // 6 climbing + 3 bisecting, 4 needed
        const auto ran = sweep(plan, ceiling(300));
        CHECK(ran.size() == 9);
        CHECK(plan.capped());
        CHECK(plan.lowest_failed_above() / plan.highest_passed() > 1.03);
    }
    SECTION("not when it converged within the cap") {
        SweepPlan plan({100, 1.5, 3, 0.03, 30});
        sweep(plan, ceiling(300));
        CHECK_FALSE(plan.capped());
    }
}

TEST_CASE("sweep plan: a step failing only on latency gets one more try") {
    SweepPlan plan({100, 2, 1, 0.03, 30});
    plan.record(StepOutcome::passed);  // 100
    REQUIRE(plan.next()->rate == 200);
    plan.record(StepOutcome::failed_latency_only);
    REQUIRE(plan.next());
    CHECK(plan.next()->rate == 200);
    CHECK(plan.next()->kind == SweepStepKind::retry);

    SECTION("a passing retry counts as a pass") {
        plan.record(StepOutcome::passed);
        CHECK(plan.highest_passed() == 200);
        CHECK(plan.next()->rate == 400);
    }
    SECTION("a retry failing on latency again counts as a failure: no third try") {
        plan.record(StepOutcome::failed_latency_only);
        CHECK(plan.highest_passed() == 100);
        CHECK(plan.lowest_failed_above() == 200);
        REQUIRE(plan.next());
        CHECK(plan.next()->kind == SweepStepKind::bisect);  // one failure ends this climb
    }
    SECTION("other failures get no retry") {
        SweepPlan other({100, 2, 3, 0.03, 30});
        other.record(StepOutcome::failed);
        CHECK(other.next()->rate == 200);
        CHECK(other.next()->kind == SweepStepKind::climb);
    }
}
