#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "load/comparison.hpp"
#include "load/report.hpp"

using namespace parley::load;
using nlohmann::json;

namespace {

// A run of `target` whose only step delivered `deliveries` a second at `server_cpu` %.
RunResult run_of(const std::string& target, int repeat, double deliveries, double server_cpu = -1) {
    RunResult r;
    r.target = target;
    r.scenario = "fanout";
    r.repeat = repeat;
    StepResult s;
    s.deliveries_per_s = deliveries;
    s.server_cpu = server_cpu;
    r.steps.push_back(s);
    return r;
}

}  // namespace

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

TEST_CASE("two significant digits") {
    CHECK(two_digits(3.38) == "3.4");
    CHECK(two_digits(38.7) == "39");
    CHECK(two_digits(0.291) == "0.29");
    CHECK(two_digits(0.03) == "0.030");
    CHECK(two_digits(2) == "2.0");
    CHECK(two_digits(9.96) == "10");  // rounding adds a digit
    CHECK(two_digits(123.4) == "120");
    CHECK(two_digits(0) == "0");
}

TEST_CASE("a ratio is its median with the spread of the repeats") {
    CHECK(format_ratio(Spread{3.38, 3.31, 3.52}, true) == "3.4x [3.3..3.5]");
    CHECK(format_ratio(Spread{38.7, 37.0, 41.2}, true) == "39x [37..41]");
    CHECK(format_ratio(Spread{3.38, 3.38, 3.38}, false) == "3.4x");
    CHECK(format_ratio(Spread{}, true) == "n/a");
}

TEST_CASE("ratios are taken within each repeat, then summarised") {
    // Repeat 2 was a noisy minute for both: its ratio is the same as the others'.
    std::vector<RunResult> runs = {
        run_of("parley", 1, 3000), run_of("redis", 1, 1000),  // 3x
        run_of("parley", 2, 1500), run_of("redis", 2, 500),   // 3x, both halved
        run_of("parley", 3, 3600), run_of("redis", 3, 1000),  // 3.6x
    };
    const auto q = comparison_ratios(runs, false);
    REQUIRE(q.size() == 1);
    CHECK(q[0].numerator == "parley");
    CHECK(q[0].denominator == "redis");
    CHECK(q[0].repeats == 3);
    CHECK(q[0].deliveries.median == Approx(3.0));
    CHECK(q[0].deliveries.min == Approx(3.0));
    CHECK(q[0].deliveries.max == Approx(3.6));
    // The ratio of the medians (3000 / 1000) happens to agree here; the spread is what the
    // medians alone cannot tell.
    const std::string table = format_comparison(runs, ReportOptions{});
    CHECK(table.find("parley / redis: deliveries/s 3.0x [3.0..3.6]") != std::string::npos);
    CHECK(table.find("median [min..max] of the ratios within each repeat") != std::string::npos);
}

TEST_CASE("a comparison names each target once, with labels of any length") {
    std::vector<RunResult> runs;
    for (int rep = 1; rep <= 2; ++rep) {
        runs.push_back(run_of("parley", rep, 1000.0 * rep));
        runs.push_back(run_of("parley@baseline-build", rep, 500.0 * rep));
    }
    const std::string table = format_comparison(runs, ReportOptions{});
    CHECK(table.find("  parley                ") != std::string::npos);
    CHECK(table.find("  parley@baseline-build ") != std::string::npos);
    CHECK(table.find("parley / parley@baseline-build: deliveries/s 2.0x [2.0..2.0]") !=
          std::string::npos);
}

TEST_CASE("a single run per target gives ratios without a spread") {
    std::vector<RunResult> runs = {run_of("parley", 0, 10e6, 100), run_of("redis", 0, 4e6, 100)};
    const std::string table = format_comparison(runs, ReportOptions{});
    CHECK(table.find("CPU ms/M") != std::string::npos);
    // parley: a full core for 10M/s = 100 ms per million; redis: a full core for 4M/s.
    CHECK(table.find(" 100.0 ") != std::string::npos);
    CHECK(table.find(" 250.0 ") != std::string::npos);
    CHECK(table.find("deliveries/s 2.5x, p50 n/a, p99 n/a, CPU per delivery 0.40x") !=
          std::string::npos);
    CHECK(table.find("one run each") != std::string::npos);
}

TEST_CASE("a sweep's comparison uses each run's best passing step") {
    RunResult r = run_of("parley", 0, 0);
    r.steps.clear();
    for (double d : {1e6, 3e6, 2e6}) {
        StepResult s;
        s.deliveries_per_s = d;
        s.sustained = d != 3e6;  // the fastest step failed
        r.steps.push_back(s);
    }
    r.best_step = 2;
    ReportOptions o;
    o.sweep = true;
    const auto rows = comparison_rows({r}, true);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].deliveries.median == 2e6);
}

