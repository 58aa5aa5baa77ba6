// /metrics over a real socket: a known sequence of actions moves each counter as
// docs/operations.md says, and the HTTP listener refuses what it must (oversize heads, slow
// clients, garbage, other methods and paths).

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <thread>

#include "tests/integration/harness.hpp"
#include "tests/support/temp_dir.hpp"

using namespace parley;
using namespace parley::test;

namespace {

Config metrics_config() {
    Config c = irc_config();
    c.metrics_listen = {"127.0.0.1:0"};
    c.rate = 0;  // the sequences below are not about flooding
    c.burst = 0;
    c.http_timeout = 0.5;
    return c;
}

// Sends `request` and reads the whole response, up to the server's close.
std::vector<std::string> http_exchange(unsigned short port, std::string_view request) {
    Client c(port);
    c.send(request);
    REQUIRE(c.closed_within());
    return c.seen();
}

// Every sample of a scrape, keyed as written: name{label="value",...}.
using Samples = std::map<std::string, double>;

int scrapes = 0;  // scrapes answered, as parley_http_responses_total{code="200"} counts them

Samples scrape(unsigned short port) {
    ++scrapes;
    const auto lines =
        http_exchange(port, "GET /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    REQUIRE(!lines.empty());
    REQUIRE(lines.front() == "HTTP/1.1 200 OK");
    Samples out;
    bool body = false;
    for (const std::string& l : lines) {
        if (!body) {
            body = l.empty();
            continue;
        }
        if (l.empty() || l.front() == '#') {
            continue;
        }
        const std::size_t space = l.rfind(' ');
        REQUIRE(space != std::string::npos);
        out[l.substr(0, space)] = std::stod(l.substr(space + 1));
    }
    return out;
}

// The value of `key` in `s`, 0 when absent (a code never refused has no sample).
double at(const Samples& s, const std::string& key) {
    const auto it = s.find(key);
    return it == s.end() ? 0 : it->second;
}

// How much every sample moved from `before` to `after`.
Samples delta(const Samples& before, const Samples& after) {
    Samples d;
    for (const auto& [k, v] : after) {
        d[k] = v - at(before, k);
    }
    return d;
}

// Scrapes until `key` has the value `want` (sessions end on the server's time); the last scrape.
Samples scrape_until(unsigned short port, const std::string& key, double want) {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
        Samples s = scrape(port);
        if (at(s, key) == want || std::chrono::steady_clock::now() > deadline) {
            return s;
        }
        std::this_thread::yield();
    }
}

const std::string plain_open = R"(parley_connections{protocol="plain",tls="false"})";
const std::string irc_open = R"(parley_connections{protocol="irc",tls="false"})";

// The counters that no action of a step moved must read 0 in its delta: checks that every
// counter the step did not name stayed put.
void only_these_moved(const Samples& d, const std::map<std::string, double>& moved) {
    for (const auto& [k, v] : d) {
        // Gauges and the scrapes' own traffic move by themselves.
        if (k.starts_with("process_") || k.starts_with("parley_uptime") ||
            k.starts_with("parley_http_") || k.starts_with("parley_connections{") ||
            k.starts_with("parley_room") || k.starts_with("parley_outbox")) {
            continue;
        }
        const auto it = moved.find(k);
        INFO(k);
        CHECK(v == (it == moved.end() ? 0 : it->second));
    }
    for (const auto& [k, v] : moved) {
        INFO(k << " is not in the scrape");
        CHECK(d.count(k) == 1);
    }
}

}  // namespace

