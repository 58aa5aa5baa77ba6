#include "server/session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <asio/co_spawn.hpp>
#include <exception>
#include <optional>

#include "server/connection_limits.hpp"
#include "server/endpoint.hpp"
#include "server/irc/irc_front_end.hpp"
#include "server/line_front_end.hpp"
#include "server/log_escaped.hpp"
#include "server/memberships.hpp"
#include "server/registry.hpp"
#include "server/server_state.hpp"
#include "server/session_scope.hpp"
#include "server/transport/tls.hpp"
#include "server/web/web_front_end.hpp"
#include "shared/irc/text.hpp"

namespace parley {

using asio::ip::tcp;

namespace {

// The writer's completion. The writer catches what it throws itself, so there is nothing to
// log unless co_spawn's own machinery failed; a handler without state keeps the spawned
// coroutine's frame smaller (as does SessionEscaped).
struct WriterEscaped {
    void operator()(std::exception_ptr e) const noexcept { LogEscaped{"writer"}(e); }
};

tcp::endpoint remote_of(const Socket& s) {
    asio::error_code ec;
    tcp::endpoint ep = s.remote_endpoint(ec);
    return ec ? tcp::endpoint() : ep;
}

// A client that has not finished its TLS handshake by then is dropped (with a log line).
constexpr auto tls_handshake_timeout = std::chrono::seconds(10);

// The kernel's send buffer every client starts with: SO_SNDBUF 64 KiB, which Linux doubles
// for its bookkeeping (about 100 KB of data). Left to autotuning, Linux gives a connection up
// to tcp_wmem's maximum (4 MiB), and on loopback (a 64 KiB MSS) it starts there: a client that
// never reads would hold megabytes of kernel memory, outside RSS and outside the outbox budget.
// Set before the first write, the bound holds for every client; later (Session::
// cap_send_buffer) it would not shrink what the kernel already holds. Enough for chat: 128 KiB
// per round trip is over 600 KB/s at 200 ms, and the outbox holds what the socket has no room
// for meanwhile.
constexpr int send_buffer = 64 * 1024;

// Dead peers are noticed by TCP keepalive (--keepalive), and a peer that stops acknowledging
// what we sent by TCP_USER_TIMEOUT (see Keepalive::user_timeout_ms for why that value). Both
// are taken from the config at admission: a SIGHUP changes them for later connections only.
void tune_socket(Socket& s, const Keepalive& k) {
    asio::error_code ec;
    s.set_option(tcp::no_delay(true), ec);  // we batch ourselves; Nagle would add delay
    s.set_option(asio::socket_base::keep_alive(true), ec);
    const int fd = s.native_handle();
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &k.idle, sizeof k.idle);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &k.interval, sizeof k.interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &k.count, sizeof k.count);
    const unsigned user_timeout = k.user_timeout_ms();
    ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
    s.non_blocking(true, ec);  // reads and first writes are tried directly
}

}  // namespace

