#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <initializer_list>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/memory_limit.hpp"
#include "server/options.hpp"

namespace {

// parse_options(argv) with what it writes to std::cerr.
struct Parsed {
    parley::ParsedOptions options;
    std::string errors;
};

Parsed parse(std::vector<const char*> args) {
    args.insert(args.begin(), "parley-server");
    std::ostringstream errors;
    std::streambuf* const old = std::cerr.rdbuf(errors.rdbuf());
    Parsed p{parley::parse_options(static_cast<int>(args.size()), args.data()), {}};
    std::cerr.rdbuf(old);
    p.errors = errors.str();
    return p;
}

// parse_options with --config FILE, FILE holding `content`.
Parsed parse_config(std::string_view content) {
    char path[] = "/tmp/parley-options-test-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    close(fd);
    Parsed p = parse({"--config", path});
    unlink(path);
    return p;
}

}  // namespace

TEST_CASE("parse_options reads numbers from a config file", "[options]") {
    const auto p = parse_config(
        "rate = 2.5\nburst = 0\nstrikes = 7\nidle-timeout = 300.5\nshutdown-timeout = 31536000\n");
    REQUIRE_FALSE(p.options.exit_code);
    CHECK(p.errors.empty());
    CHECK(p.options.config.rate == 2.5);
    CHECK(p.options.config.burst == 0);
    CHECK(p.options.config.strikes == 7);
    CHECK(p.options.config.idle_timeout == 300.5);
    CHECK(p.options.config.shutdown_timeout == 31536000);
}

// Found by the config file's fuzz harness: "nan" passed the checks (no comparison with NaN is
// true), and so did a number of seconds too large for the server's timers, whose conversion
// to a clock duration (from_seconds) then overflowed.
TEST_CASE("parse_options refuses numbers that are not finite, negative or too long", "[options]") {
    for (const auto& [content, flag] : std::initializer_list<std::pair<const char*, const char*>>{
             {"rate = nan\n", "--rate"},
             {"burst = nan\n", "--burst"},
             {"strikes = nan\n", "--strikes"},
             {"idle-timeout = nan\n", "--idle-timeout"},
             {"shutdown-timeout = nan\n", "--shutdown-timeout"},
             {"rate = inf\n", "--rate"},
             {"rate = -1\n", "--rate"},
             {"idle-timeout = 1e300\n", "--idle-timeout"},
             {"shutdown-timeout = 1e300\n", "--shutdown-timeout"},
             {"shutdown-timeout = 31536001\n", "--shutdown-timeout"},
             {"idle-timeout = -0.5\n", "--idle-timeout"},
         }) {
        CAPTURE(content);
        const auto p = parse_config(content);
        CHECK(p.options.exit_code == 2);
        CHECK(p.errors.find(flag) != std::string::npos);
    }
    // The command line is checked the same way.
    const auto p = parse({"--rate", "nan"});
    CHECK(p.options.exit_code == 2);
    CHECK(p.errors.find("--rate") != std::string::npos);
}

TEST_CASE("parse_options: metrics-listen is off by default, repeatable, and none turns it off",
          "[options]") {
    CHECK(parse({}).options.config.metrics_listen.empty());
    auto p = parse({"--metrics-listen", "127.0.0.1:9777", "--metrics-listen", "[::1]:9777"});
    REQUIRE_FALSE(p.options.exit_code);
    CHECK(p.options.config.metrics_listen ==
          std::vector<std::string>{"127.0.0.1:9777", "[::1]:9777"});
    p = parse({"--metrics-listen", "none"});
    REQUIRE_FALSE(p.options.exit_code);
    CHECK(p.options.config.metrics_listen.empty());
    p = parse_config("metrics-listen = [\"127.0.0.1:0\"]\n");
    REQUIRE_FALSE(p.options.exit_code);
    CHECK(p.options.config.metrics_listen == std::vector<std::string>{"127.0.0.1:0"});
}

