#include <catch2/catch.hpp>

#include "load/report.hpp"

using namespace parley::load;

TEST_CASE("median and spread") {
    auto s = spread_of({3, 1, 2});
    CHECK(s.median == 2);
    CHECK(s.min == 1);
    CHECK(s.max == 3);
    s = spread_of({4, 1, 2, 3});
    CHECK(s.median == 2.5);
    s = spread_of({});
    CHECK(s.median == 0);
}

TEST_CASE("a comparison names each target once with its ratio") {
    std::vector<RunResult> runs;
    for (int rep = 1; rep <= 3; ++rep) {
        for (const char* t : {"parley", "redis"}) {
            RunResult r;
            r.target = t;
            r.scenario = "fanout";
            r.repeat = rep;
            StepResult s;
            s.deliveries_per_s = std::string(t) == "parley" ? 1000.0 * rep : 500.0 * rep;
            r.steps.push_back(s);
            runs.push_back(r);
        }
    }
    ReportOptions o;
    const std::string table = format_comparison(runs, o);
    CHECK(table.find("parley / redis: deliveries/s 2.00x") != std::string::npos);
    const std::string json = format_json(runs, o, {{"--scenario", "fanout"}});
    CHECK(json.find("\"summary\"") != std::string::npos);
    CHECK(json.find("\"median\":2000") != std::string::npos);
}

TEST_CASE("plot data: one block per target, one line per rate, medians over repeats") {
    std::vector<RunResult> runs;
    for (int rep = 1; rep <= 3; ++rep) {
        RunResult r;
        r.target = "parley";
        for (double rate : {10.0, 15.0}) {
            StepResult s;
            s.rate_per_publisher = rate;
            s.deliveries_per_s = rate * 100 * rep;
            s.latency.p50_us = 1000;
            s.latency.p99_us = 2000 * rep;
            r.steps.push_back(s);
        }
        runs.push_back(r);
    }
    const std::string d = format_plot_data(runs);
    CHECK(d == "# parley\n2000 1 4\n3000 1 4\n\n\n");
}

TEST_CASE("a comparison reports server CPU per million deliveries") {
    std::vector<RunResult> runs;
    for (const char* t : {"parley", "redis"}) {
        RunResult r;
        r.target = t;
        r.scenario = "fanout";
        StepResult s;
        // parley: a full core for 10M/s = 100 ms per million; redis: a full core for 4M/s.
        s.deliveries_per_s = std::string(t) == "parley" ? 10e6 : 4e6;
        s.server_cpu = 100;
        r.steps.push_back(s);
        runs.push_back(r);
    }
    ReportOptions o;
    const std::string table = format_comparison(runs, o);
    CHECK(table.find("CPU ms/M") != std::string::npos);
    CHECK(table.find(" 100.0 ") != std::string::npos);
    CHECK(table.find(" 250.0 ") != std::string::npos);
    CHECK(table.find("CPU per delivery 0.40x") != std::string::npos);
    const std::string json = format_json(runs, o, {{"--scenario", "fanout"}});
    CHECK(json.find(R"("server_cpu_ms_per_million":{"median":100,)") != std::string::npos);
}