// The session coroutine. Its guards are declared in the order they are taken; leaving the
// scope, whichever way, releases them in reverse: the rooms (telling the peers it quit), the
// nickname, the connection slot, the front end and the session's own state, the live-session
// token, and last the socket (the parameter), which closes.
template <class Front>
Task<void> serve(Socket socket, ServerState& state, bool tls,
                 std::unique_ptr<TlsConnection> secured) {
    ScopeToken live{state.scope};  // shutdown waits for every live session
    Session session{socket, state, Front::protocol_kind};
    Front front{session};  // the client's protocol
    Metrics& metrics = state.metrics;
    metrics.of(Front::protocol_kind).accepted[tls || secured != nullptr] += 1;
    // Every accepted connection ends counted: as a refusal here or below, or as a disconnect.
    if (!session.connected() || state.closing) {
        metrics.refused(Front::protocol_kind,
                        state.closing ? Refusal::shutting_down : Refusal::gone);
        co_return;
    }
    ConnectionSlot slot{state.limits, session.address()};  // --max-clients, --max-per-address
    if (const char* code = slot.refused()) {
        metrics.refused(Front::protocol_kind, slot.refusal());
        if (!tls) {  // over TLS the line would need a handshake first: the refusal is logged
            session.refuse_connection(code, front);
        }
        co_return;
    }
    tune_socket(socket, state.config.keepalive);
    // The TLS transport, when the listener is a TLS one: made with the certificate in force
    // now, and shaken hands with before anything else (the first of the guards to go last).
    std::optional<TlsConnection> secure;
    if (secured) {
        secure.emplace(std::move(*secured));
        secured.reset();
        session.use_tls(*secure);
    } else if (tls) {
        secure.emplace(*state.tls, socket.native_handle());
        // On the heap for the handshake's while: plain sessions do not carry its timer.
        auto handshake = std::make_unique<TlsHandshake>(socket, *secure, tls_handshake_timeout);
        while (const auto wait = handshake->next()) {
            auto [ec] = co_await socket.async_wait(*wait, use_task_tuple);
            handshake->waited(ec);
        }
        if (!handshake->succeeded()) {
            metrics.refused(Front::protocol_kind, Refusal::tls_handshake);
            co_return;
        }
        session.use_tls(*secure);
    }
    Registration nick = state.registry.add_guest(session);
    Memberships rooms{session};
    session.admit(front, nick, rooms);  // the greeting; a plain client joins #lobby

    // From here on nothing throws out of this scope while the writer runs: it works on the
    // session in this frame, so the frame must outlive it (writer_finished() is the join).
    session.start_writer();
    // The reader: wait until the socket is readable, then handle whatever came.
    try {
        while (session.reading()) {
            auto [ec] = co_await socket.async_wait(Socket::wait_read, use_task_tuple);
            session.on_readable(ec);
        }
    } catch (...) {
        session.on_readable(asio::error::no_memory);  // the wait itself could not be set up
    }
    // The reader has ended (EOF, QUIT, idle timeout, shutdown, or the connection is gone):
    // the writer writes what is queued, within the quit linger, and ends.
    co_await session.writer_finished();
    session.log_close();
}

template Task<void> serve<LineFrontEnd>(Socket, ServerState&, bool, std::unique_ptr<TlsConnection>);
template Task<void> serve<IrcFrontEnd>(Socket, ServerState&, bool, std::unique_ptr<TlsConnection>);
template Task<void> serve<WebFrontEnd>(Socket, ServerState&, bool, std::unique_ptr<TlsConnection>);

Session::Session(Socket& socket, ServerState& state, Protocol protocol)
    : state_(state),
      socket_(socket),
      remote_(remote_of(socket)),
      protocol_(protocol),
      opened_(clock::now()),
      last_input_(opened_),
      outbox_(state.wakes, state.config.outbox_bytes),
      rate_(state.line_rate, opened_),
      strikes_(state.strike_rate, opened_) {
    outbox_.set_owner(this);
    // The budget's one way to evict, set by every session (the same function each time) so
    // that a budget needs nothing from whoever made it.
    state.wakes.budget().on_evict(&Session::evict_over_budget);
}

void Session::refuse_connection(const char* code, FrontEnd& front) {
    spdlog::warn("refused {}: {}", peer(), code);
    const Message line =
        front.farewell(FrontEnd::Farewell::refused, code,
                       std::string_view(code) == "server-full"
                           ? "the server has as many connections as it takes; try later"
                           : "too many connections from your address; try later");
    // A fresh socket's send buffer always takes one short line; do not wait on the peer.
    asio::error_code ec;
    socket_.non_blocking(true, ec);
    socket_.write_some(asio::buffer(*line), ec);
}

void Session::admit(FrontEnd& front, Registration& nick, Memberships& rooms) {
    front_ = &front;
    registration_ = &nick;
    rooms_ = &rooms;
    spdlog::info("open {} as {} ({}, {} connected)", peer(), this->nick(), front.protocol(),
                 state_.registry.size());
    front.begin();
}

const std::string& Session::nick() const {
    return registration_->nick();
}

std::string Session::source() const {
    return fmt::format("{}!{}@{}", nick(), front_->user(), host());
}

bool Session::take_line() {
    return rate_.try_take(state_.line_rate, clock::now());
}

void Session::strike(std::string_view reason, const Message& farewell) {
    if (ending_ || strikes_.try_take(state_.strike_rate, clock::now())) {
        return;
    }
    spdlog::warn("disconnect {} {}: {}", peer(), nick(), reason);
    finish(Ending::strikes, reason, farewell);
}

