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
