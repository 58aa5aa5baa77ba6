#include "server/http/http_server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <array>
#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/write.hpp>
#include <ctime>
#include <exception>
#include <variant>

#include "server/accept_token.hpp"
#include "server/endpoint.hpp"
#include "server/http/http_stream.hpp"
#include "server/log_escaped.hpp"
#include "server/server_state.hpp"
#include "server/session_scope.hpp"
#include "server/transport/tls.hpp"

namespace parley {

using namespace asio::experimental::awaitable_operators;

namespace {

// RFC 9110 5.6.7: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[40];
    const std::size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(text, n);
}

}  // namespace

HttpResponse error_response(unsigned status, std::string_view why) {
    HttpResponse r;
    r.status = status;
    r.body = fmt::format("{} {}: {}\n", status, reason_phrase(status), why);
    return r;
}

std::string_view reason_phrase(unsigned status) {
    switch (status) {
        case 101:
            return "Switching Protocols";
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 403:
            return "Forbidden";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 414:
            return "URI Too Long";
        case 426:
            return "Upgrade Required";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

std::string serialize(const HttpResponse& r, bool keep_alive, bool head_only) {
    std::string out = fmt::format("HTTP/1.1 {} {}\r\nDate: {}\r\n", r.status,
                                  reason_phrase(r.status), http_date());
    // 1xx: no content, so no Content-Length (RFC 9110 8.6); its own fields say the rest
    // (Connection: Upgrade).
    if (r.status >= 200) {
        fmt::format_to(std::back_inserter(out),
                       "Content-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n",
                       r.content_type, r.body.size(), keep_alive ? "keep-alive" : "close");
    }
    for (const auto& [name, value] : r.headers) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "\r\n";
    if (r.status >= 200 && !head_only) {
        out += r.body;
    }
    return out;
}

// Scoped guard: one HTTP connection counted among the open ones, held in the session
// coroutine's frame. Check refused() right after construction.
class HttpSlot {
  public:
    HttpSlot(HttpServer& server, Socket& socket) : server_(server), socket_(&socket) {
        if (server.open_.size() >= server.limits_.max_connections) {
            socket_ = nullptr;
            return;
        }
        server.open_.insert(socket_);
    }
    HttpSlot(const HttpSlot&) = delete;
    HttpSlot& operator=(const HttpSlot&) = delete;
    ~HttpSlot() {
        if (socket_ != nullptr) {
            server_.open_.erase(socket_);
        }
    }
    bool refused() const { return socket_ == nullptr; }

  private:
    HttpServer& server_;
    Socket* socket_;
};

HttpServer::HttpServer(ServerState& state, Limits limits) : state_(state), limits_(limits) {}

void HttpServer::route(std::string path, Handler handler) {
    routes_.insert_or_assign(std::move(path), std::move(handler));
}

void HttpServer::upgrade(std::string path, Upgrade upgrade) {
    upgrades_.insert_or_assign(std::move(path), std::move(upgrade));
}

void HttpServer::close_all() {
    asio::error_code ignored;
    for (Socket* s : open_) {
        s->close(ignored);  // the session's pending read or write completes, aborted
    }
}

HttpResponse HttpServer::respond(const http::Request& request) const {
    const auto route = routes_.find(request.path());
    if (route == routes_.end()) {
        return error_response(404, "no such page");
    }
    if (request.method != "GET" && request.method != "HEAD") {
        HttpResponse r = error_response(405, "only GET and HEAD");
        r.headers.emplace_back("Allow", "GET, HEAD");
        return r;
    }
    return route->second(request);
}

Task<void> HttpServer::listen(Acceptor& acceptor, bool tls) {
    for (;;) {
        try {
            Socket socket = co_await acceptor.async_accept(accept_token());
            asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), tls),
                           LogEscaped{"http session"});
            continue;
        } catch (const std::system_error& e) {
            if (e.code() == asio::error::operation_aborted || !acceptor.is_open()) {
                co_return;  // shutdown closed the acceptor
            }
            spdlog::error("http accept failed: {}", e.what());
            if (e.code() == asio::error::no_descriptors) {
                // Those waiting are closed at once rather than left hanging (see listener.cpp).
                state_.spare_descriptor.refuse_waiting(acceptor.native_handle());
            }
        } catch (const std::exception& e) {
            spdlog::error("accepting an http connection failed: {}", e.what());
        }
        // Out of descriptors or memory: back off instead of spinning.
        Timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
        co_await pause.async_wait(use_task_tuple);
    }
}

