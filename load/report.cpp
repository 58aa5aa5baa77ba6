#include "load/report.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

#include <fmt/format.h>

#include "load/comparison.hpp"

namespace parley::load {

LatencySummary LatencySummary::of(const Histogram& h) {
    LatencySummary s;
    s.count = h.count();
    s.p50_us = static_cast<double>(h.percentile(50)) / 1e3;
    s.p90_us = static_cast<double>(h.percentile(90)) / 1e3;
    s.p99_us = static_cast<double>(h.percentile(99)) / 1e3;
    s.p999_us = static_cast<double>(h.percentile(99.9)) / 1e3;
    s.max_us = static_cast<double>(h.max()) / 1e3;
    s.mean_us = h.mean() / 1e3;
    return s;
}

Spread spread_of(std::vector<double> v) {
    Spread s;
    if (v.empty()) {
        return s;
    }
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    s.min = v.front();
    s.max = v.back();
    return s;
}

namespace {

// 1234567 -> "1.23M": rates span six orders of magnitude between scenarios.
std::string si(double v) {
    const double a = std::fabs(v);
    if (a >= 1e9) {
        return fmt::format("{:.2f}G", v / 1e9);
    }
    if (a >= 1e6) {
        return fmt::format("{:.2f}M", v / 1e6);
    }
    if (a >= 1e4) {
        return fmt::format("{:.1f}k", v / 1e3);
    }
    return fmt::format("{:.0f}", v);
}

std::string ms(double us) {
    return fmt::format("{:.2f}", us / 1000);
}

std::string short_bottleneck(const std::string& b) {
    if (b.starts_with("server core")) {
        return "srv-core";
    }
    if (b.starts_with("client core")) {
        return "cli-core";
    }
    if (b.starts_with("both")) {
        return "both";
    }
    if (b.starts_with("unknown")) {
        return "?";
    }
    return b;
}

std::string cpu(double c) {
    return c < 0 ? "n/a" : fmt::format("{:.0f}%", c);
}

void step_lines(std::string& out, const StepResult& s) {
    fmt::format_to(
        std::back_inserter(out),
        "  published/s    {:>10}   (target {})\n"
        "  deliveries/s   {:>10}   (target {})\n"
        "  bytes/s        {:>10}\n"
        "  latency ms     p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  ({} samples)\n"
        "  integrity      lost {}  duplicated {}  out-of-order {}  misrouted {}  corrupt {}\n"
        "  disconnects    {}\n"
        "  CPU            server {}{}  client {}{}  -> out of CPU first: {}\n",
        si(s.published_per_s), si(s.target_published_per_s), si(s.deliveries_per_s),
        si(s.target_deliveries_per_s), si(s.bytes_per_s), ms(s.latency.p50_us),
        ms(s.latency.p90_us), ms(s.latency.p99_us), ms(s.latency.p999_us), ms(s.latency.max_us),
        s.latency.count, s.lost, s.duplicated, s.out_of_order, s.misrouted, s.corrupt,
        s.disconnects, cpu(s.server_cpu),
        s.server_core_busy < 0 ? "" : fmt::format(" (its core {} busy)", cpu(s.server_core_busy)),
        cpu(s.client_cpu),
        s.client_core_busy < 0 ? "" : fmt::format(" (its core {} busy)", cpu(s.client_core_busy)),
        s.bottleneck);
}

}  // namespace

std::string format_run(const RunResult& r, const ReportOptions& o) {
    std::string out;
    auto w = std::back_inserter(out);
    fmt::format_to(w, "== {} ({}) scenario {}{} ==\n", r.target, r.protocol, r.scenario,
                   r.repeat > 0 ? fmt::format(", repeat {}", r.repeat) : "");
    fmt::format_to(w,
                   "  connected      {}/{} in {:.2f} s   (failed connects {}; connect+join ms p50 "
                   "{} p99 {} max {})\n",
                   r.clients_connected, r.clients_wanted, r.connect_all_s, r.failed_connects,
                   ms(r.connect_join.p50_us), ms(r.connect_join.p99_us), ms(r.connect_join.max_us));
    if (o.sweep && !r.steps.empty()) {
        // In the order they ran: climbing, a retry of a rate that failed on latency alone,
        // then bisection between the highest pass and the lowest failure above it.
        fmt::format_to(w, "  {:>6} {:>10} {:>10} {:>10} {:>8} {:>8} {:>8} {:>6} {:>6} {:>8}  {}\n",
                       "step", "rate/pub", "published", "delivered", "p50 ms", "p99 ms", "max ms",
                       "srvCPU", "cliCPU", "CPU-out", "verdict");
        for (const auto& s : r.steps) {
            fmt::format_to(w,
                           "  {:>6} {:>10} {:>10} {:>10} {:>8} {:>8} {:>8} {:>6} {:>6} {:>8}  {}\n",
                           s.sweep_step, si(s.rate_per_publisher), si(s.published_per_s),
                           si(s.deliveries_per_s), ms(s.latency.p50_us), ms(s.latency.p99_us),
                           ms(s.latency.max_us), cpu(s.server_cpu), cpu(s.client_cpu),
                           short_bottleneck(s.bottleneck), s.sustained ? "ok" : s.why);
        }
        if (const StepResult* best = headline_step(r, true)) {
            fmt::format_to(w,
                           "  highest sustained (zero loss, p99 <= {:.0f} ms): {} deliveries/s at "
                           "{}/s per publisher\n",
                           o.p99_limit_ms, si(best->deliveries_per_s),
                           si(best->rate_per_publisher));
            step_lines(out, *best);
        } else {
            out += "  no step was sustained\n";
        }
    } else if (r.scenario == "idle" && r.steps.size() == 1) {
        // Nothing is published: only whether they stayed connected, and what they cost.
        const StepResult& s = r.steps.front();
        fmt::format_to(w, "  disconnects    {}\n  CPU while idle server {}  client {}\n",
                       s.disconnects, cpu(s.server_cpu), cpu(s.client_cpu));
    } else if (r.steps.size() == 1) {
        step_lines(out, r.steps.front());
    } else {
        for (std::size_t i = 0; i < r.steps.size(); ++i) {
            fmt::format_to(
                w, "  -- {}\n",
                i < r.step_labels.size() ? r.step_labels[i] : fmt::format("step {}", i + 1));
            step_lines(out, r.steps[i]);
        }
    }
    std::uint64_t bad_pubs = 0;
    for (const auto& p : r.publishers) {
        if (p.lost + p.duplicated + p.out_of_order > 0) {
            if (++bad_pubs <= 10) {
                fmt::format_to(w,
                               "  publisher {:<5} sent {} to {} receivers: lost {} duplicated {} "
                               "out-of-order {}\n",
                               p.id, p.sent, p.receivers, p.lost, p.duplicated, p.out_of_order);
            }
        }
    }
    if (!r.publishers.empty()) {
        fmt::format_to(
            w, "  publishers     {} ({} with lost, duplicated or out-of-order deliveries)\n",
            r.publishers.size(), bad_pubs);
    }
    for (const auto& [why, n] : r.disconnect_reasons) {
        fmt::format_to(w, "  disconnect     {} x {}\n", n, why);
    }
    for (const auto& [k, v] : r.extra) {
        fmt::format_to(w, "  {:<28} {}\n", k,
                       std::fabs(v - std::round(v)) < 1e-9 ? fmt::format("{:.0f}", v)
                                                           : fmt::format("{:.2f}", v));
    }
    if (r.server_peak_kib >= 0) {
        fmt::format_to(w, "  server peak memory (VmHWM) {:.1f} MiB\n", r.server_peak_kib / 1024);
    }
    for (const auto& n : r.notes) {
        fmt::format_to(w, "  note: {}\n", n);
    }
    if (r.pass) {
        out += "  RESULT: PASS\n";
    } else {
        out += "  RESULT: FAIL";
        for (const auto& f : r.failures) {
            out += " - " + f;
        }
        out += "\n";
    }
    return out;
}

std::string two_digits(double v) {
    if (!std::isfinite(v) || v == 0) {
        return fmt::format("{}", v);
    }
    const double unit = std::pow(10.0, std::floor(std::log10(std::fabs(v))) - 1);
    const double r = std::round(v / unit) * unit;
    // Rounding can add a digit (9.96 -> 10): the decimals follow the rounded value.
    const int decimals = std::max(0, 1 - static_cast<int>(std::floor(std::log10(std::fabs(r)))));
    return fmt::format("{:.{}f}", r, decimals);
}

std::string format_ratio(const Spread& s, bool with_spread) {
    if (s.median <= 0) {
        return "n/a";
    }
    if (!with_spread) {
        return two_digits(s.median) + "x";
    }
    return fmt::format("{}x [{}..{}]", two_digits(s.median), two_digits(s.min), two_digits(s.max));
}

namespace {

// The width of the server column: the longest server name, at least 10.
std::size_t target_width(const std::vector<ComparisonRow>& rows) {
    std::size_t width = 10;
    for (const auto& r : rows) {
        width = std::max(width, r.target.size());
    }
    return width;
}

// The idle scenario publishes nothing: its comparison is memory per connection.
std::string format_idle_comparison(const std::vector<RunResult>& runs) {
    const auto rows = comparison_rows(runs, false);
    const std::size_t width = target_width(rows);
    std::string out;
    auto w = std::back_inserter(out);
    fmt::format_to(w, "== comparison: idle, medians of {} run(s) each [min..max] ==\n",
                   rows.empty() ? 0 : rows.front().runs);
    fmt::format_to(w, "  {:<{}} {:>28} {:>6}\n", "server", width, "KiB per idle connection",
                   "pass");
    for (const auto& r : rows) {
        const Spread& k = r.kib_per_connection;
        fmt::format_to(w, "  {:<{}} {:>28} {:>6}\n", r.target, width,
                       fmt::format("{:.2f} [{:.2f}..{:.2f}]", k.median, k.min, k.max),
                       fmt::format("{}/{}", r.passed, r.runs));
    }
    for (const auto& q : comparison_ratios(runs, false)) {
        fmt::format_to(w, "  {} / {}: KiB per connection {}\n", q.numerator, q.denominator,
                       format_ratio(q.kib_per_connection,
                                    q.kib_per_connection.max > 0 && rows.front().runs > 1));
    }
    return out;
}

}  // namespace

std::string format_comparison(const std::vector<RunResult>& runs, const ReportOptions& o) {
    if (!runs.empty() && runs.front().scenario == "idle") {
        return format_idle_comparison(runs);
    }
    const auto rows = comparison_rows(runs, o.sweep);
    const std::size_t width = target_width(rows);
    std::string out;
    auto w = std::back_inserter(out);
    fmt::format_to(w, "== comparison: {}{}, medians of {} run(s) each [min..max] ==\n",
                   runs.empty() ? "" : runs.front().scenario,
                   o.sweep
                       ? fmt::format(" sweep (highest rate with zero loss and p99 <= {:.0f} ms)",
                                     o.p99_limit_ms)
                       : "",
                   rows.empty() ? 0 : rows.front().runs);
    fmt::format_to(w, "  {:<{}} {:>24} {:>22} {:>22} {:>8} {:>10} {:>9} {:>6}\n", "server", width,
                   "deliveries/s", "p50 ms", "p99 ms", "srv CPU", "CPU ms/M", "peak MiB", "pass");
    for (const auto& r : rows) {
        if (r.p50.max == 0 && r.deliveries.max == 0) {
            fmt::format_to(
                w, "  {:<{}} {:>24}   (no run had a step that passed: see above)  {:>6}\n",
                r.target, width, "none sustained", fmt::format("{}/{}", r.passed, r.runs));
            continue;
        }
        fmt::format_to(
            w, "  {:<{}} {:>24} {:>22} {:>22} {:>8} {:>10} {:>9} {:>6}\n", r.target, width,
            fmt::format("{} [{}..{}]", si(r.deliveries.median), si(r.deliveries.min),
                        si(r.deliveries.max)),
            fmt::format("{} [{}..{}]", ms(r.p50.median), ms(r.p50.min), ms(r.p50.max)),
            fmt::format("{} [{}..{}]", ms(r.p99.median), ms(r.p99.min), ms(r.p99.max)),
            cpu(r.srv_cpu.median),
            r.cpu_ms_per_m.median > 0 ? fmt::format("{:.1f}", r.cpu_ms_per_m.median) : "n/a",
            r.peak_mib.median > 0 ? fmt::format("{:.1f}", r.peak_mib.median) : "n/a",
            fmt::format("{}/{}", r.passed, r.runs));
    }
    const auto ratios = comparison_ratios(runs, o.sweep);
    for (const auto& q : ratios) {
        const bool spread = q.repeats > 1;
        fmt::format_to(w, "  {} / {}: deliveries/s {}, p50 {}, p99 {}, CPU per delivery {}\n",
                       q.numerator, q.denominator, format_ratio(q.deliveries, spread),
                       format_ratio(q.p50, spread), format_ratio(q.p99, spread),
                       format_ratio(q.cpu_per_delivery, spread));
    }
    if (!ratios.empty()) {
        fmt::format_to(w, "  (ratios: {}; lower latency and CPU ratios are better)\n",
                       ratios.front().repeats > 1
                           ? "median [min..max] of the ratios within each repeat"
                           : "one run each");
    }
    return out;
}

std::string format_plot_data(const std::vector<RunResult>& runs) {
    // Per target and rate: the median over the repeats that ran that rate (a rate tried twice
    // counts with its last attempt). The fourth column says how the sweep got to the rate
    // (climb, retry, bisect); gnuplot reads only the first three.
    std::string out;
    for (const auto& t : targets_in_order(runs)) {
        std::map<long long, std::vector<const StepResult*>> by_rate;
        for (const auto& r : runs) {
            if (r.target != t) {
                continue;
            }
            std::map<long long, const StepResult*> last;
            for (const auto& s : r.steps) {
                last[std::llround(s.rate_per_publisher * 1000)] = &s;
            }
            for (const auto& [rate, s] : last) {
                by_rate[rate].push_back(s);
            }
        }
        out += fmt::format("# {}\n", t);
        for (const auto& [rate, steps] : by_rate) {
            std::vector<double> d, p50, p99;
            for (const StepResult* s : steps) {
                d.push_back(s->deliveries_per_s);
                p50.push_back(s->latency.p50_us / 1e3);
                p99.push_back(s->latency.p99_us / 1e3);
            }
            const std::string& kind = steps.back()->sweep_step;
            out += fmt::format("{} {} {}{}{}\n", spread_of(d).median, spread_of(p50).median,
                               spread_of(p99).median, kind.empty() ? "" : " ", kind);
        }
        out += "\n\n";
    }
    return out;
}

}  // namespace parley::load
