#include "server/web/web_endpoint.hpp"

#include <spdlog/spdlog.h>

#include <asio/co_spawn.hpp>
#include <string>

#include "server/http/http_server.hpp"
#include "server/log_escaped.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "server/transport/tls.hpp"
#include "server/web/assets.hpp"
#include "server/web/web_front_end.hpp"

namespace parley {

namespace {

// The page runs nothing it did not come with, talks to nobody but this server, and cannot be
// framed: with nicks and text always rendered as text, a second wall against script injection
// and clickjacking.
constexpr std::string_view content_security_policy =
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

HttpResponse asset_response(const web::Asset& asset) {
    HttpResponse r;
    r.content_type = asset.content_type;
    r.body = asset.body;
    // The files change with the server binary; revalidating each time keeps a reloaded page
    // in step with the protocol the server speaks.
    r.headers = {{"Cache-Control", "no-cache"},
                 {"Content-Security-Policy", std::string(content_security_policy)},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Referrer-Policy", "no-referrer"}};
    return r;
}

}  // namespace

void serve_web_client(HttpServer& http, ServerState& state, const ws::OriginPolicy& origins) {
    for (const web::Asset& asset : web::assets()) {
        http.route(std::string(asset.path),
                   [&asset](const http::Request&) { return asset_response(asset); });
    }
    HttpServer::Upgrade ws_upgrade;
    ws_upgrade.check = [origins](const http::Request& request) {
        const ws::UpgradeCheck check = ws::check_upgrade(request);
        if (check.status != 101) {
            HttpResponse r = error_response(check.status, check.problem);
            if (check.status == 426) {
                r.headers.emplace_back("Sec-WebSocket-Version", "13");
            } else if (check.status == 405) {
                r.headers.emplace_back("Allow", "GET");
            }
            return r;
        }
        // Cross-site WebSocket hijacking: a page elsewhere would open the socket with the
        // user's cookies and network position (RFC 6455 10.2).
        if (!ws::origin_allowed(request, origins)) {
            spdlog::warn("websocket refused: origin {} is not allowed",
                         request.header("Origin").value_or(""));
            return error_response(403,
                                  "this page's origin may not open a chat session (--http-origin)");
        }
        HttpResponse r;
        r.status = 101;
        r.headers = {{"Upgrade", "websocket"},
                     {"Connection", "Upgrade"},
                     {"Sec-WebSocket-Accept", check.accept}};
        return r;
    };
    ws_upgrade.take = [&state](Socket socket, std::unique_ptr<TlsConnection> tls) {
        const auto executor = socket.get_executor();
        asio::co_spawn(executor,
                       serve<WebFrontEnd>(std::move(socket), state, false, std::move(tls)),
                       LogEscaped{"session"});
    };
    http.upgrade("/ws", std::move(ws_upgrade));
}

}  // namespace parley
