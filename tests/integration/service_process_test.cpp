// parley-server run as a service runs it: the config file --print-config writes, systemd's
// notifications (sd_notify) on a socket the test listens on, SIGHUP reloading the config file,
// and operators from --oper-file.

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "server/password.hpp"
#include "tests/integration/harness.hpp"
#include "tests/integration/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace parley::test;

namespace {

// Writes a new file and renames it over `path`, as an editor or a config tool does.
void write_file(const std::string& path, const std::string& text, mode_t mode = 0644) {
    const std::string fresh = path + ".new";
    {
        std::ofstream out(fresh, std::ios::binary | std::ios::trunc);
        REQUIRE(out.write(text.data(), static_cast<std::streamsize>(text.size())));
    }
    REQUIRE(::chmod(fresh.c_str(), mode) == 0);
    REQUIRE(::rename(fresh.c_str(), path.c_str()) == 0);
}

// What a command prints, run to its end.
std::string output_of(const std::vector<std::string>& args) {
    Process p(args);
    REQUIRE(p.wait_exit() == 0);
    return p.output();
}

// The socket systemd listens on for sd_notify(3): a datagram per notification.
class NotifySocket {
  public:
    explicit NotifySocket(const std::string& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        REQUIRE(path.size() < sizeof addr.sun_path);
        std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
        REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    }
    ~NotifySocket() { ::close(fd_); }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    // The environment that points a child at this socket.
    std::string env() const { return "NOTIFY_SOCKET=" + path_; }

    // The next notification, or nothing when none comes before the deadline.
    std::optional<std::string> next(Duration timeout = patience) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
            return std::nullopt;
        }
        char buf[4096];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        REQUIRE(n >= 0);
        return std::string(buf, static_cast<std::size_t>(n));
    }

    // Reads notifications until one starts with `prefix`, counting the WATCHDOG=1 ones
    // passed on the way; the test fails at the deadline.
    std::string expect(std::string_view prefix, Duration timeout = patience) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto left =
                std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
            std::optional<std::string> m = next(std::max(left, Duration(0)));
            if (!m) {
                FAIL("no notification starting with " << prefix);
            }
            if (*m == "WATCHDOG=1") {
                ++watchdogs;
            }
            if (m->starts_with(prefix)) {
                return *m;
            }
        }
    }

    std::size_t watchdogs = 0;

  private:
    std::string path_;
    int fd_ = -1;
};

// The flags --help lists, by long name (digits included: --ipv6-prefix).
std::set<std::string> flags_in_help() {
    const std::string help = output_of({"--help"});
    static const std::regex flag(R"(^\s+(?:-[a-z],)?--([a-z0-9-]+))");
    std::set<std::string> out;
    std::istringstream lines(help);
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (std::regex_search(line, m, flag)) {
            out.insert(m[1]);
        }
    }
    return out;
}

const std::regex plain_listening{R"(listening on 127\.0\.0\.1:(\d+) \(plain\))"};

unsigned short plain_port(Process& server) {
    return static_cast<unsigned short>(std::stoi(server.wait_for(plain_listening)[1]));
}

}  // namespace

TEST_CASE("print-config: the config file names every setting, and the server starts with it",
          "[service]") {
    const std::string text = output_of({"--print-config"});
    const std::set<std::string> flags = flags_in_help();
    REQUIRE(flags.size() > 20);
    // Commands are not settings: the file names them in a comment of their own. Nor are the
    // help, the version and the config file itself.
    std::set<std::string> commands = {"help", "version", "config"};
    std::smatch listed;
    REQUIRE(std::regex_search(
        text, listed, std::regex(R"(\n# Commands, not settings \(command line only\): (.*)\.\n)")));
    const std::string list = listed[1];
    const std::regex command("--([a-z-]+)");
    for (std::sregex_iterator it(list.begin(), list.end(), command), end; it != end; ++it) {
        commands.insert((*it)[1]);
    }
    CHECK(commands.contains("hash-password"));
    CHECK(commands.contains("print-config"));
    for (const std::string& flag : flags) {
        INFO(flag);
        CHECK((text.find("\n#" + flag + " = ") != std::string::npos) != commands.contains(flag));
    }

    TempDir dir;
    // As shipped, every setting commented out: the defaults.
    const std::string commented = dir.file("parley.toml");
    write_file(commented, text);
    // And every line uncommented: each default written there is a value the server takes.
    // (A list with no default, such as oper = [], has nothing to uncomment.)
    const std::string uncommented = dir.file("uncommented.toml");
    write_file(uncommented,
               std::regex_replace(text, std::regex("\n#([a-z-]+ = (?!\\[\\]))"), "\n$1"));
    for (const std::string& file : {commented, uncommented}) {
        INFO(file);
        Process server({"--config", file, "--listen", "127.0.0.1:0"});
        const unsigned short port = plain_port(server);
        auto alice = Client::join(port, "alice");
        auto bob = Client::join(port, "bob");
        alice->say("configured");
        bob->expect_line("#lobby <alice> configured");
        server.signal(SIGTERM);
        CHECK(server.wait_exit() == 0);
    }
}

