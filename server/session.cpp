#include "server/session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "server/connection_limits.hpp"
#include "server/endpoint.hpp"
#include "server/lines.hpp"
#include "server/server_state.hpp"
#include "server/session_scope.hpp"
#include "shared/text.hpp"

namespace parley {

using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
namespace {
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// Past this, a wake-up of the writer stops taking messages and writes what it has; keeps one
// write's buffer bounded when the outbox limit is off.
constexpr std::size_t batch_limit = 256 * 1024;

std::chrono::duration<double> seconds(double s) {
    return std::chrono::duration<double>(s);
}

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

asio::awaitable<void> serve_client(tcp::socket socket, ServerState& state) {
    ScopeToken live{state.scope};
    asio::error_code ec;
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec || state.closing) {
        co_return;
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
        co_return;
    }
    tune_socket(socket);
    Session session{std::move(socket), state, describe(remote)};
    co_await session.run();
}

Session::Session(tcp::socket socket, ServerState& state, std::string peer)
    : state_(state),
      socket_(std::move(socket)),
      peer_(std::move(peer)),
      opened_(clock::now()),
      last_input_(opened_),
      outbox_(socket_.get_executor(), state.config.outbox_bytes),
      registration_(state.registry.add_guest(*this)),
      rooms_(*this, state.rooms),
      line_reader_(state.config.max_line),
      rate_(state.config.rate, state.config.burst, opened_),
      strikes_(state.config.strikes > 0 ? 1.0 : 0.0, state.config.strikes, opened_) {}

Session::~Session() {
    if (state_.closing) {
        rooms_.leave_silently();
    }
}

asio::awaitable<void> Session::run() {
    spdlog::info("open {} as {} ({} connected)", peer_, nick(), state_.registry.size());
    greet();
    enter(state_.rooms.lobby());
    co_await (read_loop() || write_loop());
    if (quit_reason_.empty()) {
        quit_reason_ = "connection closed";
    }
    const std::chrono::duration<double> lasted = clock::now() - opened_;
    spdlog::info("close {} {}: {} after {:.1f}s", peer_, nick(), quit_reason_, lasted.count());
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
    return Lines(state_.config.timestamps)
        .notice(fmt::format("{} quit ({})", nick(),
                            quit_reason_.empty() ? "connection closed" : quit_reason_))
        .done();
}

void Session::deliver(const Message& m) {
    if (!socket_.is_open()) {
        return;  // disconnected, waiting for its coroutines to unwind
    }
    if (!outbox_.offer(m)) {
        spdlog::warn("evict {} {}: too slow, {} unread bytes", peer_, nick(),
                     outbox_.unread_bytes());
        disconnect("too slow");
    }
}

void Session::finish(std::string_view reason, const Message& last) {
    if (ending_) {
        return;
    }
    ending_ = true;
    set_reason(reason);
    if ((last && !outbox_.offer(last)) || !outbox_.finish()) {
        disconnect(reason);
    }
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

asio::awaitable<void> Session::read_loop() {
    while (!ending_) {
        auto [ec] = co_await socket_.async_wait(tcp::socket::wait_read, use_tuple);
        if (ec) {
            disconnect(ec == asio::error::operation_aborted ? "connection closed" : ec.message());
            co_return;
        }
        // The shared read buffer is ours until the next co_await.
        auto& buffer = state_.read_buffer;
        std::size_t n = socket_.read_some(asio::buffer(buffer), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            continue;
        }
        if (ec == asio::error::eof) {
            // The client closed its sending side (Ctrl-D in nc); it may still read our replies.
            finish("connection closed", nullptr);
            break;
        }
        if (ec) {
            disconnect(ec == asio::error::connection_reset ? "connection reset" : ec.message());
            co_return;
        }
        last_input_ = clock::now();
        on_bytes(std::string_view(buffer.data(), n));
    }
    if (socket_.is_open()) {  // a polite end: give the writer time to flush
        co_await linger();
    }
}

// After finish(), the writer flushes and ends the session, which cancels this wait. A client
// that does not read its last lines is given `quit_linger` seconds, then closed.
asio::awaitable<void> Session::linger() {
    asio::steady_timer timer(socket_.get_executor());
    timer.expires_after(
        std::chrono::duration_cast<clock::duration>(seconds(state_.config.quit_linger)));
    co_await timer.async_wait(use_tuple);
}

asio::awaitable<void> Session::write_loop() {
    for (;;) {
        // The shared write buffer is ours from when next_batch resumes until the next co_await:
        // the common case (the socket takes the whole batch) needs no buffer of our own.
        std::string& batch = state_.write_buffer;
        const bool more = co_await outbox_.next_batch(batch, batch_limit);
        if (!batch.empty()) {
            asio::error_code ec;
            const std::size_t n = socket_.write_some(asio::buffer(batch), ec);
            if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
                disconnect(ec == asio::error::broken_pipe || ec == asio::error::connection_reset
                               ? "connection reset"
                               : ec.message());
                co_return;
            }
            outbox_.written(n);
            if (n < batch.size()) {
                unsent_.assign(batch, n);
                auto [wec, written] =
                    co_await asio::async_write(socket_, asio::buffer(unsent_), use_tuple);
                if (wec) {
                    disconnect(wec == asio::error::operation_aborted ? "connection closed"
                                                                     : "connection reset");
                    co_return;
                }
                outbox_.written(written);
                std::string().swap(unsent_);
            }
        }
        if (!more) {
            if (outbox_.finished()) {
                asio::error_code ignored;
                socket_.shutdown(tcp::socket::shutdown_send, ignored);
            }
            co_return;
        }
    }
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
