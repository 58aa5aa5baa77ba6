#pragma once
// One connected client, from accept to close.
//
// A session runs two coroutines at once: the reader, which turns bytes into lines and lines
// into commands, and the writer, which drains the outbox into the socket. When either ends the
// other is cancelled (awaitable operator ||). Everything the session holds is a member of this
// object, which lives in the session coroutine's frame: the socket, the outbox, the nickname
// (Registration) and the rooms (Memberships) are released by their destructors on every way
// out (quit, EOF, error, eviction, shutdown), in reverse order of declaration.

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "server/memberships.hpp"
#include "server/message.hpp"
#include "server/outbox.hpp"
#include "server/registry.hpp"
#include "shared/command.hpp"
#include "shared/line_reader.hpp"
#include "shared/rate_limiter.hpp"
#include "shared/telnet.hpp"

namespace parley {

struct ServerState;
class Lines;

class Session {
  public:
    using clock = std::chrono::steady_clock;

    Session(asio::ip::tcp::socket socket, ServerState& state, std::string peer);
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    ~Session();

    // The session's whole life; returns when the connection is done.
    asio::awaitable<void> run();

    // Queues `m` for this client. A client whose unread bytes would pass the outbox limit is
    // disconnected on the spot; the caller never waits for it.
    void deliver(const Message& m);

    // Ends the session politely: `last` (may be empty) and everything queued before it are
    // written, then the connection is closed. Reading stops at once.
    void finish(std::string_view reason, const Message& last);

    // Ends the session now: closes the socket, which cancels both coroutines. Safe while a
    // room is being walked: the memberships are released only when the coroutine unwinds.
    void disconnect(std::string_view reason);

    // Server shutdown: the goodbye line, then close; nobody is told of this one's quit.
    void shut_down(const Message& goodbye);

    const std::string& nick() const { return registration_.nick(); }
    const std::string& peer() const { return peer_; }
    clock::time_point last_input() const { return last_input_; }
    Message quit_notice() const;

  private:
    asio::awaitable<void> read_loop();
    asio::awaitable<void> write_loop();
    asio::awaitable<void> linger();

    void on_bytes(std::string_view chunk);
    void on_line(std::string_view line);
    void refuse(std::string_view code, std::string_view text);
    void strike(std::string_view reason);
    void set_reason(std::string_view reason);
    Lines lines() const;

    // Commands (commands.cpp).
    void handle(const cmd::Say& c);
    void handle(const cmd::Help& c);
    void handle(const cmd::Nick& c);
    void handle(const cmd::Join& c);
    void handle(const cmd::Leave& c);
    void handle(const cmd::Rooms& c);
    void handle(const cmd::Who& c);
    void handle(const cmd::Msg& c);
    void handle(const cmd::Me& c);
    void handle(const cmd::Topic& c);
    void handle(const cmd::Quit& c);
    void handle(const cmd::Empty& c);
    void handle(const cmd::Error& c);
    void greet();
    void enter(Room& room);  // joins `room` and shows its join block
    void move_to(Room& room);

    ServerState& state_;
    asio::ip::tcp::socket socket_;
    std::string peer_;
    clock::time_point opened_;
    clock::time_point last_input_;
    std::string quit_reason_;
    bool ending_ = false;  // finish() was called: read no more, let the writer flush
    bool flood_reported_ = false;

    Outbox outbox_;
    std::string unsent_;  // the tail of a batch the socket did not take at once
    Registration registration_;
    Memberships rooms_;
    TelnetFilter telnet_;
    LineReader line_reader_;
    TokenBucket rate_;
    TokenBucket strikes_;
};

// Serves one accepted connection: admits it (or refuses it with a one-line reason) and runs
// its session. Holds the session's ScopeToken and ConnectionSlot for its whole life.
asio::awaitable<void> serve_client(asio::ip::tcp::socket socket, ServerState& state);

}  // namespace parley