TEST_CASE("metrics: a known sequence moves each counter as documented", "[metrics]") {
    TestServer server(metrics_config());
    const unsigned short mp = server.metrics_port();
    REQUIRE(mp != 0);
    scrapes = 0;
    const Samples s0 = scrape(mp);
    CHECK(at(s0, "parley_build_info{version=\"" PARLEY_VERSION_FOR_TESTS "\"}") == 1);
    CHECK(at(s0, plain_open) == 0);
    CHECK(at(s0, "parley_rooms") == 1);  // #lobby
    CHECK(at(s0, "parley_room_members") == 0);
    CHECK(at(s0, "parley_nicknames") == 0);
    CHECK(at(s0, "process_resident_memory_bytes") > 0);
    CHECK(at(s0, "process_open_fds") > 0);
    CHECK(s0.count("process_cpu_seconds_total") == 1);
    CHECK(s0.count("parley_history_queue_depth") == 0);  // no --data-dir: no store

    // Two plain clients in #lobby and one IRC client who joins it.
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");
    auto carol = IrcClient::connect(server.irc_port(), "carol");
    carol->send_line("JOIN #lobby");
    carol->expect_numeric(366);
    alice->expect_line("-!- carol joined #lobby");
    bob->expect_line("-!- carol joined #lobby");
    const Samples s1 = scrape(mp);
    {
        const Samples d = delta(s0, s1);
        CHECK(at(d, R"(parley_connections_accepted_total{protocol="plain",tls="false"})") == 2);
        CHECK(at(d, R"(parley_connections_accepted_total{protocol="irc",tls="false"})") == 1);
        CHECK(at(s1, plain_open) == 2);
        CHECK(at(s1, irc_open) == 1);
        CHECK(at(s1, "parley_rooms") == 1);
        CHECK(at(s1, "parley_room_members") == 3);
        CHECK(at(s1, "parley_nicknames") == 3);
    }

    // A message to a room of 3: one message, two deliveries, its bytes in and out.
    alice->say("hello");
    bob->expect_line("#lobby <alice> hello");
    const std::string to_carol = carol->expect_suffix("PRIVMSG #lobby :hello");
    const Samples s2 = scrape(mp);
    only_these_moved(delta(s1, s2),
                     {
                         {R"(parley_lines_received_total{protocol="plain"})", 1},
                         {R"(parley_messages_total{protocol="plain"})", 1},
                         {"parley_deliveries_total", 2},
                         {R"(parley_bytes_received_total{protocol="plain"})", 6},
                         {R"(parley_bytes_sent_total{protocol="plain"})", 22},  // lines end in CRLF
                         {R"(parley_bytes_sent_total{protocol="irc"})", to_carol.size() + 2},
                     });

    // Refused lines, by code: a plain control character, an unknown IRC command, IRC text
    // with an escape. Each is answered (a delivery) and nothing else moves.
    alice->say("bad \x1b[31m");
    const std::string refusal = alice->expect_prefix("!!! control-character");
    carol->send_line("FOO");
    const std::string unknown = carol->expect_numeric(421);
    carol->send_line("PRIVMSG #lobby :\x1b");
    const std::string fail = carol->expect_prefix(":irc.parley.test FAIL PRIVMSG INVALID_TEXT");
    const Samples s3 = scrape(mp);
    only_these_moved(
        delta(s2, s3),
        {
            {R"(parley_lines_received_total{protocol="plain"})", 1},
            {R"(parley_lines_received_total{protocol="irc"})", 2},
            {R"(parley_refused_lines_total{protocol="plain",code="control-character"})", 1},
            {R"(parley_refused_lines_total{protocol="irc",code="421"})", 1},
            {R"(parley_refused_lines_total{protocol="irc",code="INVALID_TEXT"})", 1},
            {"parley_deliveries_total", 3},
            {R"(parley_bytes_received_total{protocol="plain"})", 10},
            {R"(parley_bytes_received_total{protocol="irc"})", 5 + 19},
            {R"(parley_bytes_sent_total{protocol="plain"})", refusal.size() + 2},
            {R"(parley_bytes_sent_total{protocol="irc"})", unknown.size() + fail.size() + 4},
        });

    // An IRC message to the room: counted on the IRC side, delivered to both plain members.
    carol->send_line("PRIVMSG #lobby :hi");
    alice->expect_line("#lobby <carol> hi");
    bob->expect_line("#lobby <carol> hi");
    const Samples s4 = scrape(mp);
    only_these_moved(delta(s3, s4), {
                                        {R"(parley_lines_received_total{protocol="irc"})", 1},
                                        {R"(parley_messages_total{protocol="irc"})", 1},
                                        {"parley_deliveries_total", 2},
                                        {R"(parley_bytes_received_total{protocol="irc"})", 20},
                                        {R"(parley_bytes_sent_total{protocol="plain"})", 2 * 19},
                                    });

    // Disconnects by reason: a plain /quit, a plain reset, an IRC QUIT.
    bob->say("/quit bye");
    REQUIRE(bob->closed_within());
    alice->expect_line("-!- bob quit (bye)");
    alice->reset();
    carol->expect_suffix("QUIT :connection reset");
    carol->send_line("QUIT");
    REQUIRE(carol->closed_within());
    const Samples s5 = scrape_until(mp, irc_open, 0);
    const Samples d5 = delta(s4, s5);
    CHECK(at(d5, R"(parley_disconnects_total{protocol="plain",reason="quit"})") == 1);
    CHECK(at(d5, R"(parley_disconnects_total{protocol="plain",reason="reset"})") == 1);
    CHECK(at(d5, R"(parley_disconnects_total{protocol="irc",reason="quit"})") == 1);
    CHECK(at(s5, plain_open) == 0);
    CHECK(at(s5, irc_open) == 0);
    CHECK(at(s5, "parley_room_members") == 0);
    CHECK(at(s5, "parley_outbox_bytes") == 0);
    // Every disconnect the sequence caused, and no other.
    double ended = 0;
    for (const auto& [k, v] : d5) {
        ended += k.starts_with("parley_disconnects_total") ? v : 0;
    }
    CHECK(ended == 3);
    // The scrapes were answered, one 200 each (this one's is counted once it is sent).
    CHECK(at(s5, "parley_http_responses_total{code=\"200\"}") == scrapes - 1);
    CHECK(at(s5, "parley_http_connections") == 1);  // this scrape's own
    CHECK(at(s5, "parley_http_connections_total") == scrapes);
}

