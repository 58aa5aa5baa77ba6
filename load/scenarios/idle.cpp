// idle: connected clients that joined a room and say nothing; what each costs the server.

#include <algorithm>

#include <fmt/format.h>

#include "load/proc.hpp"
#include "load/scenarios/scenario.hpp"

namespace parley::load {

namespace {

class Idle : public Scenario {
  public:
    int connections(const ScenarioOptions& o, Protocol) const override { return o.clients; }
    void lay_out(Engine& e) override {
        Layout& l = e.layout();
        const ScenarioOptions& o = e.options();
        const int per_room = std::max(1, o.members);
        int room = -1;
        for (int i = 0; i < o.clients; ++i) {
            if (i % per_room == 0) {
                room = l.add_room(fmt::format("{}r{}", e.room_prefix(), i / per_room));
            }
            l.add_conn(room, true, true);
        }
    }
    // Nothing is published: one step that tells whether they stayed connected, and the
    // server's memory per connection.
    void run(Engine& e) override {
        const int pid = e.target().pid;
        const ProcSample before = sample_process(pid);
        if (!e.connect_all()) {
            return;
        }
        const std::uint64_t end = now_ns() + static_cast<std::uint64_t>(e.options().duration * 1e9);
        const double cli0 = self_cpu_seconds();
        const ProcSample srv0 = sample_process(pid);
        const std::uint64_t t0 = now_ns();
        e.pass_time("idle", end);
        const ProcSample after = sample_process(pid);
        const double seconds = static_cast<double>(now_ns() - t0) / 1e9;
        RunResult& r = e.result();
        StepResult s;
        s.client_cpu = 100.0 * (self_cpu_seconds() - cli0) / seconds;
        s.disconnects = e.step_disconnects();
        s.bottleneck = "neither";
        if (before.ok && after.ok) {
            s.server_cpu = 100.0 * (after.cpu_s - srv0.cpu_s) / seconds;
            s.server_rss_kib = after.rss_kib;
            r.extra["server_rss_before_kib"] = before.rss_kib;
            r.extra["server_rss_after_kib"] = after.rss_kib;
            r.extra["server_kib_per_connection"] =
                (after.rss_kib - before.rss_kib) /
                static_cast<double>(std::max<std::uint64_t>(1, e.ready_count()));
        }
        s.sustained = s.disconnects == 0;
        if (!s.sustained) {
            s.why = fmt::format("{} idle clients disconnected", s.disconnects);
        }
        r.steps.push_back(s);
    }
};

}  // namespace

std::unique_ptr<Scenario> make_idle() {
    return std::make_unique<Idle>();
}

}  // namespace parley::load
