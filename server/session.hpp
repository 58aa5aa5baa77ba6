#pragma once
// One connected client, from accept to close.
//
// A session is driven by readiness, not by coroutines that wait on its behalf, so an idle
// connection holds no suspended frame and no buffer (docs/benchmarks.md has the bytes):
// - the reader is one pending "readable" wait; when it fires, every complete line in the
//   bytes read is handled at once, and the wait is armed again;
// - the writer exists only while the outbox holds something: the first message queued posts a
//   flush, which writes everything queued by then in one send (Redis writes its clients' output
//   the same way, once per turn of the event loop), and waits for the socket only when it
//   takes less than offered.
//
// Lifetime: whatever is pending for the session (the readable wait, a posted flush, a write
// waiting for room) holds a shared_ptr to it; when the last one completes, the session is
// destroyed. Everything it owns is a member, so its destructor is the one way out for every
// ending (quit, EOF, error, eviction, idle, shutdown): the socket closes, the nickname
// (Registration), the rooms (Memberships, which tell the peers it quit), the connection count
// (ConnectionSlot) and the server's count of live sessions (ScopeToken) are released, in
// reverse order of declaration.

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "server/connection_limits.hpp"
#include "server/memberships.hpp"
#include "server/message.hpp"
#include "server/outbox.hpp"
#include "server/registry.hpp"
#include "server/session_scope.hpp"
#include "shared/command.hpp"
#include "shared/line_reader.hpp"
#include "shared/rate_limiter.hpp"
#include "shared/telnet.hpp"

namespace parley {

struct ServerState;
class Lines;

class Session : public std::enable_shared_from_this<Session> {
  public:
    using clock = std::chrono::steady_clock;

    // Use admit(); a session must be owned by a shared_ptr before it starts.
    Session(asio::ip::tcp::socket socket, ServerState& state, ConnectionSlot slot,
            std::string peer);
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    ~Session();

    // Greets the client, joins #lobby and starts reading.
    void start();

    // Queues `m` for this client. A client whose unread bytes would pass the outbox limit is
    // disconnected on the spot; the caller never waits for it.
    void deliver(const Message& m);

    // Ends the session politely: `last` (may be empty) and everything queued before it are
    // written, then the connection is closed. Reading stops at once. A client that does not
    // read its last lines within `quit_linger` seconds (5) is closed anyway.
    void finish(std::string_view reason, const Message& last);

    // Ends the session now: closes the socket, which cancels whatever was pending. Safe while a
    // room is being walked: the session is destroyed (and leaves its rooms) only once the
    // cancelled operations have completed, never inside this call.
    void disconnect(std::string_view reason);

    // Server shutdown: the goodbye line, then close; nobody is told of this one's quit.
    void shut_down(const Message& goodbye);

    const std::string& nick() const { return registration_.nick(); }
    const std::string& peer() const { return peer_; }
    clock::time_point last_input() const { return last_input_; }
    // The "quit (reason)" line for peers; Memberships sends it as the session is destroyed,
    // by when ~Session has settled the reason.
    Message quit_notice() const;

  private:
    void read(std::shared_ptr<Session> self);
    void on_readable(std::shared_ptr<Session> self, const asio::error_code& ec);
    void schedule_write();
    void flush();
    void write_rest();
    void linger();
    // Runs `f`; an exception escaping it (out of memory, say) ends this session, not the
    // server (a coroutine's completion handler would have caught it).
    template <class F>
    void guarded(F&& f);

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
    ScopeToken live_;
    ConnectionSlot slot_;
    asio::ip::tcp::socket socket_;
    std::string peer_;
    clock::time_point opened_;
    clock::time_point last_input_;
    std::string quit_reason_;
    bool ending_ = false;  // finish() was called: read no more, let the writer flush
    bool flood_reported_ = false;
    bool write_posted_ = false;  // a flush is queued on the executor
    bool writing_ = false;       // an async_write of unsent_ is in progress

    Outbox outbox_;
    std::string unsent_;  // the tail of a batch the socket did not take at once
    std::unique_ptr<asio::steady_timer> linger_;  // only while a finished session flushes
    Registration registration_;
    Memberships rooms_;
    TelnetFilter telnet_;
    LineReader line_reader_;
    TokenBucket rate_;
    TokenBucket strikes_;
};

// Admits one accepted connection, or refuses it with a one-line reason, and starts its session.
void admit(asio::ip::tcp::socket socket, ServerState& state);

}  // namespace parley