TEST_CASE("metrics: the history store's counters move with what it stores and reads",
          "[metrics][history]") {
    TempDir dir;
    Config c = metrics_config();
    c.data_dir = dir.path();
    TestServer server(c);
    const unsigned short mp = server.metrics_port();
    const Samples s0 = scrape(mp);
    CHECK(at(s0, "parley_history_queue_depth") == 0);
    CHECK(s0.count("parley_history_events_written_total") == 1);
    CHECK(at(s0, "parley_history_events_written_total") == 0);
    CHECK(s0.count("parley_history_thread_cpu_seconds_total") == 1);

    // Two messages are stored, in one batch or two, within the batch interval.
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");
    alice->say("one");
    alice->say("two");
    bob->expect_line("#lobby <alice> two");
    const Samples s1 = scrape_until(mp, "parley_history_events_written_total", 2);
    CHECK(at(s1, "parley_history_events_written_total") == 2);
    CHECK(at(s1, "parley_history_events_dropped_total") == 0);
    CHECK(at(s1, "parley_history_queue_depth") == 0);
    CHECK(at(s1, "parley_history_batches_total") >= 1);
    CHECK(at(s1, "parley_history_batches_total") <= 2);
    CHECK(at(s1, "parley_history_commit_seconds_count") == at(s1, "parley_history_batches_total"));
    CHECK(at(s1, "parley_history_commit_seconds_sum") > 0);
    CHECK(at(s1, "parley_history_commit_seconds_max") > 0);
    CHECK(at(s1, "parley_history_commit_seconds_max") <=
          at(s1, "parley_history_commit_seconds_sum"));
    CHECK(at(s1, "parley_history_errors_total") == 0);

    // /history is one query of the store, answered on the storage thread.
    const double reads = at(s1, "parley_history_reads_total");
    bob->say("/history");
    const Samples s2 = scrape_until(mp, "parley_history_reads_total", reads + 1);
    CHECK(at(s2, "parley_history_reads_total") == reads + 1);
    CHECK(at(s2, "parley_history_events_written_total") == 2);
}

