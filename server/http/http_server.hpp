#pragma once
// Parley's HTTP/1.1 server: /metrics for Prometheus on --metrics-listen, and the web client's
// files and its WebSocket endpoint on --http-listen (server/web/web_endpoint.cpp), each a
// server of its own with its own routes.
//
// Built as the chat listeners are (the design card): an acceptor coroutine per
// --metrics-listen endpoint spawns a session coroutine per connection, whose frame holds its
// scoped guards: the live-session token (shutdown waits for it), the connection's slot among
// the HTTP connections (bounded; shutdown closes them all), and the socket. The request head
// is parsed by shared/http (pure, fuzzed); each request must arrive within a deadline, so a
// slow client holds a slot for a few seconds at most. Keep-alive is HTTP/1.1's default; a
// refused head, a request with a body, or "Connection: close" ends the connection after the
// response. A route may switch the connection to another protocol (101, a WebSocket): the
// session coroutine writes the 101 and hands the socket on, and with it ends, releasing its
// slot among the HTTP connections; the new protocol's session coroutine takes over.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "server/endpoint.hpp"
#include "server/task.hpp"
#include "shared/http/request.hpp"

namespace parley {

struct ServerState;
class TlsConnection;

struct HttpResponse {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // more fields (Allow, ...)
};

// The response's bytes: status line, fields (Date, Content-Type, Content-Length, Connection,
// the response's own) and, unless `head_only` (a HEAD request), the body.
std::string serialize(const HttpResponse& r, bool keep_alive, bool head_only);

// A plain-text answer refusing a request: "404 Not Found: no such page".
HttpResponse error_response(unsigned status, std::string_view why);

// "OK", "Not Found", ...: the reason phrase of a status.
std::string_view reason_phrase(unsigned status);

class HttpServer {
  public:
    // Makes the response to a GET (or HEAD) of the route's path.
    using Handler = std::function<HttpResponse(const http::Request&)>;

    struct Limits {
        http::Limits head;
        std::size_t max_connections = 64;
        // Seconds a client has to send a whole request head, counted from the end of the
        // previous response (or the connection's start), and to read a response.
        double timeout = 10;
    };

    HttpServer(ServerState& state, Limits limits);
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Serves GET and HEAD of `path` (other methods: 405 with Allow; other paths: 404).
    void route(std::string path, Handler handler);

    // A path where the connection may switch protocols. `check` answers the request: 101 to
    // switch (its headers say to what), anything else is sent as a refusal. After the 101 is
    // written, `take` is given the connection, and its TLS when it came over HTTPS.
    struct Upgrade {
        Handler check;
        std::function<void(Socket, std::unique_ptr<TlsConnection>)> take;
    };
    void upgrade(std::string path, Upgrade upgrade);

    // The acceptor coroutine of one endpoint (over TLS if `tls`: HTTPS): spawns serve() per
    // connection until the acceptor is closed.
    Task<void> listen(Acceptor& acceptor, bool tls = false);

    // Shutdown: closes every connection (their session coroutines then end).
    void close_all();

    std::size_t connections() const { return open_.size(); }

  private:
    friend class HttpSlot;
    Task<void> serve(Socket socket, bool tls);
    HttpResponse respond(const http::Request& request) const;

    ServerState& state_;
    Limits limits_;
    std::map<std::string, Handler, std::less<>> routes_;
    std::map<std::string, Upgrade, std::less<>> upgrades_;
    std::unordered_set<Socket*> open_;  // the connections' sockets, in their coroutines' frames
};

}  // namespace parley
