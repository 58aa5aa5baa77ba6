// The JSON report (--json): every figure of every run, the comparison's medians and ratios.
// Field names are a contract with whoever reads the file: add, never rename.

#include <nlohmann/json.hpp>

#include "load/comparison.hpp"
#include "load/report.hpp"

namespace parley::load {

namespace {

// Keeps the fields in the order written, as the report reads best.
using Json = nlohmann::ordered_json;

// Figures that are negative when unknown (a remote server's CPU, an unpinned core) are null.
Json known(double v) {
    return v < 0 ? Json(nullptr) : Json(v);
}

Json latency_json(const LatencySummary& l) {
    return {{"samples", l.count},        {"p50_ms", l.p50_us / 1e3},   {"p90_ms", l.p90_us / 1e3},
            {"p99_ms", l.p99_us / 1e3},  {"p999_ms", l.p999_us / 1e3}, {"max_ms", l.max_us / 1e3},
            {"mean_ms", l.mean_us / 1e3}};
}

Json step_json(const StepResult& s) {
    return {{"rate_per_publisher", s.rate_per_publisher},
            {"target_published_per_s", s.target_published_per_s},
            {"published_per_s", s.published_per_s},
            {"target_deliveries_per_s", s.target_deliveries_per_s},
            {"deliveries_per_s", s.deliveries_per_s},
            {"bytes_per_s", s.bytes_per_s},
            {"latency", latency_json(s.latency)},
            {"lost", s.lost},
            {"duplicated", s.duplicated},
            {"out_of_order", s.out_of_order},
            {"misrouted", s.misrouted},
            {"corrupt", s.corrupt},
            {"disconnects", s.disconnects},
            {"server_cpu_percent", known(s.server_cpu)},
            {"client_cpu_percent", s.client_cpu},
            {"server_core_busy_percent", known(s.server_core_busy)},
            {"client_core_busy_percent", known(s.client_core_busy)},
            {"server_rss_kib", known(s.server_rss_kib)},
            {"out_of_cpu_first", s.bottleneck},
            {"sustained", s.sustained},
            {"why", s.why},
            {"sweep_step", s.sweep_step.empty() ? Json(nullptr) : Json(s.sweep_step)}};
}

Json run_json(const RunResult& r) {
    Json steps = Json::array();
    for (const auto& s : r.steps) {
        steps.push_back(step_json(s));
    }
    Json publishers = Json::array();
    for (const auto& p : r.publishers) {
        publishers.push_back({{"id", p.id},
                              {"sent", p.sent},
                              {"receivers", p.receivers},
                              {"lost", p.lost},
                              {"duplicated", p.duplicated},
                              {"out_of_order", p.out_of_order}});
    }
    Json disconnects = Json::object();
    for (const auto& [why, n] : r.disconnect_reasons) {
        disconnects[why] = n;
    }
    Json extra = Json::object();
    for (const auto& [k, v] : r.extra) {
        extra[k] = v;
    }
    return {{"target", r.target},
            {"protocol", r.protocol},
            {"scenario", r.scenario},
            {"repeat", r.repeat},
            {"pass", r.pass},
            {"interrupted", r.interrupted},
            {"connections_wanted", r.clients_wanted},
            {"connections_ready", r.clients_connected},
            {"failed_connects", r.failed_connects},
            {"connect_all_s", r.connect_all_s},
            {"connect_join", latency_json(r.connect_join)},
            {"best_step", r.best_step},
            {"sweep_capped", r.sweep_capped},
            {"server_peak_kib", known(r.server_peak_kib)},
            {"steps", steps},
            {"publishers", publishers},
            {"disconnects", disconnects},
            {"extra", extra},
            {"failures", r.failures},
            {"notes", r.notes}};
}

Json spread_json(const Spread& s, double scale = 1) {
    return {{"median", s.median * scale}, {"min", s.min * scale}, {"max", s.max * scale}};
}

}  // namespace

std::string format_json(const std::vector<RunResult>& runs, const ReportOptions& o,
                        const std::map<std::string, std::string>& options) {
    Json doc;
    doc["tool"] = "parley-load";
    doc["options"] = Json::object();
    for (const auto& [k, v] : options) {
        doc["options"][k] = v;
    }
    doc["runs"] = Json::array();
    for (const auto& r : runs) {
        doc["runs"].push_back(run_json(r));
    }
    doc["summary"] = Json::array();
    for (const auto& r : comparison_rows(runs, o.sweep)) {
        doc["summary"].push_back({{"target", r.target},
                                  {"runs", r.runs},
                                  {"passed", r.passed},
                                  {"deliveries_per_s", spread_json(r.deliveries)},
                                  {"published_per_s", spread_json(r.published)},
                                  {"p50_ms", spread_json(r.p50, 1e-3)},
                                  {"p99_ms", spread_json(r.p99, 1e-3)},
                                  {"p999_ms", spread_json(r.p999, 1e-3)},
                                  {"server_cpu_percent", spread_json(r.srv_cpu)},
                                  {"server_cpu_ms_per_million", spread_json(r.cpu_ms_per_m)},
                                  {"server_peak_mib", spread_json(r.peak_mib)}});
    }
    // Ratios of the first target to each other one, within each repeat: median and spread.
    doc["ratios"] = Json::array();
    for (const auto& q : comparison_ratios(runs, o.sweep)) {
        auto ratio = [](const Spread& s) { return s.median > 0 ? spread_json(s) : Json(nullptr); };
        doc["ratios"].push_back({{"numerator", q.numerator},
                                 {"denominator", q.denominator},
                                 {"repeats", q.repeats},
                                 {"deliveries_per_s", ratio(q.deliveries)},
                                 {"p50_ms", ratio(q.p50)},
                                 {"p99_ms", ratio(q.p99)},
                                 {"server_cpu_per_delivery", ratio(q.cpu_per_delivery)}});
    }
    // Compact: one line a consumer can grep ("pass":true) as well as parse.
    return doc.dump() + "\n";
}

namespace {

double number_or(const Json& j, const char* key, double fallback) {
    const auto it = j.find(key);
    return it == j.end() || !it->is_number() ? fallback : it->get<double>();
}

LatencySummary latency_from(const Json& j) {
    LatencySummary l;
    l.count = static_cast<std::uint64_t>(number_or(j, "samples", 0));
    l.p50_us = number_or(j, "p50_ms", 0) * 1e3;
    l.p90_us = number_or(j, "p90_ms", 0) * 1e3;
    l.p99_us = number_or(j, "p99_ms", 0) * 1e3;
    l.p999_us = number_or(j, "p999_ms", 0) * 1e3;
    l.max_us = number_or(j, "max_ms", 0) * 1e3;
    l.mean_us = number_or(j, "mean_ms", 0) * 1e3;
    return l;
}

}  // namespace

std::vector<RunResult> runs_from_json(const std::string& text) {
    const Json doc = Json::parse(text);
    std::vector<RunResult> runs;
    for (const Json& j : doc.at("runs")) {
        RunResult r;
        r.target = j.at("target").get<std::string>();
        r.protocol = j.value("protocol", "");
        r.scenario = j.at("scenario").get<std::string>();
        r.repeat = j.value("repeat", 0);
        r.pass = j.value("pass", false);
        r.best_step = j.value("best_step", -1);
        r.server_peak_kib = number_or(j, "server_peak_kib", -1);
        for (const Json& sj : j.at("steps")) {
            StepResult st;
            st.rate_per_publisher = number_or(sj, "rate_per_publisher", 0);
            st.published_per_s = number_or(sj, "published_per_s", 0);
            st.deliveries_per_s = number_or(sj, "deliveries_per_s", 0);
            st.latency = latency_from(sj.at("latency"));
            st.server_cpu = number_or(sj, "server_cpu_percent", -1);
            st.sustained = sj.value("sustained", false);
            r.steps.push_back(st);
        }
        for (const auto& [k, v] : j.at("extra").items()) {
            r.extra[k] = v.get<double>();
        }
        runs.push_back(std::move(r));
    }
    return runs;
}

}  // namespace parley::load
