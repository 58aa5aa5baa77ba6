#include "load/report.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>

#include <fmt/format.h>

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

const StepResult* headline(const RunResult& r, bool sweep) {
    if (r.steps.empty()) {
        return nullptr;
    }
    if (sweep) {
        return r.best_step >= 0 ? &r.steps[static_cast<std::size_t>(r.best_step)] : nullptr;
    }
    return &r.steps.front();
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
        if (const StepResult* best = headline(r, true)) {
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

namespace {

struct Row {
    std::string target;
    // cpu_ms_per_m: milliseconds of server CPU per million deliveries, the cost of a delivery
    // independent of how far each server's sweep got.
    Spread deliveries, published, p50, p99, p999, srv_cpu, cpu_ms_per_m, peak_mib;
    int runs = 0, passed = 0;
};

std::vector<Row> rows_of(const std::vector<RunResult>& runs, bool sweep) {
    std::vector<std::string> order;
    for (const auto& r : runs) {
        if (std::find(order.begin(), order.end(), r.target) == order.end()) {
            order.push_back(r.target);
        }
    }
    std::vector<Row> rows;
    for (const auto& t : order) {
        Row row;
        row.target = t;
        std::vector<double> d, pub, p50, p99, p999, sc, cpm, mem;
        for (const auto& r : runs) {
            if (r.target != t) {
                continue;
            }
            ++row.runs;
            row.passed += r.pass ? 1 : 0;
            const StepResult* s = headline(r, sweep);
            if (s == nullptr) {
                d.push_back(0);
                continue;
            }
            d.push_back(s->deliveries_per_s);
            pub.push_back(s->published_per_s);
            p50.push_back(s->latency.p50_us);
            p99.push_back(s->latency.p99_us);
            p999.push_back(s->latency.p999_us);
            sc.push_back(s->server_cpu);
            if (s->server_cpu >= 0 && s->deliveries_per_s > 0) {
                cpm.push_back(s->server_cpu / 100 * 1e3 / (s->deliveries_per_s / 1e6));
            }
            if (r.server_peak_kib >= 0) {
                mem.push_back(r.server_peak_kib / 1024);
            }
        }
        row.deliveries = spread_of(d);
        row.published = spread_of(pub);
        row.p50 = spread_of(p50);
        row.p99 = spread_of(p99);
        row.p999 = spread_of(p999);
        row.srv_cpu = spread_of(sc);
        row.cpu_ms_per_m = spread_of(cpm);
        row.peak_mib = spread_of(mem);
        rows.push_back(row);
    }
    return rows;
}

}  // namespace

std::string format_comparison(const std::vector<RunResult>& runs, const ReportOptions& o) {
    const auto rows = rows_of(runs, o.sweep);
    std::string out;
    auto w = std::back_inserter(out);
    fmt::format_to(w, "== comparison: {}{}, medians of {} run(s) each [min..max] ==\n",
                   runs.empty() ? "" : runs.front().scenario,
                   o.sweep
                       ? fmt::format(" sweep (highest rate with zero loss and p99 <= {:.0f} ms)",
                                     o.p99_limit_ms)
                       : "",
                   rows.empty() ? 0 : rows.front().runs);
    fmt::format_to(w, "  {:<10} {:>24} {:>22} {:>22} {:>8} {:>10} {:>9} {:>6}\n", "server",
                   "deliveries/s", "p50 ms", "p99 ms", "srv CPU", "CPU ms/M", "peak MiB", "pass");
    for (const auto& r : rows) {
        if (r.p50.max == 0 && r.deliveries.max == 0) {
            fmt::format_to(w,
                           "  {:<10} {:>24}   (no run had a step that passed: see above)  {:>6}\n",
                           r.target, "none sustained", fmt::format("{}/{}", r.passed, r.runs));
            continue;
        }
        fmt::format_to(
            w, "  {:<10} {:>24} {:>22} {:>22} {:>8} {:>10} {:>9} {:>6}\n", r.target,
            fmt::format("{} [{}..{}]", si(r.deliveries.median), si(r.deliveries.min),
                        si(r.deliveries.max)),
            fmt::format("{} [{}..{}]", ms(r.p50.median), ms(r.p50.min), ms(r.p50.max)),
            fmt::format("{} [{}..{}]", ms(r.p99.median), ms(r.p99.min), ms(r.p99.max)),
            cpu(r.srv_cpu.median),
            r.cpu_ms_per_m.median > 0 ? fmt::format("{:.1f}", r.cpu_ms_per_m.median) : "n/a",
            r.peak_mib.median > 0 ? fmt::format("{:.1f}", r.peak_mib.median) : "n/a",
            fmt::format("{}/{}", r.passed, r.runs));
    }
    if (rows.size() > 1) {
        const Row& first = rows.front();
        for (std::size_t i = 1; i < rows.size(); ++i) {
            const Row& other = rows[i];
            auto ratio = [](double a, double b) {
                return b > 0 ? fmt::format("{:.2f}x", a / b) : std::string("n/a");
            };
            fmt::format_to(w,
                           "  {} / {}: deliveries/s {}, p50 {}, p99 {}, CPU per delivery {} (lower "
                           "latency and "
                           "CPU ratios are better)\n",
                           first.target, other.target,
                           ratio(first.deliveries.median, other.deliveries.median),
                           ratio(first.p50.median, other.p50.median),
                           ratio(first.p99.median, other.p99.median),
                           ratio(first.cpu_ms_per_m.median, other.cpu_ms_per_m.median));
        }
    }
    return out;
}

namespace {

std::string jstr(std::string_view s) {
    std::string o = "\"";
    for (char c : s) {
        switch (c) {
            case '"':
                o += "\\\"";
                break;
            case '\\':
                o += "\\\\";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    o += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
                } else {
                    o += c;
                }
        }
    }
    return o + "\"";
}

std::string jnum(double v) {
    if (!std::isfinite(v)) {
        return "null";
    }
    return fmt::format("{}", v);
}

std::string jlat(const LatencySummary& l) {
    return fmt::format(
        R"({{"samples":{},"p50_ms":{},"p90_ms":{},"p99_ms":{},"p999_ms":{},"max_ms":{},"mean_ms":{}}})",
        l.count, jnum(l.p50_us / 1e3), jnum(l.p90_us / 1e3), jnum(l.p99_us / 1e3),
        jnum(l.p999_us / 1e3), jnum(l.max_us / 1e3), jnum(l.mean_us / 1e3));
}

std::string jstep(const StepResult& s) {
    return fmt::format(
        R"({{"rate_per_publisher":{},"target_published_per_s":{},"published_per_s":{},"target_deliveries_per_s":{},"deliveries_per_s":{},"bytes_per_s":{},"latency":{},"lost":{},"duplicated":{},"out_of_order":{},"misrouted":{},"corrupt":{},"disconnects":{},"server_cpu_percent":{},"client_cpu_percent":{},"server_core_busy_percent":{},"client_core_busy_percent":{},"server_rss_kib":{},"out_of_cpu_first":{},"sustained":{},"why":{},"sweep_step":{}}})",
        jnum(s.rate_per_publisher), jnum(s.target_published_per_s), jnum(s.published_per_s),
        jnum(s.target_deliveries_per_s), jnum(s.deliveries_per_s), jnum(s.bytes_per_s),
        jlat(s.latency), s.lost, s.duplicated, s.out_of_order, s.misrouted, s.corrupt,
        s.disconnects, s.server_cpu < 0 ? "null" : jnum(s.server_cpu), jnum(s.client_cpu),
        s.server_core_busy < 0 ? "null" : jnum(s.server_core_busy),
        s.client_core_busy < 0 ? "null" : jnum(s.client_core_busy),
        s.server_rss_kib < 0 ? "null" : jnum(s.server_rss_kib), jstr(s.bottleneck),
        s.sustained ? "true" : "false", jstr(s.why),
        s.sweep_step.empty() ? "null" : jstr(s.sweep_step));
}

}  // namespace

std::string format_json(const std::vector<RunResult>& runs, const ReportOptions& o,
                        const std::map<std::string, std::string>& options) {
    std::string out = "{\n  \"tool\": \"parley-load\",\n  \"options\": {";
    bool first = true;
    for (const auto& [k, v] : options) {
        out += fmt::format("{}{}: {}", first ? "" : ", ", jstr(k), jstr(v));
        first = false;
    }
    out += "},\n  \"runs\": [\n";
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto& r = runs[i];
        out += fmt::format(
            R"(    {{"target":{},"protocol":{},"scenario":{},"repeat":{},"pass":{},"interrupted":{},"connections_wanted":{},"connections_ready":{},"failed_connects":{},"connect_all_s":{},"connect_join":{},"best_step":{},"sweep_capped":{},"server_peak_kib":{},)",
            jstr(r.target), jstr(r.protocol), jstr(r.scenario), r.repeat, r.pass ? "true" : "false",
            r.interrupted ? "true" : "false", r.clients_wanted, r.clients_connected,
            r.failed_connects, jnum(r.connect_all_s), jlat(r.connect_join), r.best_step,
            r.sweep_capped ? "true" : "false",
            r.server_peak_kib < 0 ? "null" : jnum(r.server_peak_kib));
        out += "\"steps\":[";
        for (std::size_t k = 0; k < r.steps.size(); ++k) {
            if (k) {
                out += ',';
            }
            out += jstep(r.steps[k]);
        }
        out += "],\"publishers\":[";
        for (std::size_t k = 0; k < r.publishers.size(); ++k) {
            const auto& p = r.publishers[k];
            out += fmt::format(
                R"({}{{"id":{},"sent":{},"receivers":{},"lost":{},"duplicated":{},"out_of_order":{}}})",
                k ? "," : "", p.id, p.sent, p.receivers, p.lost, p.duplicated, p.out_of_order);
        }
        out += "],\"disconnects\":{";
        first = true;
        for (const auto& [why, n] : r.disconnect_reasons) {
            out += fmt::format("{}{}:{}", first ? "" : ",", jstr(why), n);
            first = false;
        }
        out += "},\"extra\":{";
        first = true;
        for (const auto& [k, v] : r.extra) {
            out += fmt::format("{}{}:{}", first ? "" : ",", jstr(k), jnum(v));
            first = false;
        }
        out += "},\"failures\":[";
        for (std::size_t k = 0; k < r.failures.size(); ++k) {
            if (k) {
                out += ',';
            }
            out += jstr(r.failures[k]);
        }
        out += "],\"notes\":[";
        for (std::size_t k = 0; k < r.notes.size(); ++k) {
            if (k) {
                out += ',';
            }
            out += jstr(r.notes[k]);
        }
        out += fmt::format("]}}{}\n", i + 1 < runs.size() ? "," : "");
    }
    out += "  ],\n  \"summary\": [\n";
    const auto rows = rows_of(runs, o.sweep);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        auto sp = [](const Spread& s) {
            return fmt::format(R"({{"median":{},"min":{},"max":{}}})", jnum(s.median), jnum(s.min),
                               jnum(s.max));
        };
        out += fmt::format(
            R"(    {{"target":{},"runs":{},"passed":{},"deliveries_per_s":{},"published_per_s":{},"p50_ms":{},"p99_ms":{},"p999_ms":{},"server_cpu_percent":{},"server_cpu_ms_per_million":{},"server_peak_mib":{}}}{})",
            jstr(r.target), r.runs, r.passed, sp(r.deliveries), sp(r.published),
            sp(Spread{r.p50.median / 1e3, r.p50.min / 1e3, r.p50.max / 1e3}),
            sp(Spread{r.p99.median / 1e3, r.p99.min / 1e3, r.p99.max / 1e3}),
            sp(Spread{r.p999.median / 1e3, r.p999.min / 1e3, r.p999.max / 1e3}), sp(r.srv_cpu),
            sp(r.cpu_ms_per_m), sp(r.peak_mib), i + 1 < rows.size() ? ",\n" : "\n");
    }
    out += "  ]\n}\n";
    return out;
}

std::string format_plot_data(const std::vector<RunResult>& runs) {
    // Per target and rate: the median over the repeats that ran that rate (a rate tried twice
    // counts with its last attempt). The fourth column says how the sweep got to the rate
    // (climb, retry, bisect); gnuplot reads only the first three.
    std::vector<std::string> order;
    for (const auto& r : runs) {
        if (std::find(order.begin(), order.end(), r.target) == order.end()) {
            order.push_back(r.target);
        }
    }
    std::string out;
    for (const auto& t : order) {
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