TEST_CASE("the JSON report parses back with every field") {
    RunResult r;
    r.target = "parley@build";
    r.protocol = "parley";
    r.scenario = "fanout";
    r.repeat = 2;
    r.pass = false;
    r.clients_wanted = 6;
    r.clients_connected = 5;
    r.failed_connects = 1;
    r.connect_all_s = 0.25;
    r.connect_join.count = 5;
    r.connect_join.p99_us = 1500;
    r.best_step = 0;
    r.sweep_capped = true;
    r.server_peak_kib = 2048;
    StepResult s;
    s.rate_per_publisher = 100;
    s.target_published_per_s = 100;
    s.published_per_s = 99.5;
    s.target_deliveries_per_s = 500;
    s.deliveries_per_s = 497.5;
    s.bytes_per_s = 1e5;
    s.latency.count = 42;
    s.latency.p50_us = 250;
    s.latency.max_us = 4000;
    s.lost = 1;
    s.duplicated = 2;
    s.out_of_order = 3;
    s.misrouted = 4;
    s.corrupt = 5;
    s.disconnects = 6;
    s.server_cpu = 50;
    s.client_cpu = 25;
    s.bottleneck = "neither";
    s.sustained = false;
    s.why = "a \"quoted\" reason\nwith a newline";
    s.sweep_step = "bisect";
    r.steps.push_back(s);
    StepResult plain;  // unknown CPU figures are null, not -1
    r.steps.push_back(plain);
    r.publishers.push_back(PublisherResult{7, 1000, 5, 1, 2, 3});
    r.disconnect_reasons["closed by server"] = 3;
    r.extra["slow_evicted"] = 5;
    r.failures.push_back("1 lost");
    r.notes.push_back("a note");

    const std::string text = format_json({r}, ReportOptions{}, {{"--scenario", "fanout"}});
    REQUIRE(text.back() == '\n');
    const json j = json::parse(text);
    CHECK(j["tool"] == "parley-load");
    CHECK(j["options"]["--scenario"] == "fanout");
    REQUIRE(j["runs"].size() == 1);
    const json& run = j["runs"][0];
    CHECK(run["target"] == "parley@build");
    CHECK(run["protocol"] == "parley");
    CHECK(run["scenario"] == "fanout");
    CHECK(run["repeat"] == 2);
    CHECK(run["pass"] == false);
    CHECK(run["interrupted"] == false);
    CHECK(run["connections_wanted"] == 6);
    CHECK(run["connections_ready"] == 5);
    CHECK(run["failed_connects"] == 1);
    CHECK(run["connect_all_s"] == 0.25);
    CHECK(run["connect_join"]["samples"] == 5);
    CHECK(run["connect_join"]["p99_ms"] == 1.5);
    CHECK(run["best_step"] == 0);
    CHECK(run["sweep_capped"] == true);
    CHECK(run["server_peak_kib"] == 2048);
    REQUIRE(run["steps"].size() == 2);
    const json& st = run["steps"][0];
    CHECK(st["rate_per_publisher"] == 100);
    CHECK(st["target_published_per_s"] == 100);
    CHECK(st["published_per_s"] == 99.5);
    CHECK(st["target_deliveries_per_s"] == 500);
    CHECK(st["deliveries_per_s"] == 497.5);
    CHECK(st["bytes_per_s"] == 1e5);
    CHECK(st["latency"]["samples"] == 42);
    CHECK(st["latency"]["p50_ms"] == 0.25);
    CHECK(st["latency"]["max_ms"] == 4);
    CHECK(st["lost"] == 1);
    CHECK(st["duplicated"] == 2);
    CHECK(st["out_of_order"] == 3);
    CHECK(st["misrouted"] == 4);
    CHECK(st["corrupt"] == 5);
    CHECK(st["disconnects"] == 6);
    CHECK(st["server_cpu_percent"] == 50);
    CHECK(st["client_cpu_percent"] == 25);
    CHECK(st["out_of_cpu_first"] == "neither");
    CHECK(st["sustained"] == false);
    CHECK(st["why"] == "a \"quoted\" reason\nwith a newline");
    CHECK(st["sweep_step"] == "bisect");
    const json& unknown = run["steps"][1];
    CHECK(unknown["server_cpu_percent"].is_null());
    CHECK(unknown["server_core_busy_percent"].is_null());
    CHECK(unknown["client_core_busy_percent"].is_null());
    CHECK(unknown["server_rss_kib"].is_null());
    CHECK(unknown["sweep_step"].is_null());
    REQUIRE(run["publishers"].size() == 1);
    CHECK(run["publishers"][0] ==
          json::parse(
              R"({"id":7,"sent":1000,"receivers":5,"lost":1,"duplicated":2,"out_of_order":3})"));
    CHECK(run["disconnects"]["closed by server"] == 3);
    CHECK(run["extra"]["slow_evicted"] == 5);
    CHECK(run["failures"] == json::array({"1 lost"}));
    CHECK(run["notes"] == json::array({"a note"}));
    // Compact: a consumer may grep as well as parse.
    CHECK(text.find(R"("connections_ready":5)") != std::string::npos);
}

