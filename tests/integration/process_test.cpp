// The parley-server executable as operators run it: flags, errors, and SIGTERM.

#include <signal.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>

#include "tests/integration/harness.hpp"
#include "tests/integration/process.hpp"

using namespace parley::test;

namespace {

const std::regex listening{R"(listening on 127\.0\.0\.1:(\d+))"};

}  // namespace

TEST_CASE("SIGTERM stops the server gracefully: clients told, exit 0", "[process]") {
    Process server({"--listen", "127.0.0.1:0"});
    const auto port = static_cast<unsigned short>(std::stoi(server.wait_for(listening)[1]));
    auto alice = Client::join(port, "alice");
    auto bob = Client::join(port, "bob");
    alice->say("before the end");
    bob->expect_line("#lobby <alice> before the end");
    server.signal(SIGTERM);
    for (Client* c : {alice.get(), bob.get()}) {
        c->expect_line("-!- Server is shutting down. Goodbye.");
        CHECK(c->closed_within());
    }
    CHECK(server.wait_exit() == 0);
    CHECK(server.output().find("stopped") != std::string::npos);
}

TEST_CASE("connections are logged with their close reason", "[process]") {
    Process server({"--listen", "127.0.0.1:0"});
    const auto port = static_cast<unsigned short>(std::stoi(server.wait_for(listening)[1]));
    {
        auto c = Client::join(port, "logme");
        c->say("/quit gone fishing");
        CHECK(c->closed_within());
    }
    server.wait_for(std::regex(R"(open 127\.0\.0\.1:\d+ as guest\d+)"));
    server.wait_for(std::regex(R"(close 127\.0\.0\.1:\d+ logme: gone fishing after)"));
    server.signal(SIGINT);
    CHECK(server.wait_exit() == 0);
}

TEST_CASE("a port in use is one clear line and a non-zero exit", "[process]") {
    Process first({"--listen", "127.0.0.1:0"});
    const std::string port = first.wait_for(listening)[1];
    Process second({"--listen", "127.0.0.1:" + port});
    CHECK(second.wait_exit() == 1);
    CHECK(second.output() ==
          "parley-server: cannot listen on 127.0.0.1:" + port + ": Address already in use\n");
}

TEST_CASE("bad flags are one clear line and a non-zero exit", "[process]") {
    for (std::vector<std::string> args : {std::vector<std::string>{"--no-such-flag"},
                                          {"--rate", "fast"},
                                          {"--listen", "nowhere:7777"},
                                          {"--listen", "127.0.0.1:99999"},
                                          {"--motd", "/nonexistent/motd.txt"}}) {
        Process p(args);
        const int code = p.wait_exit();
        CHECK(code != 0);
        CHECK(code != -1);
        const std::string out = p.output();
        CHECK(out.rfind("parley-server: ", 0) == 0);
        CHECK(std::count(out.begin(), out.end(), '\n') == 1);
    }
}

TEST_CASE("the help and version flags", "[process]") {
    Process help({"--help"});
    CHECK(help.wait_exit() == 0);
    CHECK(help.output().find("--listen") != std::string::npos);
    CHECK(help.output().find("--outbox-bytes") != std::string::npos);
    Process version({"--version"});
    CHECK(version.wait_exit() == 0);
    CHECK(version.output().find('.') != std::string::npos);
}

TEST_CASE("IPv6 and several --listen endpoints", "[process]") {
    Process server({"--listen", "127.0.0.1:0", "--listen", "[::1]:0"});
    server.wait_for(listening);
    const auto m = server.wait_for(std::regex(R"(listening on \[::1\]:(\d+))"));
    CHECK(std::stoi(m[1]) > 0);
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}

// --- operator passwords -----------------------------------------------------------------------

namespace {

// The hash --hash-password prints for `password` (given on standard input, as a pipe).
std::string hash_of(const std::string& password) {
    Process hasher({"--hash-password"}, password + "\n");
    REQUIRE(hasher.wait_exit() == 0);
    std::string out = hasher.output();
    REQUIRE(std::count(out.begin(), out.end(), '\n') == 1);  // the hash, and no prompt
    out.pop_back();
    return out;
}

// A line that is the numeric `code` from the server named test.parley to `nick`.
std::function<bool(std::string_view)> numeric(std::string_view code, std::string_view nick) {
    return [prefix = ":test.parley " + std::string(code) + " " + std::string(nick) +
                     " "](std::string_view l) { return l.starts_with(prefix); };
}

}  // namespace

TEST_CASE("the hash --hash-password prints is yescrypt, and --oper accepts it", "[process][oper]") {
    const std::string hash = hash_of("correct horse");
    CHECK(hash.starts_with("$y$"));
    CHECK(hash.find_first_of(" \t\r\n:") == std::string::npos);
    // Salted: the same password hashes differently each time.
    CHECK(hash_of("correct horse") != hash);

    Process server({"--listen", "none", "--irc-listen", "127.0.0.1:0", "--server-name",
                    "test.parley", "--oper", "operuser:" + hash});
    const auto port = port_of(wait_listening(server, 1), "irc");
    Client irc(port);
    irc.send("NICK boss\r\nUSER boss 0 * :The Boss\r\n");
    irc.expect(numeric("001", "boss"));
    irc.expect([](std::string_view l) {
        return l.starts_with(":test.parley 376 ") || l.starts_with(":test.parley 422 ");
    });
    irc.send("OPER operuser :correct pony\r\n");
    irc.expect(numeric("464", "boss"));
    irc.send("OPER nobody :correct horse\r\n");
    irc.expect(numeric("491", "boss"));
    irc.send("OPER operuser :correct horse\r\n");
    irc.expect(numeric("381", "boss"));
    irc.expect_line(":boss MODE boss +o");
    server.wait_for(std::regex(R"(boss is now an operator \(operuser\))"));
    CHECK(server.count_lines("failed OPER as operuser") == 1);
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}

TEST_CASE("an empty input to --hash-password is an error", "[process][oper]") {
    Process hasher({"--hash-password"}, "");
    CHECK(hasher.wait_exit() == 2);
    CHECK(hasher.output() ==
          "parley-server: --hash-password reads a password from standard input\n");
}

TEST_CASE("a plain-text password in --oper is refused", "[process][oper]") {
    Process server({"--listen", "127.0.0.1:0", "--oper", "operuser:hunter2"});
    CHECK(server.wait_exit() == 2);
    const std::string out = server.output();
    CHECK(out.rfind("parley-server: --oper operuser: ", 0) == 0);
    CHECK(out.find("--hash-password") != std::string::npos);
    CHECK(out.find("hunter2") == std::string::npos);  // the password is not echoed back
    CHECK(std::count(out.begin(), out.end(), '\n') == 1);
}

TEST_CASE("a MOTD file that never ends (--motd /dev/zero) is refused", "[process]") {
    Process server({"--listen", "127.0.0.1:0", "--motd", "/dev/zero"});
    CHECK(server.wait_exit() == 2);
    CHECK(server.output() == "parley-server: --motd /dev/zero: longer than 64 KiB\n");
}

// A server nobody can connect to is a mistake in its flags: it should say so and stop rather
// than run with nothing to do.
TEST_CASE("no listener at all is one clear line and a non-zero exit", "[process]") {
    Process server({"--listen", "none", "--irc-listen", "none"});
    const int code = server.wait_exit();
    CHECK(code > 0);
    const std::string out = server.output();
    CHECK(out.rfind("parley-server: ", 0) == 0);
    CHECK(std::count(out.begin(), out.end(), '\n') == 1);
}
