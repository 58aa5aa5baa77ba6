#include "tests/integration/harness.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace parley::test {

Config test_config() {
    Config c;
    c.listen = {"127.0.0.1:0"};
    c.irc_listen = {};   // tests that speak IRC ask for a listener on port 0
    c.http_listen = {};  // and tests of browsers for an HTTP one
    c.log_level = "warn";
    c.shutdown_timeout = 2;
    c.quit_linger = 2;
    return c;
}

Config irc_config() {
    Config c = test_config();
    c.irc_listen = {"127.0.0.1:0"};
    c.server_name = std::string(irc_server_name);
    return c;
}

Config web_config() {
    Config c = test_config();
    c.http_listen = {"127.0.0.1:0"};
    return c;
}

namespace {
unsigned short port_of(const std::string& endpoint) {
    return static_cast<unsigned short>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
}

unsigned short first_port(const std::vector<std::string>& endpoints) {
    return endpoints.empty() ? 0 : port_of(endpoints.front());
}
}  // namespace

TestServer::TestServer(Config config)
    : server_((spdlog::set_level(spdlog::level::from_str(config.log_level)), config)),
      port_(first_port(server_.endpoints())),
      irc_port_(first_port(server_.endpoints(true))),
      metrics_port_(first_port(server_.metrics_endpoints())),
      http_port_(first_port(server_.http_endpoints())),
      thread_([this] { server_.run(false); }) {}

bool TestServer::settles_at(std::size_t clients, std::size_t rooms, Duration timeout) {
    ServerStats want;
    want.live_sessions = clients;
    want.connections = clients;
    want.nicknames = clients;
    want.memberships = clients;
    want.rooms = rooms;
    return settles_to(want, timeout);
}

bool TestServer::settles_to(const ServerStats& want, Duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const ServerStats s = stats();
        if (s.live_sessions == want.live_sessions && s.connections == want.connections &&
            s.nicknames == want.nicknames && s.memberships == want.memberships &&
            s.rooms == want.rooms) {
            return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            UNSCOPED_INFO("live " << s.live_sessions << ", connections " << s.connections
                                  << ", nicknames " << s.nicknames << ", members " << s.memberships
                                  << ", rooms " << s.rooms);
            return false;
        }
        // Polling the server's own counts: each question is answered on its thread, after
        // whatever it was doing.
        std::this_thread::sleep_for(5ms);
    }
}

Duration TestServer::shutdown() {
    const auto start = std::chrono::steady_clock::now();
    if (thread_.joinable()) {
        server_.stop();
        thread_.join();
    }
    return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - start);
}

TestServer::~TestServer() {
    shutdown();
}

Client::Client(unsigned short port, int rcvbuf, const char* bind_address) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error("socket failed");
    }
    if (rcvbuf > 0) {
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    if (bind_address != nullptr) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, bind_address, &local.sin_addr);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            throw std::runtime_error(std::string("bind failed: ") + std::strerror(errno));
        }
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        throw std::runtime_error(std::string("connect failed: ") + std::strerror(errno));
    }
}

Client::~Client() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void Client::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

bool Client::fill(std::chrono::steady_clock::time_point deadline) {
    if (eof_) {
        return false;
    }
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd p{fd_, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return false;
        }
        char buf[65536];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            eof_ = true;  // orderly close or reset: either way the connection is over
            close_error_ = n < 0 ? errno : 0;
            return false;
        }
        buffer_.append(buf, static_cast<std::size_t>(n));
        return true;
    }
}

std::optional<std::string> Client::raw_line(Duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const std::size_t nl = buffer_.find('\n');
        if (nl != std::string::npos) {
            std::string raw = buffer_.substr(0, nl + 1);
            buffer_.erase(0, nl + 1);
            std::string out = raw.substr(0, nl);
            if (!out.empty() && out.back() == '\r') {
                out.pop_back();
            }
            seen_.push_back(out);
            if (answer_pings_) {
                // "PING token" or ":server PING token": the answer carries the same token.
                std::string_view command = out;
                if (command.starts_with(':')) {
                    const std::size_t sp = command.find(' ');
                    command.remove_prefix(sp == std::string_view::npos ? command.size() : sp + 1);
                }
                if (command.starts_with("PING ")) {
                    send("PONG " + std::string(command.substr(5)) + "\r\n");
                }
            }
            return raw;
        }
        if (!fill(deadline)) {
            return std::nullopt;
        }
    }
}

