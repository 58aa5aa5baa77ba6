// slow: a fanout with some receivers that stop reading. First a baseline with every client
// reading, then the same load with them stalled: the healthy clients' figures should not
// change, and the server should evict the stalled ones.

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "load/scenarios/scenario.hpp"

namespace parley::load {

namespace {

class Slow : public Scenario {
  public:
    int connections(const ScenarioOptions& o, Protocol) const override {
        return o.clients + o.publishers + o.slow;
    }

    void lay_out(Engine& e) override {
        Layout& l = e.layout();
        room_ = lay_out_fanout(e);
        for (int i = 0; i < e.options().slow; ++i) {
            const int idx = l.add_conn(room_, true, false);
            l.conns[idx].healthy = false;
            l.conns[idx].reason_prefix = "slow client: ";
            slow_.push_back(idx);
        }
    }

    void run(Engine& e) override {
        if (!e.connect_all()) {
            return;
        }
        if (e.options().sweep) {
            run_at_rate(e);
            return;
        }
        RunResult& r = e.result();
        const double rate = e.options().rate;
        r.step_labels = {"baseline: every client reading", "with the slow clients not reading"};
        r.steps.push_back(e.run_step(rate));
        for (int idx : slow_) {
            e.pause_reading(idx);
        }
        r.steps.push_back(e.run_step(rate));
        count_evicted(e);
        const StepResult &a = r.steps[0], &b = r.steps[1];
        if (a.latency.p99_us > 0) {
            r.extra["slow_healthy_p99_ratio"] = b.latency.p99_us / a.latency.p99_us;
        }
        if (a.deliveries_per_s > 0) {
            r.extra["slow_healthy_delivery_ratio"] = b.deliveries_per_s / a.deliveries_per_s;
        }
    }

    bool on_ready(Engine& e, int idx) override {
        if (std::find(slow_.begin(), slow_.end(), idx) != slow_.end()) {
            slow_nicks_.insert(e.layout().conns[idx].nick);
        }
        return false;
    }

    // Parley announces an eviction as "-!- NICK quit (too slow)", IRC servers as
    // ":NICK!user@host QUIT :REASON": the first receiver counts them, by reason.
    void on_line(Engine& e, int idx, std::string_view text) override {
        const auto& receivers = e.layout().rooms[room_].receivers;
        if (slow_nicks_.empty() || receivers.empty() || receivers.front() != idx) {
            return;
        }
        std::string_view nick, reason;
        const bool quit = e.target().protocol == Protocol::irc ? irc_quit(text, nick, reason)
                                                               : parley_quit(text, nick, reason);
        if (quit && slow_nicks_.contains(std::string(nick))) {
            e.result().extra[fmt::format("slow_quit_{}", reason)] += 1;
        }
    }

  private:
    // A slow client never read; if the server evicted it, its socket now ends in EOF or RST.
    void count_evicted(Engine& e) {
        std::uint64_t evicted = 0;
        for (int idx : slow_) {
            if (e.peer_gone(idx)) {
                ++evicted;
                e.close(idx, "evicted");
            }
        }
        RunResult& r = e.result();
        const auto total = static_cast<std::uint64_t>(slow_.size());
        r.extra["slow_clients"] = static_cast<double>(total);
        r.extra["slow_evicted"] = static_cast<double>(evicted);
        if (evicted < total) {
            r.notes.push_back(fmt::format("{} of {} slow clients were not evicted by the end",
                                          total - evicted, total));
        }
    }

    int room_ = 0;
    std::vector<int> slow_;
    std::unordered_set<std::string> slow_nicks_;
};

}  // namespace

std::unique_ptr<Scenario> make_slow() {
    return std::make_unique<Slow>();
}

}  // namespace parley::load