// Never throws: ending a session must not fail. Should the reason not fit in memory, the
// session ends all the same, with the default reason.
void Session::set_reason(Ending cause, std::string_view reason) noexcept {
    if (reason_given_) {
        return;
    }
    reason_given_ = true;
    cause_ = cause;
    try {
        quit_reason_ = std::make_unique<std::string>(reason);
    } catch (...) {
    }
}

std::string_view Session::quit_reason() const {
    return quit_reason_ ? std::string_view(*quit_reason_) : std::string_view("connection closed");
}

Event Session::event(EventKind kind, const Room* room) const {
    Event e;
    e.kind = kind;
    e.origin = this;
    e.room = room;
    e.nick = nick();
    e.source = source();
    return e;
}

std::optional<Event> Session::quit_event() const {
    if (state_.closing) {
        return std::nullopt;  // everybody is leaving: nobody is told of anybody's quit
    }
    Event e = event(EventKind::quit);
    // Cut as IRC's other texts are (390 bytes, at a UTF-8 boundary): a plain /quit may be longer.
    e.text = irc::cut_utf8(quit_reason(), 390);
    return e;
}

void Session::log_close() {
    // WHOWAS remembers who left. Not essential: without memory for it, nobody is remembered.
    try {
        state_.whowas.remember(*this, nick());
    } catch (...) {
    }
    state_.metrics.ended(protocol_, cause_);
    const std::chrono::duration<double> lasted = clock::now() - opened_;
    spdlog::info("close {} {}: {} after {:.1f}s", peer(), nick(), quit_reason(), lasted.count());
}

// --- the reader -----------------------------------------------------------------------------

void Session::on_readable(const asio::error_code& wait_error) noexcept {
    if (ending_) {
        return;  // finish() or disconnect() woke the wait: the reader ends
    }
    try {
        read_and_handle(wait_error);
    } catch (const std::exception& e) {
        // Out of memory, say: this session ends, the server goes on.
        spdlog::error("session {} {} failed: {}", peer(), nick(), e.what());
        disconnect(Ending::error, "server error");
    } catch (...) {
        spdlog::error("session {} {} failed", peer(), nick());
        disconnect(Ending::error, "server error");
    }
}

void Session::read_and_handle(const asio::error_code& wait_error) {
    if (wait_error) {
        if (wait_error == asio::error::operation_aborted) {
            disconnect(Ending::closed, "connection closed");
        } else {
            disconnect(Ending::error, wait_error.message());
        }
        return;
    }
    if (tls_ != nullptr) {
        read_tls();
        return;
    }
    // The shared read buffer is ours until this function returns: an idle session holds no
    // read buffer of its own.
    auto& buffer = state_.read_buffer;
    asio::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
        return;
    }
    if (ec == asio::error::eof) {
        // The client closed its sending side (Ctrl-D in nc); it may still read our replies.
        finish(Ending::closed, "connection closed", nullptr);
        return;
    }
    if (ec) {
        if (ec == asio::error::connection_reset) {
            disconnect(Ending::reset, "connection reset");
        } else {
            disconnect(Ending::error, ec.message());
        }
        return;
    }
    state_.metrics.of(protocol_).bytes_received += n;
    last_input_ = clock::now();
    front_->on_bytes(std::string_view(buffer.data(), n));
}

// Over TLS: everything OpenSSL can decrypt now, which may be more than the socket will signal
// again (records already received), so read until it asks to wait.
void Session::read_tls() {
    auto& buffer = state_.read_buffer;
    for (;;) {
        TlsResult r = tls_->read(buffer.data(), buffer.size());
        if (r.bytes > 0) {
            state_.metrics.of(protocol_).bytes_received += r.bytes;
            last_input_ = clock::now();
            front_->on_bytes(std::string_view(buffer.data(), r.bytes));
            if (ending_) {
                return;
            }
        }
        switch (r.status) {
            case TlsResult::Status::done:
                continue;  // the buffer was filled: there may be more
            case TlsResult::Status::want_read:
            case TlsResult::Status::want_write:
                return;
            case TlsResult::Status::closed:
                finish(Ending::closed, "connection closed", nullptr);
                return;
            case TlsResult::Status::error:
                disconnect(Ending::error, r.reason);
                return;
        }
    }
}

// --- the writer -----------------------------------------------------------------------------

