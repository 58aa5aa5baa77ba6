#include "server/session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <asio/post.hpp>
#include <asio/write.hpp>
#include <exception>

#include "server/connection_limits.hpp"
#include "server/endpoint.hpp"
#include "server/lines.hpp"
#include "server/server_state.hpp"
#include "shared/text.hpp"

namespace parley {

using asio::ip::tcp;
namespace {

// A flush writes at most this much per send: keeps the shared write buffer bounded when the
// outbox limit is off.
constexpr std::size_t batch_limit = 256 * 1024;

// Dead peers are noticed by TCP keepalive: after 60 s of silence, 3 probes 10 s apart.
void tune_socket(tcp::socket& s) {
    asio::error_code ec;
    s.set_option(tcp::no_delay(true), ec);  // we batch ourselves; Nagle would add delay
    s.set_option(asio::socket_base::keep_alive(true), ec);
    const int fd = s.native_handle();
    const int idle = 60, interval = 10, count = 3;
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
    s.non_blocking(true, ec);  // reads and first writes are tried directly
}

}  // namespace

void admit(tcp::socket socket, ServerState& state) {
    asio::error_code ec;
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec || state.closing) {
        return;
    }
    ConnectionSlot slot{state.limits, remote.address().to_string()};
    if (const char* code = slot.refused()) {
        spdlog::warn("refused {}: {}", describe(remote), code);
        std::string line;
        wire::append_error(line, code,
                           std::string_view(code) == "server-full"
                               ? "the server has as many connections as it takes; try later"
                               : "too many connections from your address; try later");
        // A fresh socket's send buffer always takes one short line; do not wait on the peer.
        socket.non_blocking(true, ec);
        socket.write_some(asio::buffer(line), ec);
        return;
    }
    tune_socket(socket);
    std::make_shared<Session>(std::move(socket), state, std::move(slot), describe(remote))->start();
}

Session::Session(tcp::socket socket, ServerState& state, ConnectionSlot slot, std::string peer)
    : state_(state),
      live_(state.scope),
      slot_(std::move(slot)),
      socket_(std::move(socket)),
      peer_(std::move(peer)),
      opened_(clock::now()),
      last_input_(opened_),
      outbox_(state.config.outbox_bytes),
      registration_(state.registry.add_guest(*this)),
      rooms_(*this, state.rooms),
      line_reader_(state.config.max_line),
      rate_(state.config.rate, state.config.burst, opened_),
      strikes_(state.config.strikes > 0 ? 1.0 : 0.0, state.config.strikes, opened_) {}

Session::~Session() {
    asio::error_code ignored;
    socket_.close(ignored);  // from here on, nothing is delivered to this session
    if (state_.closing) {
        rooms_.leave_silently();
    }
    set_reason("connection closed");  // when nothing more particular was said; rooms_ uses it
    const std::chrono::duration<double> lasted = clock::now() - opened_;
    spdlog::info("close {} {}: {} after {:.1f}s", peer_, nick(), quit_reason_, lasted.count());
}

void Session::start() {
    spdlog::info("open {} as {} ({} connected)", peer_, nick(), state_.registry.size());
    greet();
    enter(state_.rooms.lobby());
    read(shared_from_this());
}

Lines Session::lines() const {
    return Lines(state_.config.timestamps);
}

void Session::set_reason(std::string_view reason) {
    if (quit_reason_.empty()) {
        quit_reason_ = reason;
    }
}

Message Session::quit_notice() const {
    return lines().notice(fmt::format("{} quit ({})", nick(), quit_reason_)).done();
}

void Session::deliver(const Message& m) {
    if (!socket_.is_open() || outbox_.finished()) {
        return;  // closed, or finished: nothing more is written
    }
    if (!outbox_.offer(m)) {
        spdlog::warn("evict {} {}: too slow, {} unread bytes", peer_, nick(),
                     outbox_.unread_bytes());
        disconnect("too slow");
        return;
    }
    schedule_write();
}

void Session::finish(std::string_view reason, const Message& last) {
    if (ending_) {
        return;
    }
    ending_ = true;
    set_reason(reason);
    if (last && !outbox_.offer(last)) {
        disconnect(reason);
        return;
    }
    outbox_.finish();
    schedule_write();
    linger();
}

void Session::disconnect(std::string_view reason) {
    set_reason(reason);
    ending_ = true;
    asio::error_code ignored;
    socket_.close(ignored);
}

void Session::shut_down(const Message& goodbye) {
    finish("server shutdown", goodbye);  // ~Session leaves the rooms silently while closing
}

template <class F>
void Session::guarded(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        spdlog::error("session {} {} failed: {}", peer_, nick(), e.what());
        disconnect("server error");
    }
}

// Reading: one pending wait for "readable"; its handler holds the session.
void Session::read(std::shared_ptr<Session> self) {
    socket_.async_wait(tcp::socket::wait_read,
                       [self = std::move(self)](const asio::error_code& ec) mutable {
                           Session& s = *self;
                           s.on_readable(std::move(self), ec);
                       });
}

