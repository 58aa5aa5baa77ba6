#include "load/comparison.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace parley::load {

const StepResult* headline_step(const RunResult& r, bool sweep) {
    if (r.steps.empty()) {
        return nullptr;
    }
    if (sweep) {
        return r.best_step >= 0 ? &r.steps[static_cast<std::size_t>(r.best_step)] : nullptr;
    }
    return &r.steps.front();
}

std::vector<std::string> targets_in_order(const std::vector<RunResult>& runs) {
    std::vector<std::string> order;
    for (const auto& r : runs) {
        if (std::find(order.begin(), order.end(), r.target) == order.end()) {
            order.push_back(r.target);
        }
    }
    return order;
}

namespace {

// Server CPU per million deliveries at a step; nullopt when unknown.
std::optional<double> cpu_ms_per_million(const StepResult& s) {
    if (s.server_cpu < 0 || s.deliveries_per_s <= 0) {
        return std::nullopt;
    }
    return s.server_cpu / 100 * 1e3 / (s.deliveries_per_s / 1e6);
}

}  // namespace

std::vector<ComparisonRow> comparison_rows(const std::vector<RunResult>& runs, bool sweep) {
    std::vector<ComparisonRow> rows;
    for (const auto& t : targets_in_order(runs)) {
        ComparisonRow row;
        row.target = t;
        std::vector<double> d, pub, p50, p99, p999, sc, cpm, mem, kib;
        for (const auto& r : runs) {
            if (r.target != t) {
                continue;
            }
            ++row.runs;
            row.passed += r.pass ? 1 : 0;
            if (const auto k = r.extra.find("server_kib_per_connection"); k != r.extra.end()) {
                kib.push_back(k->second);
            }
            const StepResult* s = headline_step(r, sweep);
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
            if (const auto c = cpu_ms_per_million(*s)) {
                cpm.push_back(*c);
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
        row.kib_per_connection = spread_of(kib);
        rows.push_back(row);
    }
    return rows;
}

std::vector<RatioRow> comparison_ratios(const std::vector<RunResult>& runs, bool sweep) {
    const auto order = targets_in_order(runs);
    std::vector<RatioRow> out;
    if (order.size() < 2) {
        return out;
    }
    // Each target's run per repeat.
    std::map<std::string, std::map<int, const RunResult*>> by_target;
    for (const auto& r : runs) {
        by_target[r.target].emplace(r.repeat, &r);
    }
    auto kib = [](const RunResult& r) {
        const auto k = r.extra.find("server_kib_per_connection");
        return k == r.extra.end() ? 0.0 : k->second;
    };
    const auto& first = by_target[order.front()];
    for (std::size_t i = 1; i < order.size(); ++i) {
        RatioRow row;
        row.numerator = order.front();
        row.denominator = order[i];
        std::vector<double> d, p50, p99, cpu, mem;
        auto add = [](std::vector<double>& v, double a, double b) {
            if (a > 0 && b > 0) {
                v.push_back(a / b);
            }
        };
        for (const auto& [repeat, other] : by_target[order[i]]) {
            const auto mine = first.find(repeat);
            if (mine == first.end()) {
                continue;
            }
            add(mem, kib(*mine->second), kib(*other));
            const StepResult* a = headline_step(*mine->second, sweep);
            const StepResult* b = headline_step(*other, sweep);
            if (a == nullptr || b == nullptr) {
                continue;
            }
            ++row.repeats;
            add(d, a->deliveries_per_s, b->deliveries_per_s);
            add(p50, a->latency.p50_us, b->latency.p50_us);
            add(p99, a->latency.p99_us, b->latency.p99_us);
            add(cpu, cpu_ms_per_million(*a).value_or(0), cpu_ms_per_million(*b).value_or(0));
        }
        row.deliveries = spread_of(d);
        row.p50 = spread_of(p50);
        row.p99 = spread_of(p99);
        row.cpu_per_delivery = spread_of(cpu);
        row.kib_per_connection = spread_of(mem);
        out.push_back(row);
    }
    return out;
}

}  // namespace parley::load