TEST_CASE("sd_notify: ready once listening, watchdog, reloading, stopping", "[service]") {
    TempDir dir;
    NotifySocket systemd(dir.file("notify"));
    // WATCHDOG_PID unset: the watchdog is this process's, as sd_watchdog_enabled(3) allows.
    Process server({"--listen", "127.0.0.1:0"}, std::nullopt,
                   {systemd.env(), "WATCHDOG_USEC=100000"});
    const std::string ready = systemd.expect("READY=1");
    CHECK(ready.find("\nSTATUS=serving 0 clients") != std::string::npos);
    // Ready means listening: the port takes a client now.
    const unsigned short port = plain_port(server);
    auto alice = Client::join(port, "alice");

    // Every 50 ms (half of WATCHDOG_USEC), from the event loop, with the client count in a
    // STATUS= line when it changed.
    bool counted = false;
    while (systemd.watchdogs < 3 || !counted) {
        const std::optional<std::string> m = systemd.next();
        REQUIRE(m);
        systemd.watchdogs += *m == "WATCHDOG=1" ? 1 : 0;
        counted = counted || *m == "STATUS=serving 1 clients in 1 rooms";
    }

    server.signal(SIGHUP);
    const std::string reloading = systemd.expect("RELOADING=1");
    CHECK(std::regex_search(reloading, std::regex("\nMONOTONIC_USEC=[0-9]+")));
    systemd.expect("READY=1");

    server.signal(SIGTERM);
    CHECK(systemd.expect("STOPPING=1").find("STATUS=shutting down: 1 connected") !=
          std::string::npos);
    alice->expect_line("-!- Server is shutting down. Goodbye.");
    CHECK(server.wait_exit() == 0);
}

TEST_CASE("without NOTIFY_SOCKET there is nothing to notify, and nothing fails", "[service]") {
    Process server({"--listen", "127.0.0.1:0"}, std::nullopt, {"WATCHDOG_USEC=100000"});
    const unsigned short port = plain_port(server);
    auto alice = Client::join(port, "alice");
    server.signal(SIGHUP);
    server.wait_for(std::regex("reloaded the configuration"));
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
    CHECK(server.output().find("sd_notify") == std::string::npos);
}

TEST_CASE("SIGHUP applies a changed limit at once and drops nobody", "[service][reload]") {
    TempDir dir;
    const std::string config = dir.file("parley.toml");
    write_file(config, "max-per-address = 3\nmax-clients = 100\nhistory = 50\n");
    // The command line wins over the file, at start and at every reload.
    Process server({"--config", config, "--listen", "127.0.0.1:0", "--max-clients", "100"});
    const unsigned short port = plain_port(server);
    auto alice = Client::join(port, "alice");
    auto bob = Client::join(port, "bob");

    write_file(config, "max-per-address = 2\nmax-clients = 1\nhistory = 5\n");
    server.signal(SIGHUP);
    server.wait_for(std::regex("history changed; takes effect after a restart"));
    server.wait_for(
        std::regex(R"(reloaded the configuration: changed max-per-address; 0 operators$)"));

    Client third(port);
    third.expect_line("!!! address-limit: too many connections from your address; try later");
    CHECK(third.closed_within());
    // Those already connected stay, both ways.
    alice->say("still here");
    bob->expect_line("#lobby <alice> still here");
    bob->say("me too");
    alice->expect_line("#lobby <bob> me too");

    write_file(config, "max-per-address = 3\nmax-clients = 1\nhistory = 5\n");
    server.signal(SIGHUP);
    server.wait_for(std::regex(R"(reloaded the configuration: changed max-per-address;)"));
    auto carol = Client::join(port, "carol");
    carol->say("let in");
    alice->expect_line("#lobby <carol> let in");

    alice->say("/who");
    alice->expect_line("--- Members of #lobby (3): alice bob carol");
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}

