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
// channel others offer messages to), the rate limits and the quit reason. What depends on the
// protocol the client speaks (framing, commands, wire formats) is its front end, also in the
// frame (see FrontEnd). Within the session coroutine two things run concurrently:
// - the reader, in serve() itself: it waits until the socket is readable, then reads into a
//   buffer shared by all sessions and handles every complete line;
// - the writer, a coroutine the session starts and awaits (write_loop), which lives as long as
//   the session, parked on its outbox when idle, and writes each batch with one send.

#include <asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <optional>

#include "server/endpoint.hpp"
#include "server/event.hpp"
#include "server/front_end.hpp"
#include "server/message.hpp"
#include "server/metrics.hpp"
#include "server/outbox.hpp"
#include "server/protocol.hpp"
#include "server/task.hpp"
#include "server/transport/tls.hpp"  // complete for serve()'s unique_ptr argument
#include "shared/rate_limiter.hpp"

namespace parley {

struct ServerState;
class Memberships;
class Registration;
class Room;
class TlsConnection;

// The session coroutine of one accepted connection, whose client speaks the protocol of
// `Front` (LineFrontEnd, IrcFrontEnd, WebFrontEnd), over TLS if `tls`: a handshake first, or
// `secured`, a TLS connection whose handshake is done (a WebSocket upgraded over HTTPS).
template <class Front>
Task<void> serve(Socket socket, ServerState& state, bool tls,
                 std::unique_ptr<TlsConnection> secured = nullptr);

class Session {
  public:
    using clock = std::chrono::steady_clock;

    Session(Socket& socket, ServerState& state, Protocol protocol);
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Whether the peer was still there when the session began.
    bool connected() const { return remote_.port() != 0; }
    // The peer's IP address, as the connection limits count it.
    std::string address() const { return remote_.address().to_string(); }
    // A connection past the limits: one line saying why, in the front end's words, and the
    // session ends.
    void refuse_connection(const char* code, FrontEnd& front);
    // Admission: takes the front end and the nickname and room guards the session coroutine
    // holds, and lets the front end begin. May throw; the coroutine's scope then releases what
    // was taken.
    void admit(FrontEnd& front, Registration& nick, Memberships& rooms);

    // The reader's step, after a wait for readability: reads what is there into the shared
    // buffer and handles every complete line. Never throws: a failure ends the session.
    void on_readable(const asio::error_code& wait_error) noexcept;
    // Whether the reader goes on: false once the session is ending, however that came about.
    bool reading() const { return !ending_; }

    // The client speaks through TLS from now on (`tls` lives in the session coroutine's
    // frame, after the handshake).
    void use_tls(TlsConnection& tls) { tls_ = &tls; }

    // Starts the writer coroutine, which runs until the outbox's stream ends.
    void start_writer();
    // After the reader has ended: waits for the writer to write what is queued and end. A
    // client that does not read its last lines within `quit_linger` seconds is disconnected.
    Task<void> writer_finished();

    // Queues `m` for this client. A client whose unread bytes would pass the outbox limit is
    // evicted on the spot; the caller never waits for it.
    void deliver(const Message& m) {
        if (!outbox_.offer(m)) {
            evict();
        } else if (outbox_.unread_bytes() > behind_threshold && !send_buffer_capped_) {
            cap_send_buffer();
        }
    }
    // Shows `e` to this client, in its front end's form (or not at all).
    void show(const Event& e) { front_->show(e); }
    // A room's message (text, action, notice) to this client. The hot path of a broadcast:
    // when the form this client takes is built already, it is queued without asking the front
    // end, whose object is in another cache line; else the front end builds it (show()).
    void show_message(const Event& e) {
        if (const Message& m = e.built(message_form_)) {
            if (!m->empty()) {  // empty: not for this protocol (a CTCP request for a terminal)
                deliver(m);
            }
        } else {
            show(e);
        }
    }
    // The form a front end takes a room's messages in: every member who takes the same form
    // is sent the same bytes, whatever else its front end does with other events.
    void set_message_form(Form f) { message_form_ = f; }

    // Ends the session politely: `last` (may be empty) and everything queued before it are
    // written, then the connection is closed. Reading stops at once.
    void finish(Ending cause, std::string_view reason, const Message& last);

