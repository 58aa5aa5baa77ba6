#pragma once
// The shared connection engine: opens the connections a scenario laid out, says each one's
// hello and waits for its handshake (per protocol), publishes at the step's rate, checks every
// delivery, and measures steps with their verdicts. Single-threaded and event-driven (epoll),
// so one core of the load client handles thousands of connections.
//
// What differs between scenarios (the layout, the steps, clients that misbehave on purpose)
// lives in load/scenarios/, which reaches in through EngineHooks and the calls below.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "load/delivery_check.hpp"
#include "load/layout.hpp"
#include "load/options.hpp"
#include "load/report.hpp"

namespace parley::load {

// Set by the SIGINT/SIGTERM handler: every run winds down, reports what it has and closes.
extern std::atomic<bool> g_interrupted;

inline constexpr std::uint64_t kSecond = 1'000'000'000ull;

class Engine;

// What a scenario hears of the engine. Each is called rarely (never per delivery).
class EngineHooks {
  public:
    virtual ~EngineHooks() = default;
    // A connection finished its handshake. True when the scenario takes it over: it is then
    // not counted as a connected client.
    virtual bool on_ready(Engine&, int /*conn*/) { return false; }
    // A Parley line that is not a delivery, part of the handshake or an error; for IRC, a line
    // that is none of those either (QUITs, notices, numerics).
    virtual void on_line(Engine&, int /*conn*/, std::string_view /*line*/) {}
    // Every turn of the event loop (about every millisecond while publishing).
    virtual void on_tick(Engine&, std::uint64_t /*now*/) {}
    // A transient connection could not connect.
    virtual void on_connect_failed(Engine&, int /*conn*/) {}
};

class Engine {
  public:
    Engine(const Target& target, const ScenarioOptions& options, const ExternalPublishers* external,
           EngineHooks& hooks);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    const Target& target() const { return t_; }
    const ScenarioOptions& options() const { return o_; }
    const ExternalPublishers* external() const { return ext_; }
    Layout& layout() { return layout_; }
    RunResult& result() { return r_; }
    // Room names start with this, unique per run, so runs on a shared server do not meet.
    std::string room_prefix() const;

    // After the scenario laid out its clients: they are queued to connect.
    void prepare();
    // Connects every queued client; false (with a failure in the result) if not all of them
    // got ready within --connect-timeout.
    bool connect_all();
    // Publishes at `rate` per publisher: warm-up, measured window, drain; then the figures
    // and the verdict of the step.
    StepResult run_step(double rate);
    // Runs the event loop until done() or the deadline (or an interrupt); whether done().
    bool wait_until(const std::function<bool()>& done, std::uint64_t deadline);
    // Runs the event loop until `deadline`, showing `phase` in the progress line.
    void pass_time(std::string phase, std::uint64_t deadline);
    // Ends the run: per-publisher figures, the best step, failures and the verdict.
    void finish();

    // Connections that got ready so far (transient ones not included).
    std::uint64_t ready_count() const { return ready_; }
    // Connections still connecting or in their handshake.
    int inflight() const { return inflight_; }
    // Healthy clients the server closed since the last step began.
    std::uint64_t step_disconnects() const { return step_disconnects_; }
    // Healthy clients of the layout that are no longer connected.
    std::uint64_t healthy_lost() const;
    // Closes every connection and connects the whole layout again from scratch, in rooms of new
    // names: publishers start their sequences over and receivers their checks, so the steps
    // after measure the full population again (a sweep, after an overloaded step got clients
    // evicted). The report keeps the first connection's figures. False if not all of them got
    // ready.
    bool reconnect_all();

    // For scenarios' own clients.
    void open_now(int conn);  // connects a connection added after prepare()
    void send(int conn, std::string_view bytes);
    void close(int conn, const std::string& reason);
    void reset(int conn);           // closes with an RST
    void shutdown_write(int conn);  // the server closes; the engine sees EOF and closes
    void pause_reading(int conn);
    // While on, the loop turns about every millisecond even when nothing publishes, for a
    // scenario whose on_tick paces something of its own (churn).
    void set_fast_ticks(bool on) { fast_ticks_ = on; }
    // Reads and drops whatever is pending; true if the server has closed the connection.
    bool peer_gone(int conn);

  private:
    struct Sink;

    void open_conn(int idx);
    void on_event(int idx, std::uint32_t events);
    void on_control(int idx, Control k, std::string_view text);
    void read_conn(int idx);
    void flush(int idx);
    void watch(int idx, bool in, bool out);
    void close_conn(int idx, const std::string& reason);
    void mark_ready(int idx);
    void pump(int timeout_ms);
    void publish_tick(std::uint64_t now);
    void progress(std::uint64_t now);
    void settle_external();
    void fill_rates(StepResult& s, double rate, double window) const;

    const Target t_;
    const ScenarioOptions o_;
    const ExternalPublishers* ext_;
    EngineHooks& hooks_;
    RunResult r_;
    Layout layout_;
    Counters n_;
    DeliveryCheck check_;
    int ep_ = -1;
    std::unique_ptr<char[]> rbuf_;
    int needed_ = 0;            // connections the scenario opens: where source addresses begin
    std::vector<int> pending_;  // connections still to open, last first
    int inflight_ = 0;
    std::uint64_t ready_ = 0;
    std::uint64_t source_count_ = 0;
    std::uint64_t nick_serial_ = 0;  // the last nickname given (protocols that name themselves)
    std::vector<std::string> room_names_;  // as laid out; reconnect_all() adds a generation
    int generation_ = 0;                   // reconnect_all() calls so far
    Histogram connect_hist_;

    bool publishing_ = false;
    bool fast_ticks_ = false;
    double rate_ = 0;
    std::uint64_t step_start_ = 0;
    std::uint64_t step_disconnects_ = 0;
    std::uint64_t server_errors_ = 0;
    std::uint64_t last_progress_ = 0;
    std::string phase_ = "connecting";
    std::uint64_t phase_end_ = 0;
};

}  // namespace parley::load
