#pragma once
// One connected client.
//
// serve() is the session coroutine: the acceptor co_spawns one per connection, and its body is
// the connection's whole life, from greeting to close (session.cpp reads top to bottom). Its
// frame holds the scoped guards — the live-session token, the connection slot, the socket, the
// nickname registration and the room memberships — so every way out (EOF, /quit, reset,
// eviction, idle timeout, shutdown, an exception) releases them the same way, in reverse order.
//
// Session is the state that coroutine works on, also in its frame: the outbox (the async
// channel others offer messages to), the input state (telnet filter, line framing, rate
// limits), and the quit reason. Within the session coroutine two things run concurrently:
// - the reader, in serve() itself: it waits until the socket is readable, then reads into a
//   buffer shared by all sessions and handles every complete line;
// - the writer, a coroutine the session starts and awaits (write_loop), which lives as long as
//   the session, parked on its outbox when idle, and writes each batch with one send.

#include <asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "server/endpoint.hpp"
#include "server/message.hpp"
#include "server/outbox.hpp"
#include "server/task.hpp"
#include "shared/command.hpp"
#include "shared/line_reader.hpp"
#include "shared/rate_limiter.hpp"
#include "shared/telnet.hpp"

namespace parley {

struct ServerState;
class Lines;
class Memberships;
class Registration;
class Room;

// The session coroutine of one accepted connection.
Task<void> serve(Socket socket, ServerState& state);

class Session {
  public:
    using clock = std::chrono::steady_clock;

    Session(Socket& socket, ServerState& state);
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Whether the peer was still there when the session began.
    bool connected() const { return remote_.port() != 0; }
    // The peer's IP address, as the connection limits count it.
    std::string address() const { return remote_.address().to_string(); }
    // A connection past the limits: one line saying why, and the session ends.
    void refuse_connection(const char* code);
    // Admission: takes the nickname and room guards the session coroutine holds, greets the
    // client and joins #lobby. May throw; the coroutine's scope then releases what was taken.
    void admit(Registration& nick, Memberships& rooms);

    // The reader's step, after a wait for readability: reads what is there into the shared
    // buffer and handles every complete line. Never throws: a failure ends the session.
    void on_readable(const asio::error_code& wait_error) noexcept;
    // Whether the reader goes on: false once the session is ending, however that came about.
    bool reading() const { return !ending_; }

    // Starts the writer coroutine, which runs until the outbox's stream ends.
    void start_writer();
    // After the reader has ended: waits for the writer to write what is queued and end. A
    // client that does not read its last lines within `quit_linger` seconds is disconnected.
    Task<void> writer_finished();

    // Queues `m` for this client. A client whose unread bytes would pass the outbox limit is
    // evicted on the spot; the caller never waits for it.
    void deliver(const Message& m);

    // Ends the session politely: `last` (may be empty) and everything queued before it are
    // written, then the connection is closed. Reading stops at once.
    void finish(std::string_view reason, const Message& last);

    // Ends the session now: the outbox is dropped and the socket closed, which wakes the reader
    // and the writer. Safe while a room is being walked: the session leaves its rooms only when
    // its coroutine's scope ends, never inside this call.
    void disconnect(std::string_view reason) noexcept;

    // Server shutdown: the goodbye line, then close; nobody is told of this one's quit.
    void shut_down(const Message& goodbye);

    const std::string& nick() const;
    // The peer's address for log lines (see Described).
    Described peer() const { return Described{remote_}; }
    clock::time_point last_input() const { return last_input_; }
    // The "quit (reason)" line for peers, which Memberships sends as the session's scope ends;
    // none while the server shuts down.
    Message quit_notice() const;
    // The line the server logs for a connection that ends.
    void log_close();

  private:
    friend struct SessionProbe;  // tests read what was queued for a session
    enum class Close { orderly, reset };
    void close_socket(Close how) noexcept;
    void evict() noexcept;
    void read_and_handle(const asio::error_code& wait_error);
    Task<void> write_loop();
    Task<void> write_rest(std::string_view unsent);
    void write_batches(Batch& batch);
    void write_now(std::string_view& bytes);
    void end_of_stream();
    void writer_ended() noexcept;

    // Input (input.cpp): bytes to lines to commands.
    void on_bytes(std::string_view chunk);
    void on_line(std::string_view line);
    void refuse(std::string_view code, std::string_view text);
    void strike(std::string_view reason);
    void set_reason(std::string_view reason) noexcept;
    std::string_view quit_reason() const;
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
    Socket& socket_;
    Registration* registration_ = nullptr;  // guards in the session coroutine's frame
    Memberships* rooms_ = nullptr;
    Timer* join_ = nullptr;  // while the session waits for its writer: the wake-up
    asio::ip::tcp::endpoint remote_;
    bool ending_ = false;  // finish() or disconnect() was called: read no more
    bool writer_running_ = false;
    bool flood_reported_ = false;
    clock::time_point opened_;
    clock::time_point last_input_;
    // Why the session ended, as peers are told; the first reason given stays. Allocated only
    // when the session ends: an idle connection holds none.
    std::unique_ptr<std::string> quit_reason_;
    Outbox outbox_;
    TelnetFilter telnet_;
    LineReader line_reader_;
    TokenBucket rate_;
    TokenBucket strikes_;
};

}  // namespace parley
