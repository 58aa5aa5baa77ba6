#pragma once
// The web client's files (server/web/client/), built into the binary at compile time: the
// server serves them from memory, so nothing is fetched or read from disk at run time and the
// page always matches the server that speaks its protocol.

#include <span>
#include <string_view>

namespace parley::web {

struct Asset {
    std::string_view path;          // "/", "/app.js", ...
    std::string_view content_type;  // "text/html; charset=utf-8", ...
    std::string_view body;
};

// Every file of the web client, "/" (index.html) first.
std::span<const Asset> assets();

}  // namespace parley::web