TEST_CASE("metrics: refused connections and evictions are counted by reason", "[metrics][slow]") {
    Config config = metrics_config();
    config.max_clients = 2;
    config.outbox_bytes = 64 * 1024;
    TestServer server(config);
    const unsigned short mp = server.metrics_port();
    auto talker = Client::join(server.port(), "talker");
    Client sloth(server.port(), 4096);  // a small receive buffer, and it does not read
    sloth.say("/nick sloth");
    talker->expect_line("-!- guest2 is now known as sloth");
    Client third(server.port());
    REQUIRE(third.closed_within());
    CHECK(third.has_seen_containing("server-full"));
    const Samples before = scrape(mp);
    CHECK(at(before,
             R"(parley_connections_refused_total{protocol="plain",reason="server-full"})") == 1);
    CHECK(at(before, R"(parley_connections_accepted_total{protocol="plain",tls="false"})") == 3);

    // The talker's lines fill sloth's kernel buffers, then its outbox.
    REQUIRE(talker->talk_until_evicted("sloth"));
    const Samples after = scrape_until(mp, plain_open, 1);
    CHECK(at(after, R"(parley_evictions_total{protocol="plain"})") == 1);
    CHECK(at(after, R"(parley_disconnects_total{protocol="plain",reason="evicted"})") == 1);
    CHECK(at(after, "parley_outbox_bytes_max") < 64 * 1024);
}

// Clients that connect and reset at once (SO_LINGER 0, then close), as scanners and impatient
// clients do: each is still counted once, as a refusal (`gone`, when the reset came before the
// server could read the peer's address) or as a session's disconnect, and nothing stays open.
TEST_CASE("metrics: a connection reset as soon as it is made is still counted",
          "[metrics][hostile]") {
    TestServer server(metrics_config());
    const unsigned short mp = server.metrics_port();
    constexpr int resets = 50;
    for (int i = 0; i < resets; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(server.port());
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0);
        const linger abort{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
        ::close(fd);
    }
    const auto ended = [](const Samples& s) {
        double n = 0;
        for (const auto& [k, v] : s) {
            if (k.starts_with("parley_connections_refused_total{protocol=\"plain\"") ||
                k.starts_with("parley_disconnects_total{protocol=\"plain\"")) {
                n += v;
            }
        }
        return n;
    };
    const auto deadline = std::chrono::steady_clock::now() + patience;
    Samples s = scrape(mp);
    while (ended(s) < resets && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
        s = scrape(mp);
    }
    CHECK(at(s, R"(parley_connections_accepted_total{protocol="plain",tls="false"})") == resets);
    CHECK(ended(s) == resets);
    CHECK(at(s, plain_open) == 0);
    CHECK(at(s, "parley_nicknames") == 0);
}

