#pragma once
// What --http-listen serves: the web client's files at their paths ("/" is its page) and the
// WebSocket endpoint at /ws, where a browser's connection becomes a chat session
// (serve<WebFrontEnd>).

#include "shared/websocket/handshake.hpp"

namespace parley {

class HttpServer;
struct ServerState;

// Adds the web client's routes and the /ws upgrade to `http`. `origins` says which pages may
// open the WebSocket (--http-origin).
void serve_web_client(HttpServer& http, ServerState& state, const ws::OriginPolicy& origins);

}  // namespace parley