std::optional<std::string> Client::line(Duration timeout) {
    auto raw = raw_line(timeout);
    if (!raw) {
        return std::nullopt;
    }
    return seen_.back();
}

std::string Client::expect(const std::function<bool(std::string_view)>& pred, Duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::size_t first = seen_.size();
    for (;;) {
        const auto left =
            std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
        auto l = line(std::max(left, Duration(0)));
        if (!l) {
            std::string msg = eof_ ? "connection closed" : "timed out";
            msg += " waiting for a line; saw:";
            for (std::size_t i = first; i < seen_.size(); ++i) {
                msg += "\n  " + seen_[i];
            }
            throw std::runtime_error(msg);
        }
        if (pred(*l)) {
            return *l;
        }
    }
}

std::string Client::expect_prefix(std::string_view prefix, Duration timeout) {
    return expect([prefix](std::string_view l) { return l.substr(0, prefix.size()) == prefix; },
                  timeout);
}

std::string Client::expect_suffix(std::string_view suffix, Duration timeout) {
    return expect(
        [suffix](std::string_view l) {
            return l.size() >= suffix.size() && l.substr(l.size() - suffix.size()) == suffix;
        },
        timeout);
}

std::string Client::expect_line(std::string_view text, Duration timeout) {
    return expect([text](std::string_view l) { return l == text; }, timeout);
}

bool Client::closed_within(Duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
        const auto left =
            std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        line(left);
    }
    return true;
}

std::unique_ptr<Client> Client::join(unsigned short port, std::string_view nick) {
    auto c = std::make_unique<Client>(port);
    c->expect_prefix("--- Members of #lobby");
    if (!nick.empty()) {
        c->say(std::string("/nick ") + std::string(nick));
        c->expect([](std::string_view l) { return l.find(" is now known as ") != l.npos; });
    }
    return c;
}

void Client::sync() {
    say("/who");
    expect_prefix("--- Members of ");
}

bool Client::has_seen(std::string_view text) const {
    for (const auto& l : seen_) {
        if (l == text) {
            return true;
        }
    }
    return false;
}

bool Client::has_seen_containing(std::string_view text, std::size_t from) const {
    for (std::size_t i = from; i < seen_.size(); ++i) {
        if (seen_[i].find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

void Client::reset() {
    linger lg{1, 0};  // close with RST, as a crashed client would
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::close(fd_);
    fd_ = -1;
}

void Client::shutdown_send() {
    ::shutdown(fd_, SHUT_WR);
}

std::string numeric_prefix(unsigned code) {
    char digits[4];
    std::snprintf(digits, sizeof digits, "%03u", code % 1000);
    return ":" + std::string(irc_server_name) + " " + digits + " ";
}

IrcClient::IrcClient(unsigned short irc_port) : Client(irc_port) {
    answer_pings_ = true;
}

std::unique_ptr<IrcClient> IrcClient::connect(unsigned short irc_port, std::string_view nick) {
    auto c = std::make_unique<IrcClient>(irc_port);
    c->nick_ = nick;
    c->send_line("NICK " + std::string(nick));
    c->send_line("USER " + std::string(nick.substr(0, 10)) + " 0 * :Real " + std::string(nick));
    c->expect_prefix(numeric_prefix(1) + std::string(nick) + " ");
    const std::string end_of_motd = numeric_prefix(376);
    const std::string no_motd = numeric_prefix(422);
    c->expect(
        [&](std::string_view l) { return l.starts_with(end_of_motd) || l.starts_with(no_motd); });
    return c;
}

void IrcClient::sync() {
    const std::string token = "sync-" + std::to_string(++syncs_);
    send_line("PING :" + token);
    // The token is the last parameter, with or without ':' before it.
    const std::string pong =
        ":" + std::string(irc_server_name) + " PONG " + std::string(irc_server_name) + " ";
    expect([&](std::string_view l) { return l == pong + token || l == pong + ":" + token; });
}

bool Client::talk_until_evicted(std::string_view reader) {
    const std::string pad(1000, 'p');
    const std::string quit = "-!- " + std::string(reader) + " quit (too slow)";
    for (int round = 0; round < 200; ++round) {
        std::string batch;
        for (int i = 0; i < 100; ++i) {
            batch += pad + "\n";
        }
        send(batch);
        sync();
        if (has_seen(quit)) {
            return true;
        }
    }
    return false;
}

std::string IrcClient::expect_numeric(unsigned code, Duration timeout) {
    return expect_prefix(numeric_prefix(code), timeout);
}

}  // namespace parley::test
