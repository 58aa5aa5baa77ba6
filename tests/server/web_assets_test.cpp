// The web client built into the server (server/web/assets.hpp) is exactly server/web/client/:
// every file, byte for byte, under the path and content type the browser needs; and the page
// refers only to files that exist, so renaming one without fixing the page fails here, not in
// a user's browser.

#include "server/web/assets.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using parley::web::Asset;
using parley::web::assets;

namespace {

const fs::path client_dir{PARLEY_WEB_CLIENT_DIR};

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const Asset* find_asset(std::string_view path) {
    auto all = assets();
    auto it = std::find_if(all.begin(), all.end(), [&](const Asset& a) { return a.path == path; });
    return it == all.end() ? nullptr : &*it;
}

// The URL path a file of the client is served at.
std::string url_path(const std::string& name) {
    return name == "index.html" ? "/" : "/" + name;
}

// Every value of `attribute="..."` in an HTML text (src, href).
std::vector<std::string> attribute_values(const std::string& html, const std::string& attribute) {
    std::vector<std::string> values;
    const std::regex re("\\s" + attribute + "\\s*=\\s*\"([^\"]*)\"", std::regex::icase);
    for (std::sregex_iterator it(html.begin(), html.end(), re), end; it != end; ++it) {
        values.push_back((*it)[1].str());
    }
    return values;
}

// A reference the page makes to its own server: relative or absolute path, not a fragment, not
// another origin, not a data: URL. The client is served from "/", so "app.js" and "/app.js" and
// "./app.js" all mean "/app.js".
std::optional<std::string> local_path(const std::string& ref) {
    if (ref.empty() || ref.starts_with('#') || ref.starts_with("data:") ||
        ref.find("://") != std::string::npos || ref.starts_with("//")) {
        return std::nullopt;
    }
    std::string path = ref.substr(0, ref.find_first_of("?#"));
    if (path.starts_with("./")) {
        path.erase(0, 1);
    } else if (!path.starts_with('/')) {
        path.insert(0, "/");
    }
    return path;
}

}  // namespace

TEST_CASE("every file of the web client is embedded byte for byte and nothing else") {
    std::set<std::string> on_disk;
    for (const auto& entry : fs::directory_iterator(client_dir)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with('.') || name.ends_with('~')) {
            continue;  // an editor's files, left out by cmake/embed_web_assets.cmake
        }
        REQUIRE(entry.is_regular_file());
        on_disk.insert(url_path(name));
        const Asset* asset = find_asset(url_path(name));
        INFO(name);
        REQUIRE(asset != nullptr);
        CHECK(asset->body == read_file(entry.path()));
    }
    std::set<std::string> embedded;
    for (const Asset& a : assets()) {
        CHECK(embedded.insert(std::string(a.path)).second);  // no path twice
    }
    CHECK(embedded == on_disk);
    REQUIRE(!assets().empty());
    CHECK(assets().front().path == "/");
}

TEST_CASE("web assets carry the content type the browser needs for them") {
    REQUIRE(find_asset("/") != nullptr);
    CHECK(find_asset("/")->content_type == "text/html; charset=utf-8");
    for (const Asset& a : assets()) {
        INFO(a.path);
        CHECK(!a.content_type.empty());
        if (a.path.ends_with(".js")) {
            CHECK(a.content_type == "text/javascript; charset=utf-8");
        } else if (a.path.ends_with(".css")) {
            CHECK(a.content_type == "text/css; charset=utf-8");
        } else if (a.path.ends_with(".svg")) {
            CHECK(a.content_type == "image/svg+xml");
        } else if (a.path.ends_with(".png")) {
            CHECK(a.content_type == "image/png");
        }
    }
    // The files the protocol names (docs: web client at /, /app.js, /style.css, /favicon.svg).
    for (const char* path : {"/app.js", "/style.css", "/favicon.svg"}) {
        INFO(path);
        CHECK(find_asset(path) != nullptr);
    }
}

TEST_CASE("the page and its modules refer only to embedded files") {
    const std::string html(find_asset("/")->body);
    std::vector<std::string> refs = attribute_values(html, "src");
    for (auto& href : attribute_values(html, "href")) {
        refs.push_back(href);
    }
    CHECK(!refs.empty());
    // ES modules import each other by relative path: `import { x } from "./dom.js";`.
    const std::regex import_re(R"((?:import|export)\b[^"';]*?from\s*["']([^"']+)["'])");
    for (const Asset& a : assets()) {
        if (!a.path.ends_with(".js")) {
            continue;
        }
        const std::string js(a.body);
        for (std::sregex_iterator it(js.begin(), js.end(), import_re), end; it != end; ++it) {
            refs.push_back((*it)[1].str());
        }
    }
    for (const std::string& ref : refs) {
        INFO(ref);
        const auto path = local_path(ref);
        // Nothing comes from elsewhere: the CSP allows only 'self', and the client must work
        // without the internet.
        CHECK((path || ref.starts_with('#') || ref.starts_with("data:")));
        if (path) {
            CHECK(find_asset(*path) != nullptr);
        }
    }
}