// The session coroutine of one HTTP connection: over TLS first a handshake, then requests,
// one after the other (pipelined ones too), each head within the deadline, until the client
// closes, asks to, errs, or switches protocols.
Task<void> HttpServer::serve(Socket socket, bool tls) {
    ScopeToken live{state_.scope};  // shutdown waits for this session too
    HttpSlot slot{*this, socket};   // bounded; shutdown closes what it holds
    Metrics& metrics = state_.metrics;
    Timer deadline(socket.get_executor());
    const auto timeout = from_seconds(limits_.timeout);
    // TLS, made with the certificate in force now: from here on the connection's only way in
    // and out. Moved to the chat session if the connection becomes a WebSocket.
    std::optional<TlsConnection> secure;
    HttpStream stream(socket, nullptr, deadline);
    if (tls) {
        if (slot.refused() || state_.closing) {
            co_return;  // a refusal would need a handshake first
        }
        secure.emplace(*state_.tls, socket.native_handle());
        auto handshake = std::make_unique<TlsHandshake>(socket, *secure, timeout);
        while (const auto wait = handshake->next()) {
            auto [ec] = co_await socket.async_wait(*wait, use_task_tuple);
            handshake->waited(ec);
        }
        if (!handshake->succeeded()) {
            co_return;
        }
        stream.use_tls(*secure);
    }
    // Writes `r` within the deadline; false if the connection is done.
    auto send = [&](const HttpResponse& r, bool keep_alive, bool head_only) -> Task<bool> {
        metrics.http_responses[r.status] += 1;
        const std::string bytes = serialize(r, keep_alive, head_only);
        deadline.expires_after(timeout);
        co_return co_await stream.write_all(bytes) && keep_alive;
    };
    if (slot.refused() || state_.closing) {
        co_await send(error_response(503, "too many connections"), false, false);
        co_await stream.linger();
        co_return;
    }
    metrics.http_connections += 1;
    asio::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);

    std::string buffer;  // what has arrived and is not yet handled: a head, maybe more
    http::Request request;
    for (;;) {
        // One request head, within the deadline, read as it comes.
        deadline.expires_after(timeout);
        http::ParseStatus status = http::parse_request_head(buffer, request, limits_.head);
        while (status == http::ParseStatus::incomplete) {
            const std::size_t had = buffer.size();
            buffer.resize(limits_.head.max_head);  // never more than one head's bytes
            std::size_t n = 0;
            const auto got = co_await stream.read_some(buffer.data() + had, buffer.size() - had, n);
            buffer.resize(had + n);
            if (got == HttpStream::Read::timeout) {
                // A slow client: told so, unless it has sent nothing of this request yet (an
                // idle keep-alive connection is simply closed).
                if (had > 0 && socket.is_open()) {
                    co_await send(error_response(408, "the request took too long"), false, false);
                    co_await stream.linger();
                }
                co_return;
            }
            if (got == HttpStream::Read::closed) {
                co_return;  // closed, reset, or shutdown closed it
            }
            status = http::parse_request_head(buffer, request, limits_.head);
        }
        if (status != http::ParseStatus::complete) {
            co_await send(error_response(http::status_of(status), http::describe(status)), false,
                          false);
            co_await stream.linger();
            co_return;
        }
        if (const auto up = upgrades_.find(request.path()); up != upgrades_.end()) {
            HttpResponse response = up->second.check(request);
            if (response.status == 101 && buffer.size() > request.head_size) {
                // The client may not send before it has the answer (RFC 6455 4.1): bytes here
                // would belong to neither protocol.
                response = error_response(400, "data sent before the handshake's answer");
            }
            if (response.status != 101) {
                co_await send(response, false, false);
                co_await stream.linger();
                co_return;
            }
            if (co_await send(response, true, false)) {
                std::unique_ptr<TlsConnection> handed;
                if (secure) {
                    handed = std::make_unique<TlsConnection>(std::move(*secure));
                }
                up->second.take(std::move(socket), std::move(handed));
            }
            co_return;  // this coroutine's guards go; the new protocol's session has its own
        }
        // A body is not read: answered, then the connection ends (its bytes would be taken
        // for the next request).
        const bool keep_alive = request.keep_alive && !request.has_body() && !state_.closing;
        HttpResponse response;
        try {
            response = respond(request);
        } catch (const std::exception& e) {
            spdlog::error("http {} {} failed: {}", request.method, request.path(), e.what());
            response = error_response(500, "the page could not be made");
        }
        const bool head_only = request.method == "HEAD";
        const std::size_t used = request.head_size;
        if (!co_await send(response, keep_alive, head_only)) {
            co_await stream.linger();
            co_return;
        }
        buffer.erase(0, used);  // a pipelined request stays
    }
}

}  // namespace parley