void Session::start_writer() {
    // Set first: co_spawn runs the writer at once, up to its first wait.
    writer_running_ = true;
    try {
        asio::co_spawn(socket_.get_executor(), write_loop(), WriterEscaped{});
    } catch (...) {
        writer_running_ = false;
        throw;
    }
}

// The writer consumes the outbox as a generator: each batch is everything queued since the
// last one, tried at once on the non-blocking socket.
Task<void> Session::write_loop() {
    // A batch is in a buffer all writers share, this writer's from when next_batch() resumes
    // it until its next suspension: in the common case the socket takes the whole batch at
    // once, and the session needs no write buffer of its own. (Locals here live as long as the
    // session; helpers that are not coroutines keep theirs out of this frame.)
    try {
        while (Batch batch = co_await outbox_.next_batch()) {
            write_batches(batch);
            // The socket took less: wait until it takes the rest, then go straight on with
            // whatever was queued meanwhile rather than wait for the next turn to bring it.
            while (!batch.bytes.empty() && socket_.is_open()) {
                co_await write_rest(batch.bytes);
                batch = outbox_.take_batch();
                write_batches(batch);
            }
            if (!socket_.is_open()) {
                break;
            }
        }
        end_of_stream();
    } catch (const std::exception& e) {
        spdlog::error("writer of {} {} failed: {}", peer(), nick(), e.what());
        disconnect(Ending::error, "server error");
    } catch (...) {
        spdlog::error("writer of {} {} failed", peer(), nick());
        disconnect(Ending::error, "server error");
    }
    writer_ended();  // reached on every way out: the session waits for exactly this
}

// The socket took less than a whole batch: the rest is the writer's own (others use the shared
// buffer meanwhile), written as the socket becomes writable. A frame of its own, so an idle
// writer does not carry this one's in its own.
Task<void> Session::write_rest(std::string_view unsent) {
    std::string rest(unsent);  // copied before the first suspension, while `unsent` is valid
    std::string_view left = rest;
    // The copy is this client's memory too: counted in the outbox budget until it is written
    // (or the outbox closes). Counting it may evict this very client (shed() closes the
    // socket): the loop then ends at once.
    outbox_.copy_held(rest.capacity());
    while (!left.empty() && socket_.is_open()) {
        // An aborted wait with the socket still open is finish() waking the reader: wait again.
        co_await socket_.async_wait(Socket::wait_write, use_task_tuple);
        write_now(left);
    }
    outbox_.copy_released();
}

// Writes the batch and, while the socket takes everything and more is queued (a backlog
// larger than one batch), the batches after it: a wake-up writes all the socket takes, not one
// batch a turn, or a backlog would grow under load. Leaves in `batch` what the socket did not
// take.
void Session::write_batches(Batch& batch) {
    for (;;) {
        write_now(batch.bytes);
        if (!batch.bytes.empty() || !socket_.is_open()) {
            return;
        }
        batch = outbox_.take_batch();
        if (!batch) {
            return;
        }
    }
}

// Writes what the socket takes now and leaves `bytes` holding what it did not take. A failed
// connection is disconnected (and `bytes` is left as it was).
void Session::write_now(std::string_view& bytes) {
    if (tls_ != nullptr) {
        // What OpenSSL took is sealed into records: the rest is offered again, unchanged in
        // content, when the socket is writable (write_rest), as OpenSSL requires.
        TlsResult r = tls_->write(bytes.data(), bytes.size());
        outbox_.written(r.bytes);
        state_.metrics.of(protocol_).bytes_sent += r.bytes;
        bytes.remove_prefix(r.bytes);
        if (r.status == TlsResult::Status::error || r.status == TlsResult::Status::closed) {
            disconnect(Ending::reset,
                       r.reason.empty() ? std::string_view("connection reset") : r.reason);
        }
        return;
    }
    asio::error_code ec;
    const std::size_t n = socket_.write_some(asio::buffer(bytes), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
        return;
    }
    if (ec) {
        if (ec == asio::error::broken_pipe || ec == asio::error::connection_reset) {
            disconnect(Ending::reset, "connection reset");
        } else {
            disconnect(Ending::error, ec.message());
        }
        return;
    }
    outbox_.written(n);
    state_.metrics.of(protocol_).bytes_sent += n;
    bytes.remove_prefix(n);
}

// After the stream's end: once everything up to finish() is written, say so to the peer.
void Session::end_of_stream() {
    if (!outbox_.closed() && socket_.is_open()) {
        if (tls_ != nullptr) {
            tls_->shutdown();  // close_notify, best effort
        }
        asio::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
    }
}

