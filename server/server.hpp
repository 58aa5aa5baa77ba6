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

class Server {
  public:
    // Binds every --listen endpoint; throws std::runtime_error with a one-line reason (bad
    // address, port in use) if one fails.
    explicit Server(const Config& config);
    ~Server();

    // The bound endpoints ("127.0.0.1:40123"), with the real port when 0 was asked for.
    std::vector<std::string> endpoints() const;

    // Serves until SIGINT/SIGTERM (when `handle_signals`) or stop(); returns after every
    // session has ended or been closed at the shutdown deadline.
    void run(bool handle_signals = true);

    // Begins the same graceful shutdown a signal does. Safe from any thread.
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace parley