TEST_CASE("SIGHUP: a new rate and timestamps hold for clients already connected",
          "[service][reload]") {
    TempDir dir;
    const std::string config = dir.file("parley.toml");
    // No token comes back while the test runs; strikes off, so a flood drops lines only.
    write_file(config, "rate = 0.01\nburst = 3\nstrikes = 0\n");
    Process server({"--config", config, "--listen", "127.0.0.1:0"});
    const unsigned short port = plain_port(server);
    auto alice = Client::join(port, "alice");  // its /nick took one token
    auto bob = Client::join(port, "bob");
    alice->send("a0\na1\na2\na3\n");
    alice->expect([](std::string_view l) { return l.starts_with("!!! flood: "); });
    bob->expect_line("#lobby <alice> a0");
    bob->expect_line("#lobby <alice> a1");
    // alice has no token left for sync()'s /who; bob has (the flood notice came after a2 and
    // a3 were dropped).
    bob->sync();
    CHECK_FALSE(bob->has_seen("#lobby <alice> a2"));

    write_file(config, "rate = 0\nburst = 3\nstrikes = 0\ntimestamps = true\n");
    server.signal(SIGHUP);
    server.wait_for(std::regex(R"(reloaded the configuration: changed rate, timestamps;)"));
    std::string lines;
    for (int i = 0; i < 10; ++i) {
        lines += "b" + std::to_string(i) + "\n";
    }
    alice->send(lines);
    for (int i = 0; i < 10; ++i) {
        // HH:MM:SS first, on the connection made before the reload.
        const std::string l = bob->expect_suffix(" #lobby <alice> b" + std::to_string(i));
        CHECK(std::regex_match(l, std::regex(R"(\d\d:\d\d:\d\d #lobby <alice> b\d)")));
    }
    CHECK(server.count_lines("close ") == 0);
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}

TEST_CASE("SIGHUP with a config that does not parse changes nothing", "[service][reload]") {
    TempDir dir;
    const std::string config = dir.file("parley.toml");
    write_file(config, "max-per-address = 1\n");
    Process server({"--config", config, "--listen", "127.0.0.1:0"});
    const unsigned short port = plain_port(server);
    auto alice = Client::join(port, "alice");

    // A valid line beside a bad one is not applied either.
    write_file(config, "max-per-address = 10\nrate = fast\n");
    server.signal(SIGHUP);
    const auto m =
        server.wait_for(std::regex("configuration not reloaded, nothing changed: (.+)$"));
    CHECK(std::string(m[1]).find("fast") != std::string::npos);
    Client second(port);
    second.expect_line("!!! address-limit: too many connections from your address; try later");

    // A config file that is gone is the same.
    std::filesystem::remove(config);
    server.signal(SIGHUP);
    server.wait_for(std::regex("configuration not reloaded, nothing changed: "));
    Client third(port);
    third.expect_line("!!! address-limit: too many connections from your address; try later");

    alice->say("/who");
    alice->expect_line("--- Members of #lobby (1): alice");
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}

TEST_CASE("oper-file: operators from a private file, reloaded on SIGHUP", "[service][oper]") {
    TempDir dir;
    const std::string opers = dir.file("opers");
    write_file(opers, "# name:hash\n\nfirst:" + parley::hash_password("first secret") + "\r\n",
               0600);
    Process server({"--listen", "none", "--irc-listen", "127.0.0.1:0", "--server-name",
                    "irc.parley.test", "--oper-file", opers});
    const unsigned short port = port_of(wait_listening(server, 1), "irc");
    auto boss = IrcClient::connect(port, "boss");
    boss->send_line("OPER second :second secret");
    boss->expect([](std::string_view l) { return l.find(" 491 boss ") != std::string_view::npos; });

    write_file(opers,
               "first:" + parley::hash_password("first secret") +
                   "\n  second:" + parley::hash_password("second secret") + "  \n",
               0640);
    server.signal(SIGHUP);
    server.wait_for(std::regex("reloaded the configuration: no setting changed; 2 operators"));
    boss->send_line("OPER second :second secret");
    boss->expect([](std::string_view l) { return l.find(" 381 boss ") != std::string_view::npos; });

    // A plain-text password or a file others can read is refused; the operators stay.
    write_file(opers, "third:hunter2\n", 0600);
    server.signal(SIGHUP);
    auto m = server.wait_for(std::regex("configuration not reloaded, nothing changed: (.+)$"));
    CHECK(m[1] == "--oper-file " + opers +
                      ": line 1: the password must be a hash from parley-server --hash-password, "
                      "not the password itself");
    write_file(opers, "first:" + parley::hash_password("first secret") + "\n", 0644);
    server.signal(SIGHUP);
    m = server.wait_for(std::regex("configuration not reloaded, nothing changed: (.+)$"));
    CHECK(m[1] ==
          "--oper-file " + opers + ": others may read or write it; chmod o-rw it (600 or 640)");
    auto chief = IrcClient::connect(port, "chief");
    chief->send_line("OPER second :second secret");
    chief->expect(
        [](std::string_view l) { return l.find(" 381 chief ") != std::string_view::npos; });

    CHECK(server.count_lines("close ") == 0);
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);

    // At start, the same problems are one line and exit status 2.
    Process refused({"--listen", "127.0.0.1:0", "--oper-file", opers});
    CHECK(refused.wait_exit() == 2);
    CHECK(refused.output() == "parley-server: --oper-file " + opers +
                                  ": others may read or write it; chmod o-rw it (600 or 640)\n");
    Process missing({"--listen", "127.0.0.1:0", "--oper-file", dir.file("none")});
    CHECK(missing.wait_exit() == 2);
    CHECK(missing.output() ==
          "parley-server: --oper-file " + dir.file("none") + ": cannot read the file\n");
}