void Session::writer_ended() noexcept {
    writer_running_ = false;
    if (join_ != nullptr) {
        join_->cancel();  // the session coroutine waits for exactly this
    }
}

Task<void> Session::writer_finished() {
    outbox_.finish();  // already so, unless the reader ended by a failure
    if (!writer_running_) {
        co_return;
    }
    // The linger timer exists only while a finished session flushes. Should even this wait
    // fail to allocate, the frame could not unwind under a running writer: the process stops
    // rather than risk it (Asio serves the frame from the block the reader's last wait freed).
    try {
        Timer linger(socket_.get_executor(), from_seconds(state_.config.quit_linger));
        join_ = &linger;
        co_await linger.async_wait(use_task_tuple);
        if (writer_running_) {
            // The client does not read its last lines: close; the writer then ends at once.
            disconnect(Ending::linger, "quit linger");  // the reason given first stays
            linger.expires_at(Timer::time_point::max());
            co_await linger.async_wait(use_task_tuple);
        }
        join_ = nullptr;
    } catch (...) {
        spdlog::critical("cannot wait for the writer of {}: stopping", peer());
        std::terminate();
    }
}

// --- ending -----------------------------------------------------------------------------------

void Session::evict() noexcept {
    evict("outbox full");
}

void Session::evict_over_budget(void* session) noexcept {
    static_cast<Session*>(session)->evict("furthest behind with the outbox budget full");
}

// Logged with why (its own outbox past --outbox-bytes, or the furthest behind when all
// outboxes together passed --outbox-total); to the client and in the metrics, both are "too
// slow". No line is sent to it: its send buffer is full by then, and the reset would discard
// the line anyway.
void Session::evict(std::string_view why) noexcept {
    if (ending_ && outbox_.closed()) {
        return;  // already gone (disconnected or evicted)
    }
    spdlog::warn("evict {} {}: too slow ({}), {} unread bytes", peer(), nick(), why,
                 outbox_.unread_bytes());
    state_.metrics.of(protocol_).evictions += 1;
    set_reason(Ending::evicted, "too slow");
    ending_ = true;
    outbox_.close();
    // A reset, not an orderly close: the kernel may still hold megabytes queued for this
    // client, and an orderly close would keep them until the client read them all.
    close_socket(Close::reset);
}

// A client that has fallen behind (more than behind_threshold unread bytes in its outbox)
// keeps a smaller kernel send buffer from now on than every client starts with (send_buffer):
// a client that reads slowly drains its kernel queue down to this before the kernel takes
// more, so what it costs there shrinks to a quarter. Safe: Linux never drops what is queued
// already when SO_SNDBUF shrinks; it only accepts no more until the queue is below the new
// size, which the writer sees as would_block and waits out as always. The buffer stays small
// if the client catches up (SO_SNDBUF turns autotuning off); 32 KiB in flight (the kernel
// doubles the value) is still 160 KB/s at a 200 ms round trip, far above what a chat client
// receives.
void Session::cap_send_buffer() noexcept {
    send_buffer_capped_ = true;
    const int size = capped_send_buffer;
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

void Session::finish(Ending cause, std::string_view reason, const Message& last) {
    if (ending_) {
        return;
    }
    ending_ = true;
    set_reason(cause, reason);
    if (last && !outbox_.offer(last)) {
        evict();
        return;
    }
    outbox_.finish();
    // Wake the reader if it waits for input (the idle sweep or shutdown called this); the
    // writer goes on, since an aborted wait with the socket open only makes it wait again.
    asio::error_code ignored;
    socket_.cancel(ignored);
}

void Session::disconnect(Ending cause, std::string_view reason) noexcept {
    set_reason(cause, reason);
    ending_ = true;
    outbox_.close();
    close_socket(Close::orderly);
}

void Session::close_socket(Close how) noexcept {
    asio::error_code ignored;
    if (how == Close::reset && socket_.is_open()) {
        socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    }
    socket_.close(ignored);  // the pending waits complete, aborted
}

void Session::shut_down() {
    finish(Ending::shutdown, "server shutdown",
           front_->farewell(FrontEnd::Farewell::shutdown, "", "Server is shutting down. Goodbye."));
}

}  // namespace parley