TEST_CASE("the JSON summary and ratios agree with the comparison") {
    std::vector<RunResult> runs;
    for (int rep = 1; rep <= 3; ++rep) {
        runs.push_back(run_of("parley", rep, 1000.0 * rep, 100));
        runs.push_back(run_of("redis", rep, 500.0 * rep, 100));
    }
    runs[0].steps[0].latency.p99_us = 2000;
    const json j = json::parse(format_json(runs, ReportOptions{}, {}));
    REQUIRE(j["summary"].size() == 2);
    const json& parley = j["summary"][0];
    CHECK(parley["target"] == "parley");
    CHECK(parley["runs"] == 3);
    CHECK(parley["passed"] == 3);
    CHECK(parley["deliveries_per_s"]["median"] == 2000);
    CHECK(parley["deliveries_per_s"]["min"] == 1000);
    CHECK(parley["deliveries_per_s"]["max"] == 3000);
    CHECK(parley["p99_ms"]["max"] == 2);
    CHECK(parley["server_cpu_ms_per_million"]["median"] ==
          Approx(1e3 / (2000 / 1e6)));  // a full core for 2000/s
    REQUIRE(j["ratios"].size() == 1);
    const json& q = j["ratios"][0];
    CHECK(q["numerator"] == "parley");
    CHECK(q["denominator"] == "redis");
    CHECK(q["repeats"] == 3);
    CHECK(q["deliveries_per_s"]["median"] == 2);
    CHECK(q["deliveries_per_s"]["min"] == 2);
    CHECK(q["server_cpu_per_delivery"]["max"] == Approx(0.5));
    CHECK(q["p50_ms"].is_null());  // no latency measured: no ratio
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
    CHECK(format_plot_data(runs) == "# parley\n2000 1 4\n3000 1 4\n\n\n");
    // A sweep marks how it got to each rate.
    runs[0].steps[1].sweep_step = "bisect";
    runs[1].steps[1].sweep_step = "bisect";
    runs[2].steps[1].sweep_step = "bisect";
    CHECK(format_plot_data(runs) == "# parley\n2000 1 4\n3000 1 4 bisect\n\n\n");
}

TEST_CASE("runs read back from the JSON report compare as they did") {
    std::vector<RunResult> runs;
    for (int rep = 1; rep <= 2; ++rep) {
        RunResult a = run_of("parley", rep, 8e6 + rep * 1e5, 90);
        a.steps[0].latency.p99_us = 30000 + rep;
        a.server_peak_kib = 4096;
        a.extra["sweep_reconnects"] = rep;
        a.pass = true;
        a.best_step = 0;
        runs.push_back(a);
        runs.push_back(run_of("redis", rep, 2e6, 100));
    }
    const ReportOptions o;
    const std::vector<RunResult> back = runs_from_json(format_json(runs, o, {}));
    REQUIRE(back.size() == runs.size());
    CHECK(back[0].target == "parley");
    CHECK(back[0].repeat == 1);
    CHECK(back[0].pass);
    CHECK(back[0].best_step == 0);
    CHECK(back[0].server_peak_kib == 4096);
    CHECK(back[0].steps[0].deliveries_per_s == 8.1e6);
    CHECK(back[0].steps[0].latency.p99_us == Approx(30001));
    CHECK(back[0].steps[0].server_cpu == 90);
    CHECK(back[2].extra.at("sweep_reconnects") == 2);
    CHECK(back[1].server_peak_kib == -1);  // unknown stays unknown
    CHECK(format_comparison(back, o) == format_comparison(runs, o));
    CHECK_THROWS(runs_from_json("{\"runs\": [{}]}"));
}

TEST_CASE("the idle comparison is memory per connection, with ratios per repeat") {
    std::vector<RunResult> runs;
    const double mine[] = {1.9, 1.8, 2.0}, theirs[] = {1.0, 1.0, 0.9};
    for (int rep = 1; rep <= 3; ++rep) {
        RunResult a, b;
        a.target = "parley";
        b.target = "parley@old";
        a.scenario = b.scenario = "idle";
        a.repeat = b.repeat = rep;
        a.extra["server_kib_per_connection"] = mine[rep - 1];
        b.extra["server_kib_per_connection"] = theirs[rep - 1];
        runs.push_back(a);
        runs.push_back(b);
    }
    const auto rows = comparison_rows(runs, false);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].kib_per_connection.median == Approx(1.9));
    CHECK(rows[0].kib_per_connection.min == Approx(1.8));
    CHECK(rows[1].kib_per_connection.max == Approx(1.0));
    const auto ratios = comparison_ratios(runs, false);
    REQUIRE(ratios.size() == 1);
    CHECK(ratios[0].kib_per_connection.median == Approx(1.9));  // 1.8, 1.9, 2.0/0.9
    CHECK(ratios[0].kib_per_connection.max == Approx(2.0 / 0.9));
    const std::string table = format_comparison(runs, ReportOptions{});
    CHECK(table.find("KiB per idle connection") != std::string::npos);
    CHECK(table.find("1.90 [1.80..2.00]") != std::string::npos);
    CHECK(table.find("parley / parley@old: KiB per connection 1.9x [1.8..2.2]") !=
          std::string::npos);
    CHECK(table.find("deliveries/s") == std::string::npos);
}
