#pragma once
// The server: listens on the configured endpoints, runs every session on one io_context, and
// stops gracefully on SIGINT or SIGTERM. Declared without Asio so tests and main stay light.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/config.hpp"

namespace parley {

namespace store {
struct StoreStats;
}

// What the server holds at one moment: every count a session's guards add to and take from.
struct ServerStats {
    std::size_t live_sessions = 0;  // session coroutines that have not ended
    std::size_t connections = 0;    // connection slots held (--max-clients counts these)
    std::size_t nicknames = 0;      // registered nicknames
    std::size_t rooms = 0;          // rooms, #lobby included
    std::size_t memberships = 0;    // members, summed over the rooms
};

class Server {
  public:
    // Binds every --listen and --irc-listen endpoint; throws std::runtime_error with a one-line
    // reason (bad address, port in use) if one fails.
    explicit Server(const Config& config);
    ~Server();

    // The bound endpoints ("127.0.0.1:40123") of the plain listeners, or of the IRC ones when
    // `irc`, with the real port when 0 was asked for.
    std::vector<std::string> endpoints(bool irc = false) const;
    // The bound endpoints of the --metrics-listen listeners (HTTP, /metrics).
    std::vector<std::string> metrics_endpoints() const;
    // The bound endpoints of the --http-listen listeners (the web client, /ws).
    std::vector<std::string> http_endpoints() const;

    // Serves until SIGINT/SIGTERM (when `handle_signals`) or stop(); returns after every
    // session has ended or been closed at the shutdown deadline.
    void run(bool handle_signals = true);

    // Begins the same graceful shutdown a signal does. Safe from any thread.
    void stop();

    // The counts, read on the server's thread while run() is serving, or directly once it has
    // returned. Safe from any thread; throws std::runtime_error if the server does not answer
    // within 10 seconds.
    ServerStats stats();

    // The history store's counters (queue depth, writes, drops, batches, commit times, the
    // storage thread's CPU), readable from any thread; null when history is in memory only.
    const store::StoreStats* history_stats() const;

  private:
    void open_history();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace parley