void Session::on_readable(std::shared_ptr<Session> self, const asio::error_code& ec) {
    if (ec) {
        disconnect(ec == asio::error::operation_aborted ? "connection closed" : ec.message());
        return;
    }
    if (ending_) {
        return;  // finish() was called: the writer flushes and closes
    }
    // The shared read buffer is ours until this handler returns.
    auto& buffer = state_.read_buffer;
    asio::error_code rec;
    const std::size_t n = socket_.read_some(asio::buffer(buffer), rec);
    if (rec == asio::error::would_block || rec == asio::error::try_again) {
        read(std::move(self));
        return;
    }
    if (rec == asio::error::eof) {
        // The client closed its sending side (Ctrl-D in nc); it may still read our replies.
        finish("connection closed", nullptr);
        return;
    }
    if (rec) {
        disconnect(rec == asio::error::connection_reset ? "connection reset" : rec.message());
        return;
    }
    last_input_ = clock::now();
    guarded([&] { on_bytes(std::string_view(buffer.data(), n)); });
    if (!ending_) {  // not finished, and not disconnected (a failure disconnects)
        read(std::move(self));
    }
}

// Writing. The flush is posted, not run inline, so everything the current handler queues (a
// whole read's worth of lines fanned out) goes out in one write per recipient.
void Session::schedule_write() {
    if (write_posted_ || writing_) {
        return;  // the pending flush or write picks the new message up
    }
    write_posted_ = true;
    asio::post(socket_.get_executor(),
               [self = shared_from_this()] { self->guarded([&] { self->flush(); }); });
}

void Session::flush() {
    write_posted_ = false;
    if (!socket_.is_open() || writing_) {
        return;
    }
    // The shared write buffer is ours until this function returns: the common case (the
    // socket takes the whole batch) needs no buffer of the session's own.
    std::string& batch = state_.write_buffer;
    for (;;) {
        batch.clear();
        if (outbox_.take(batch, batch_limit) == 0) {
            break;
        }
        asio::error_code ec;
        const std::size_t n = socket_.write_some(asio::buffer(batch), ec);
        if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
            disconnect(ec == asio::error::broken_pipe || ec == asio::error::connection_reset
                           ? "connection reset"
                           : ec.message());
            return;
        }
        outbox_.written(n);
        if (n < batch.size()) {
            unsent_.assign(batch, n);
            write_rest();
            return;
        }
    }
    if (outbox_.drained()) {
        // Everything up to finish() is written: say so to the peer, then let go.
        asio::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        socket_.close(ignored);
    }
}

// The socket took part of a batch: wait until it takes the rest, then go on with the outbox.
void Session::write_rest() {
    writing_ = true;
    asio::async_write(socket_, asio::buffer(unsent_),
                      [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                          Session& s = *self;
                          s.writing_ = false;
                          if (ec) {
                              s.disconnect(ec == asio::error::operation_aborted
                                               ? "connection closed"
                                               : "connection reset");
                              return;
                          }
                          s.outbox_.written(n);
                          std::string().swap(s.unsent_);
                          s.guarded([&] { s.flush(); });
                      });
}

// After finish(), a client that does not read its last lines is given `quit_linger` seconds.
// The timer exists only while a finished session flushes, and holds no claim on the session.
void Session::linger() {
    if (!socket_.is_open()) {
        return;
    }
    linger_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
    linger_->expires_after(from_seconds(state_.config.quit_linger));
    linger_->async_wait([weak = weak_from_this()](const asio::error_code& ec) {
        if (auto self = weak.lock(); self && !ec) {
            self->disconnect(self->quit_reason_);
        }
    });
}

void Session::on_bytes(std::string_view chunk) {
    std::string replies;
    const TelnetFilter::Output out = telnet_.filter(chunk, replies);
    if (!replies.empty()) {
        deliver(make_message(std::move(replies)));
    }
    line_reader_.feed(out.data, [this](LineReader::Kind kind, std::string_view line) {
        if (ending_) {
            return;
        }
        if (kind == LineReader::Kind::overlong) {
            refuse("line-too-long",
                   fmt::format("lines are limited to {} bytes; the line was discarded",
                               state_.config.max_line));
            return;
        }
        on_line(line);
    });
    if (out.interrupt && !ending_) {
        finish("interrupted", lines().info("Goodbye.").done());
    }
}

void Session::on_line(std::string_view line) {
    if (!line.empty() && line.front() == '\x04') {  // Ctrl-D from a telnet client
        finish("quit", lines().info("Goodbye.").done());
        return;
    }
    if (!rate_.try_take(clock::now())) {
        if (!flood_reported_) {
            flood_reported_ = true;
            deliver(lines()
                        .error("flood", fmt::format("you are sending faster than {} lines per "
                                                    "second; lines are being dropped",
                                                    state_.config.rate))
                        .done());
        }
        strike("flooding");
        return;
    }
    flood_reported_ = false;
    switch (check_text(line)) {
        case TextProblem::invalid_utf8:
            refuse("bad-utf8", "the line is not valid UTF-8 and was discarded");
            return;
        case TextProblem::control:
            refuse("control-character",
                   "the line contains a control character or escape sequence and was discarded");
            return;
        case TextProblem::none:
            break;
    }
    std::visit([this](const auto& c) { handle(c); }, cmd::parse(line));
}

void Session::refuse(std::string_view code, std::string_view text) {
    deliver(lines().error(code, text).done());
    strike("abuse");
}

void Session::strike(std::string_view reason) {
    if (ending_ || strikes_.try_take(clock::now())) {
        return;
    }
    spdlog::warn("disconnect {} {}: {}", peer_, nick(), reason);
    finish(
        reason,
        lines().error("disconnected", fmt::format("too many refused lines ({})", reason)).done());
}

}  // namespace parley