TEST_CASE("metrics: GET and HEAD, keep-alive and pipelining", "[metrics][http]") {
    TestServer server(metrics_config());
    // Two requests in one write; the second asks to close.
    const auto lines =
        http_exchange(server.metrics_port(),
                      "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"
                      "HEAD /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    std::size_t ok = 0, types = 0, lengths = 0, build_info = 0;
    for (const std::string& l : lines) {
        ok += l == "HTTP/1.1 200 OK" ? 1 : 0;
        types += l == "Content-Type: text/plain; version=0.0.4; charset=utf-8" ? 1 : 0;
        lengths += l.starts_with("Content-Length: ") ? 1 : 0;
        build_info += l.starts_with("parley_build_info{") ? 1 : 0;
    }
    CHECK(ok == 2);
    CHECK(types == 2);
    CHECK(lengths == 2);
    CHECK(build_info == 1);       // HEAD has no body
    CHECK(lines.back().empty());  // HEAD's head ends the exchange: the server closed after it
}

TEST_CASE("metrics: the HTTP listener refuses what it must", "[metrics][http][hostile]") {
    TestServer server(metrics_config());
    const unsigned short mp = server.metrics_port();
    std::map<std::string, double> refused;  // the responses each section expects counted
    SECTION("other paths are 404, other methods 405 with Allow") {
        refused = {{"404", 1}, {"405", 1}};
        auto l = http_exchange(mp, "GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n");
        REQUIRE(!l.empty());
        CHECK(l.front() == "HTTP/1.1 404 Not Found");
        l = http_exchange(mp, "DELETE /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        REQUIRE(!l.empty());
        CHECK(l.front() == "HTTP/1.1 405 Method Not Allowed");
        CHECK(std::find(l.begin(), l.end(), "Allow: GET, HEAD") != l.end());
    }
    SECTION("garbage is a 400 and the connection closes") {
        refused = {{"400", 1}};
        const auto l = http_exchange(mp, "\x16\x03\x01\x02\x00garbage\r\n\r\n");
        REQUIRE(!l.empty());
        CHECK(l.front() == "HTTP/1.1 400 Bad Request");
        CHECK(std::find(l.begin(), l.end(), "Connection: close") != l.end());
    }
    SECTION("a head past 8 KiB is a 431; a long target a 414; HTTP/2.0 a 505") {
        refused = {{"431", 1}, {"414", 1}, {"505", 1}};
        auto l =
            http_exchange(mp, "GET /metrics HTTP/1.1\r\nHost: t\r\nX: " + std::string(9000, 'x'));
        REQUIRE(!l.empty());
        CHECK(l.front() == "HTTP/1.1 431 Request Header Fields Too Large");
        l = http_exchange(mp, "GET /" + std::string(3000, 'a') + " HTTP/1.1\r\n");
        REQUIRE(!l.empty());
        CHECK(l.front() == "HTTP/1.1 414 URI Too Long");
        l = http_exchange(mp, "GET /metrics HTTP/2.0\r\n\r\n");
        REQUIRE(!l.empty());
        CHECK(l.front() == "HTTP/1.1 505 HTTP Version Not Supported");
    }
    SECTION("a slow client gets a 408 at the deadline; an idle one is closed") {
        refused = {{"408", 1}};
        const auto started = std::chrono::steady_clock::now();
        Client slow(mp);
        slow.send("GET /metrics HTTP/1.1\r\nHost: t\r\n");  // and never the empty line
        REQUIRE(slow.closed_within());
        REQUIRE(!slow.seen().empty());
        CHECK(slow.seen().front() == "HTTP/1.1 408 Request Timeout");
        Client idle(mp);
        REQUIRE(idle.closed_within());
        CHECK(idle.seen().empty());
        // The deadline is 0.5 s here: both ended by it, not by the test's patience.
        CHECK(std::chrono::steady_clock::now() - started < 5s);
    }
    // Whatever was refused, the server still answers, and counted each status. (This
    // scrape's own 200 is counted after its body is made.)
    const Samples s = scrape(mp);
    double responses = 0;
    for (const auto& [k, v] : s) {
        responses += k.starts_with("parley_http_responses_total") ? v : 0;
    }
    double want = 0;
    for (const auto& [code, n] : refused) {
        CHECK(at(s, "parley_http_responses_total{code=\"" + code + "\"}") == n);
        want += n;
    }
    CHECK(responses == want);
    CHECK(at(s, "parley_http_connections") == 1);
}

TEST_CASE("metrics: shutdown closes idle HTTP connections at once", "[metrics][http]") {
    Config config = metrics_config();
    config.http_timeout = 60;  // only shutdown can end the idle connection in time
    TestServer server(config);
    Client keep(server.metrics_port());
    keep.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");  // keep-alive: stays open
    keep.expect_line("HTTP/1.1 200 OK");
    keep.expect_prefix("process_start_time_seconds");  // the last family: the body is read
    CHECK(server.shutdown() < 5s);
    CHECK(keep.closed_within());
}