TEST_CASE("parse_options: --keepalive takes IDLE,INTERVAL,COUNT, by default 60,10,3",
          "[options][keepalive]") {
    const auto defaults = parse({});
    REQUIRE_FALSE(defaults.options.exit_code);
    CHECK(defaults.options.config.keepalive == parley::Keepalive{60, 10, 3});
    CHECK(defaults.options.config.keepalive.reap_seconds() == 90);
    CHECK(defaults.options.config.keepalive.user_timeout_ms() == 90000);

    const auto p = parse({"--keepalive", "2,1,3"});
    REQUIRE_FALSE(p.options.exit_code);
    CHECK(p.errors.empty());
    CHECK(p.options.config.keepalive == parley::Keepalive{2, 1, 3});
    CHECK(p.options.config.keepalive.user_timeout_ms() == 5000);
    // Recorded as a setting (quoted, as a config file would have it), so that SIGHUP sees a
    // change.
    CHECK(p.options.config.settings.at("keepalive") == "\"2,1,3\"");

    // Linux's own limits are the largest values taken.
    const auto most = parse_config("keepalive = \"32767,32767,127\"\n");
    REQUIRE_FALSE(most.options.exit_code);
    CHECK(most.options.config.keepalive == parley::Keepalive{32767, 32767, 127});
}

TEST_CASE("parse_options refuses a bad --keepalive with a clear error", "[options][keepalive]") {
    for (const auto& [text, says] : std::initializer_list<std::pair<const char*, const char*>>{
             {"60,10", "IDLE,INTERVAL,COUNT"},
             {"60,10,3,1", "IDLE,INTERVAL,COUNT"},
             {"60", "IDLE,INTERVAL,COUNT"},
             {"", "IDLE,INTERVAL,COUNT"},
             {"60;10;3", "IDLE,INTERVAL,COUNT"},
             {",10,3", "IDLE"},
             {"0,10,3", "IDLE"},
             {"-1,10,3", "IDLE"},
             {"1.5,10,3", "IDLE"},
             {"32768,10,3", "IDLE"},
             {" 60,10,3", "IDLE"},
             {"99999999999999999999,10,3", "IDLE"},
             {"60,0,3", "INTERVAL"},
             {"60,x,3", "INTERVAL"},
             {"60,10,0", "COUNT"},
             {"60,10,128", "COUNT"},
             {"60,10,3 ", "COUNT"},
         }) {
        CAPTURE(text);
        const auto p = parse({"--keepalive", text});
        CHECK(p.options.exit_code == 2);
        CHECK(p.errors.find("--keepalive") != std::string::npos);
        CHECK(p.errors.find(says) != std::string::npos);
    }
    const auto p = parse_config("keepalive = \"60,10,0\"\n");
    CHECK(p.options.exit_code == 2);
    CHECK(p.errors.find("COUNT") != std::string::npos);
}

TEST_CASE("parse_options: --ipv6-prefix is 64 by default and 1 to 128", "[options]") {
    CHECK(parse({}).options.config.ipv6_prefix == 64);
    CHECK(parse({"--ipv6-prefix", "56"}).options.config.ipv6_prefix == 56);
    CHECK(parse({"--ipv6-prefix", "128"}).options.config.ipv6_prefix == 128);
    for (const char* bad : {"0", "129", "-1", "64.5", "x"}) {
        CAPTURE(bad);
        const auto p = parse({"--ipv6-prefix", bad});
        CHECK(p.options.exit_code == 2);
        CHECK(p.errors.find("--ipv6-prefix") != std::string::npos);
    }
}

TEST_CASE("parse_options: --outbox-total is bytes or auto, by default auto", "[options][budget]") {
    const std::size_t machine = parley::memory_limit() / 4;
    CHECK(parse({}).options.config.outbox_total == machine);
    CHECK(parse({"--outbox-total", "auto"}).options.config.outbox_total == machine);
    CHECK(parse({"--outbox-total", "8388608"}).options.config.outbox_total == 8388608);
    CHECK(parse({"--outbox-total", "0"}).options.config.outbox_total == 0);  // off
    CHECK(parse_config("outbox-total = 4096\n").options.config.outbox_total == 4096);
    CHECK(parse_config("outbox-total = \"auto\"\n").options.config.outbox_total == machine);
    for (const char* bad :
         {"", "-1", "1.5", "1e9", "8M", " 4096", "Auto", "99999999999999999999999"}) {
        CAPTURE(bad);
        const auto p = parse({"--outbox-total", bad});
        CHECK(p.options.exit_code == 2);
        CHECK(p.errors.find("--outbox-total") != std::string::npos);
        CHECK(p.errors.find("bytes or auto") != std::string::npos);
    }
    // The packaged file shows the default as it is, so uncommenting the line changes nothing.
    std::ostringstream printed;
    std::streambuf* const old = std::cout.rdbuf(printed.rdbuf());
    const auto p = parse({"--print-config"});
    std::cout.rdbuf(old);
    CHECK(p.options.exit_code == 0);
    CHECK(printed.str().find("\n#outbox-total = \"auto\"\n") != std::string::npos);
}
