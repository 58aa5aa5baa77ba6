// churn: a fanout while other clients connect, join, send a few lines and leave at a set
// rate, every other one abruptly (RST). Whether connects fail, and whether the server's
// memory and member count come back to where they were.

#include <algorithm>

#include <fmt/format.h>

#include "load/payload.hpp"
#include "load/proc.hpp"
#include "load/scenarios/scenario.hpp"

namespace parley::load {

namespace {

class Churn : public Scenario {
  public:
    int connections(const ScenarioOptions& o, Protocol) const override {
        // The probe, and the churners connecting at once.
        return o.clients + o.publishers + 1 + o.connect_concurrency;
    }

    void lay_out(Engine& e) override {
        Layout& l = e.layout();
        const int room = lay_out_fanout(e);
        churn_room_ = l.add_room(e.room_prefix() + "c");
        // Parley tells its member counts (/rooms): a probe asks before and after the churn.
        if (e.target().protocol == Protocol::parley) {
            probe_ = l.add_conn(room, false, false);
            l.conns[probe_].healthy = false;
        }
    }

    void run(Engine& e) override {
        if (!e.connect_all()) {
            return;
        }
        const ScenarioOptions& o = e.options();
        RunResult& r = e.result();
        // Baseline after the steady clients are in, before any churn.
        const ProcSample base = sample_process(e.target().pid);
        const long members_before = probe_members(e);
        begin_ = now_ns();
        churning_ = true;
        e.set_fast_ticks(true);
        r.steps.push_back(e.run_step(o.rate));
        churning_ = false;
        e.set_fast_ticks(false);
        // Let the last churners finish leaving.
        e.wait_until([&] { return e.inflight() == 0; }, now_ns() + 10 * kSecond);
        e.wait_until(
            [&] {
                const auto& conns = e.layout().conns;
                return std::none_of(conns.begin(), conns.end(), [](const Conn& c) {
                    return c.transient && c.state != ConnState::closed;
                });
            },
            now_ns() + 10 * kSecond);
        // A churner that closed its side is gone for the client at once, but the server sees
        // its EOF in its own time: ask again until the count is back or 5 s have passed.
        long members_after = probe_members(e);
        const std::uint64_t settle_until = now_ns() + 5 * kSecond;
        while (members_before >= 0 && members_after != members_before && !g_interrupted &&
               now_ns() < settle_until) {
            members_after = probe_members(e);
        }
        const ProcSample after = sample_process(e.target().pid);
        r.extra["churn_connections"] = static_cast<double>(spawned_);
        r.extra["churn_failed_connects"] = static_cast<double>(failed_);
        r.extra["churn_completed"] = static_cast<double>(done_);
        if (base.ok && after.ok) {
            r.extra["server_rss_baseline_kib"] = base.rss_kib;
            r.extra["server_rss_after_kib"] = after.rss_kib;
            // Allocators keep some freed memory, so only a clear growth is worth a note.
            if (after.rss_kib > base.rss_kib * 1.2 + 1024) {
                r.notes.push_back(fmt::format(
                    "server memory grew from {:.0f} to {:.0f} KiB over the churn: a leak, or "
                    "memory the allocator keeps",
                    base.rss_kib, after.rss_kib));
            }
        }
        if (members_before >= 0) {
            r.extra["server_members_baseline"] = static_cast<double>(members_before);
            r.extra["server_members_after"] = static_cast<double>(members_after);
            if (members_after != members_before) {
                r.failures.push_back(fmt::format("server member count {} after churn, {} before",
                                                 members_after, members_before));
            }
        }
        if (failed_ > 0) {
            r.failures.push_back(fmt::format("{} churn connects failed", failed_));
        }
    }

    // New churners at --churn-rate, no more at once than --connect-concurrency.
    void on_tick(Engine& e, std::uint64_t now) override {
        if (!churning_) {
            return;
        }
        const ScenarioOptions& o = e.options();
        const auto due =
            static_cast<std::uint64_t>(static_cast<double>(now - begin_) / 1e9 * o.churn_rate);
        while (spawned_ < due && e.inflight() < o.connect_concurrency) {
            const int idx = e.layout().add_conn(churn_room_, true, false);
            e.layout().conns[idx].transient = true;
            ++spawned_;
            e.open_now(idx);
        }
    }

    // A churner in its room: chat briefly, then leave.
    bool on_ready(Engine& e, int idx) override {
        Conn& c = e.layout().conns[idx];
        if (!c.transient) {
            return false;
        }
        const ScenarioOptions& o = e.options();
        const Protocol p = e.target().protocol;
        std::string lines;
        for (int i = 0; i < o.churn_messages; ++i) {
            append_publish(p, lines, e.layout().rooms[c.room].name, o.size,
                           Payload{kMaxPublisherId, static_cast<std::uint64_t>(i), c.t_ready});
        }
        e.send(idx, lines);
        if (c.state == ConnState::closed) {
            return true;
        }
        ++done_;
        if (done_ % 2 == 0) {
            e.reset(idx);
        } else {
            if (p == Protocol::parley) {
                e.send(idx, "/quit\n");
            } else if (p == Protocol::irc) {
                e.send(idx, "QUIT :churn\r\n");
            } else if (p == Protocol::websocket) {
                std::string quit;
                WebSocketProtocol::append_quit(quit, "churn");
                e.send(idx, quit);
            }
            e.shutdown_write(idx);  // the server closes; the engine sees EOF and closes
        }
        return true;
    }

    void on_connect_failed(Engine&, int) override { ++failed_; }

    void on_line(Engine&, int idx, std::string_view text) override {
        if (idx != probe_ || !text.starts_with("--- ")) {
            return;
        }
        if (text.starts_with("--- Rooms (")) {
            probe_sum_ = 0;
        } else if (const long m = parley_room_members(text); m >= 0) {
            probe_sum_ += m;
            // /rooms lists every room; our churn room is the last one we care about, but the
            // reply has no end marker, so the count settles after a quiet moment.
            probe_reply_ = probe_sum_;
        }
    }

  private:
    // Members of every room, summed from Parley's /rooms; -1 without a probe.
    long probe_members(Engine& e) {
        if (probe_ < 0 || e.layout().conns[probe_].state != ConnState::ready) {
            return -1;
        }
        probe_reply_ = -2;
        e.send(probe_, "/rooms\n");
        // The reply has no end line: wait for it to start, then for a quiet 200 ms.
        e.wait_until([&] { return probe_reply_ >= 0; }, now_ns() + 5 * kSecond);
        long last = -3;
        while (last != probe_reply_ && !g_interrupted) {
            last = probe_reply_;
            e.wait_until([] { return false; }, now_ns() + kSecond / 5);
        }
        return probe_reply_;
    }

    int churn_room_ = -1;
    int probe_ = -1;
    long probe_reply_ = -2;  // -2: waiting
    long probe_sum_ = 0;
    bool churning_ = false;
    std::uint64_t begin_ = 0;
    std::uint64_t spawned_ = 0, failed_ = 0, done_ = 0;
};

}  // namespace

std::unique_ptr<Scenario> make_churn() {
    return std::make_unique<Churn>();
}

}  // namespace parley::load
