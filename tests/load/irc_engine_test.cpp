// The load client's IRC side against a small stand-in IRC server: registration before JOIN,
// a taken nickname, PINGs answered during the handshake and while publishing, readiness on
// the client's own JOIN, and deliveries with and without message tags all counted.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "load/run.hpp"

using namespace parley::load;

namespace {

// One thread, poll(): enough of an IRC server for a few clients. It rejects the first NICK it
// sees (433), pings every client as it registers and again at every 10th of the first 60
// channel messages (a later one could reach a client that has stopped reading), and relays
// channel messages to the other members, every other one with a tag.
class FakeIrcd {
  public:
    FakeIrcd() {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(listen_fd_, 64) == 0);
        socklen_t len = sizeof a;
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~FakeIrcd() {
        stop_ = true;
        thread_.join();
        for (auto& [fd, c] : clients_) {
            ::close(fd);
        }
        ::close(listen_fd_);
    }

    std::uint16_t port() const { return port_; }
    std::atomic<int> pings{0}, pongs{0}, rejected_nicks{0}, early_joins{0};

  private:
    struct Client {
        std::string in, nick;
        bool user = false, registered = false;
        std::string room;
    };

    void send(int fd, std::string_view s) {
        // Small amounts to a reading client: a blocking loop is enough here.
        while (!s.empty()) {
            const ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
            if (n <= 0) {
                return;
            }
            s.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    void ping(int fd) {
        send(fd, "PING :fake.test\r\n");
        ++pings;
    }

    void line(int fd, Client& c, std::string_view l) {
        const auto sp = l.find(' ');
        const std::string_view cmd = l.substr(0, sp);
        const std::string_view arg = sp == std::string_view::npos ? "" : l.substr(sp + 1);
        if (cmd == "NICK") {
            if (rejected_nicks == 0) {
                ++rejected_nicks;
                send(fd, fmt::format(":fake.test 433 * {} :Nickname is already in use\r\n", arg));
                return;
            }
            c.nick = arg;
        } else if (cmd == "USER") {
            c.user = true;
        } else if (cmd == "PONG") {
            if (arg == ":fake.test") {
                ++pongs;
            }
        } else if (cmd == "JOIN") {
            if (!c.registered) {
                ++early_joins;
                send(fd,
                     fmt::format(":fake.test 451 {} JOIN :You have not registered\r\n", c.nick));
                return;
            }
            c.room = arg;
            for (auto& [ofd, o] : clients_) {
                if (o.room == c.room) {
                    send(ofd, fmt::format(":{}!load@127.0.0.1 JOIN :{}\r\n", c.nick, c.room));
                }
            }
            send(fd, fmt::format(":fake.test 366 {} {} :End of /NAMES list.\r\n", c.nick, c.room));
        } else if (cmd == "PRIVMSG") {
            const auto colon = arg.find(" :");
            const std::string_view room = arg.substr(0, colon);
            const std::string_view text = arg.substr(colon + 2);
            const bool tagged = relayed_++ % 2 == 1;
            for (auto& [ofd, o] : clients_) {
                if (ofd != fd && o.room == room) {
                    send(ofd, fmt::format("{}:{}!load@127.0.0.1 PRIVMSG {} :{}\r\n",
                                          tagged ? "@time=2026-11-29T00:00:00.000Z " : "", c.nick,
                                          room, text));
                    if (relayed_ % 10 == 0 && relayed_ <= 60) {
                        ping(ofd);
                    }
                }
            }
        }
        if (!c.registered && c.user && !c.nick.empty()) {
            c.registered = true;
            send(fd, fmt::format(":fake.test 001 {} :Welcome\r\n:fake.test 422 {} :No MOTD\r\n",
                                 c.nick, c.nick));
            ping(fd);
        }
    }

    void run() {
        while (!stop_) {
            std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
            for (auto& [fd, c] : clients_) {
                fds.push_back({fd, POLLIN, 0});
            }
            if (::poll(fds.data(), fds.size(), 10) <= 0) {
                continue;
            }
            for (const pollfd& p : fds) {
                if ((p.revents & POLLIN) == 0) {
                    continue;
                }
                if (p.fd == listen_fd_) {
                    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
                    if (fd >= 0) {
                        clients_[fd];
                    }
                    continue;
                }
                char buf[4096];
                const ssize_t n = ::recv(p.fd, buf, sizeof buf, 0);
                if (n <= 0) {
                    ::close(p.fd);
                    clients_.erase(p.fd);
                    continue;
                }
                Client& c = clients_[p.fd];
                c.in.append(buf, static_cast<std::size_t>(n));
                std::size_t lf;
                while ((lf = c.in.find('\n')) != std::string::npos) {
                    std::string l = c.in.substr(0, lf);
                    c.in.erase(0, lf + 1);
                    if (!l.empty() && l.back() == '\r') {
                        l.pop_back();
                    }
                    line(p.fd, c, l);
                }
            }
        }
    }

    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    int relayed_ = 0;
    std::map<int, Client> clients_;
    std::thread thread_;
};

}  // namespace

TEST_CASE("irc: the engine registers, joins after 001, answers PINGs and counts deliveries") {
    FakeIrcd server;
    Target t;
    t.label = "fake-ircd";
    t.protocol = Protocol::irc;
    t.port = server.port();
    ScenarioOptions o;
    o.scenario = "fanout";
    o.clients = 4;
    o.publishers = 2;
    o.rate = 100;
    o.warmup = 0.1;
    o.duration = 0.4;
    o.drain_timeout = 2;
    o.connect_timeout = 5;
    const RunResult r = run_scenario(t, o);
    INFO((r.failures.empty() ? std::string() : r.failures.front()));
    CHECK(r.pass);
    CHECK(r.clients_connected == 6);
    REQUIRE(r.steps.size() == 1);
    const StepResult& s = r.steps.front();
    CHECK(s.lost == 0);
    CHECK(s.corrupt == 0);
    CHECK(s.misrouted == 0);
    CHECK(s.deliveries_per_s > 0);
    CHECK(s.disconnects == 0);
    // The client has closed its connections; the server reads what they sent before the end.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (server.pongs < server.pings && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(server.rejected_nicks == 1);
    CHECK(server.early_joins == 0);
    CHECK(server.pings > 6);  // one per registration, more while publishing
    CHECK(server.pongs == server.pings);
    CHECK(r.extra.at("server_error_433") == 1);
}
