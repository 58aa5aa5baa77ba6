#include "tests/integration/web_client.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>

#include "shared/websocket/handshake.hpp"

namespace parley::test {

WebClient::WebClient(unsigned short http_port, std::string extra_headers, int rcvbuf)
    : Client(http_port, rcvbuf) {
    send("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(http_port) +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
         ws::new_client_key() + "\r\nSec-WebSocket-Version: 13\r\n" + extra_headers + "\r\n");
}

bool WebClient::fill(Duration timeout) {
    if (eof_) {
        return false;
    }
    pollfd p{fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
        return false;
    }
    char chunk[65536];
    const ssize_t n = ::recv(fd(), chunk, sizeof chunk, 0);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    received_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

std::string WebClient::handshake(Duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (const std::size_t end = received_.find("\r\n\r\n"); end != std::string::npos) {
            std::string head = received_.substr(0, end + 4);
            received_.erase(0, end + 4);
            return head;
        }
        const auto left =
            std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !fill(left)) {
            return {};
        }
    }
}

std::unique_ptr<WebClient> WebClient::open(unsigned short http_port, std::string_view nick,
                                           int rcvbuf) {
    auto c = std::make_unique<WebClient>(http_port, std::string(), rcvbuf);
    const std::string head = c->handshake();
    if (!head.starts_with("HTTP/1.1 101 ")) {
        throw std::runtime_error("upgrade refused: " + head);
    }
    c->nick_ = c->expect_type("welcome")["nick"];
    c->expect_type("joined");
    c->expect_type("history");
    if (!nick.empty()) {
        c->send_json({{"type", "nick"}, {"nick", nick}});
        const std::string want(nick);
        c->expect([&](const Json& j) { return j["type"] == "event" && j["text"] == want; });
        c->nick_ = want;
    }
    return c;
}

void WebClient::send_text(std::string_view text) {
    send_frame(ws::Opcode::text, text);
}

void WebClient::send_frame(ws::Opcode op, std::string_view payload, bool fin) {
    send(ws::masked_frame(op, payload, {0x12, 0x34, 0x56, 0x78}, fin));
}

std::optional<WebClient::Frame> WebClient::next(Duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        ws::Incoming in;
        if (!received_.empty()) {
            reader_.feed(received_);
            received_.clear();
        }
        if (reader_.next(in)) {
            return Frame{in.kind, std::string(in.payload), in.code};
        }
        const auto left =
            std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !fill(left)) {
            return std::nullopt;
        }
    }
}

std::optional<WebClient::Json> WebClient::next_json(Duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
        auto frame = next(left);
        if (!frame || frame->kind == ws::Incoming::Kind::close ||
            frame->kind == ws::Incoming::Kind::failure) {
            return std::nullopt;
        }
        if (frame->kind == ws::Incoming::Kind::text) {
            seen_json_.push_back(frame->payload);
            return Json::parse(frame->payload);
        }
    }
}

WebClient::Json WebClient::expect(const std::function<bool(const Json&)>& pred, Duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::size_t from = seen_json_.size();
    for (;;) {
        const auto left =
            std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
        auto j = next_json(left);
        if (!j) {
            std::string got;
            for (std::size_t i = from; i < seen_json_.size(); ++i) {
                got += "\n  " + seen_json_[i];
            }
            throw std::runtime_error("the awaited message did not come; came:" + got);
        }
        if (pred(*j)) {
            return *j;
        }
    }
}

WebClient::Json WebClient::expect_type(std::string_view type, std::string_view kind,
                                       Duration timeout) {
    return expect(
        [&](const Json& j) {
            return j.value("type", "") == type && (kind.empty() || j.value("kind", "") == kind);
        },
        timeout);
}

std::optional<std::uint16_t> WebClient::expect_close(Duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
        auto frame = next(left);
        if (!frame) {
            return std::nullopt;
        }
        if (frame->kind == ws::Incoming::Kind::close) {
            return frame->code;
        }
        if (frame->kind == ws::Incoming::Kind::text) {
            seen_json_.push_back(frame->payload);
        }
    }
}

void WebClient::sync() {
    const std::string ref = "sync" + std::to_string(++syncs_);
    send_json({{"type", "rooms"}, {"ref", ref}});
    expect([&](const Json& j) { return j.contains("ref") && j["ref"] == ref; });
}

}  // namespace parley::test