    // A client too slow for what is queued for it is disconnected on the spot (with a reset).
    void evict() noexcept;
    // The same, for a client the outbox budget (--outbox-total) evicts as the furthest behind;
    // `session` is the Session (OutboxBudget::Evict).
    static void evict_over_budget(void* session) noexcept;

    // Unread bytes past which a client counts as having fallen behind: its socket's send
    // buffer is then capped (see cap_send_buffer).
    static constexpr std::size_t behind_threshold = 64 * 1024;
    // The send buffer a client that fell behind keeps (the kernel doubles it for its own
    // bookkeeping).
    static constexpr int capped_send_buffer = 16 * 1024;

    // Ends the session now: the outbox is dropped and the socket closed, which wakes the reader
    // and the writer. Safe while a room is being walked: the session leaves its rooms only when
    // its coroutine's scope ends, never inside this call.
    void disconnect(Ending cause, std::string_view reason) noexcept;

    // Server shutdown: the front end's goodbye line, then close; nobody is told of this one's
    // quit.
    void shut_down();

    const std::string& nick() const;
    Protocol protocol() const { return protocol_; }
    bool secure() const { return tls_ != nullptr; }
    // Bytes queued for the client and not yet written (for metrics).
    std::size_t unread_bytes() const { return outbox_.unread_bytes(); }
    // The client's host as IRC shows it: its IP address. Made when asked for (events and
    // replies), so that an idle connection does not hold it.
    std::string host() const { return remote_.address().to_string(); }
    // nick!user@host, as IRC names a user.
    std::string source() const;
    // The peer's address for log lines (see Described).
    Described peer() const { return Described{remote_}; }
    clock::time_point last_input() const { return last_input_; }
    clock::time_point opened() const { return opened_; }
    // An event this session causes now, in `room` (none for quits, nick changes, private
    // messages): who, as both protocols name it.
    Event event(EventKind kind, const Room* room = nullptr) const;
    // The quit event for peers, which Memberships emits as the session's scope ends; none
    // while the server shuts down.
    std::optional<Event> quit_event() const;
    // The line the server logs for a connection that ends.
    void log_close();

    // What front ends work with.
    ServerState& state() const { return state_; }
    FrontEnd& front() const { return *front_; }
    Registration& registration() const { return *registration_; }
    Memberships& rooms() const { return *rooms_; }
    bool ending() const { return ending_; }
    // Takes one line from the client's rate; false when it is over --rate and --burst.
    bool take_line();
    // Counts a refused line; too many end the session with `farewell`.
    void strike(std::string_view reason, const Message& farewell);
    // Why the session ended, as peers are told and as metrics count it; the first reason given
    // stays.
    void set_reason(Ending cause, std::string_view reason) noexcept;
    std::string_view quit_reason() const;

  private:
    friend struct SessionProbe;
    void count_delivery();  // tests read what was queued for a session
    enum class Close { orderly, reset };
    void close_socket(Close how) noexcept;
    void read_and_handle(const asio::error_code& wait_error);
    void read_tls();
    Task<void> write_loop();
    Task<void> write_rest(std::string_view unsent);
    void write_batches(Batch& batch);
    void write_now(std::string_view& bytes);
    void end_of_stream();
    void writer_ended() noexcept;
    void evict(std::string_view why) noexcept;
    void cap_send_buffer() noexcept;
    ServerState& state_;
    Socket& socket_;
    TlsConnection* tls_ = nullptr;          // null for plain TCP
    FrontEnd* front_ = nullptr;             // in the session coroutine's frame, as are
    Registration* registration_ = nullptr;  // the guards
    Memberships* rooms_ = nullptr;
    Timer* join_ = nullptr;  // while the session waits for its writer: the wake-up
    asio::ip::tcp::endpoint remote_;
    bool ending_ = false;  // finish() or disconnect() was called: read no more
    bool writer_running_ = false;
    bool send_buffer_capped_ = false;  // see cap_send_buffer
    const Protocol protocol_;
    Ending cause_ = Ending::closed;  // why the session ended (see set_reason)
    bool reason_given_ = false;
    clock::time_point opened_;
    clock::time_point last_input_;
    // Why the session ended, as peers are told; the first reason given stays. Allocated only
    // when the session ends: an idle connection holds none.
    std::unique_ptr<std::string> quit_reason_;
    Form message_form_ = Form::plain;  // next to the outbox: a broadcast touches both
    Outbox outbox_;
    TokenBucket rate_;
    TokenBucket strikes_;
};

}  // namespace parley
