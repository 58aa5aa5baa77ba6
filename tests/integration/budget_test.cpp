// The outbox budget (--outbox-total) proven on the real executable: many clients that never
// read are sent distinct private messages while others chat. The server's resident memory
// stays within the budget plus a stated overhead, the kernel's TCP memory within its stated
// bound (the send buffer every client gets), the clients furthest behind are evicted, and the
// clients that read lose nothing.

#include <signal.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/harness.hpp"
#include "tests/integration/process.hpp"

using namespace parley::test;

namespace {

// VmRSS of `pid`, in bytes.
std::size_t resident_bytes(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stoull(line.substr(6)) * 1024;
        }
    }
    return 0;
}

// The kernel's TCP memory, all sockets of the machine: /proc/net/sockstat's "TCP: ... mem N",
// in pages of 4096 bytes.
std::size_t tcp_memory_bytes() {
    std::ifstream sockstat("/proc/net/sockstat");
    for (std::string line; std::getline(sockstat, line);) {
        const auto at = line.find(" mem ");
        if (line.rfind("TCP:", 0) == 0 && at != std::string::npos) {
            return std::stoull(line.substr(at + 5)) * 4096;
        }
    }
    return 0;
}

// Asks for the members of #lobby until every one of `nicks` is among them.
void wait_for_members(Client& c, std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
        c.say("/who");
        const std::string who = c.expect_prefix("--- Members of #lobby");
        if (who.find("(" + std::to_string(count) + ")") != std::string::npos &&
            who.find("guest") == std::string::npos) {
            return;
        }
        REQUIRE(std::chrono::steady_clock::now() < deadline);
    }
}

}  // namespace

TEST_CASE("budget: never-reading clients stay within --outbox-total", "[budget][slow]") {
    constexpr std::size_t budget = 8 << 20;
    constexpr int sloths = 160;         // never read, from 127.0.0.2 to 127.0.0.9
    constexpr int rounds = 200;         // private messages to each
    constexpr std::size_t size = 2000;  // bytes each
    Process server({"--listen", "127.0.0.1:0", "--outbox-total", std::to_string(budget),
                    "--max-per-address", "0", "--rate", "0", "--strikes", "0", "--history", "0",
                    "--announce-limit", "8"});
    const unsigned short port = wait_listening(server, 1)[0].port;
    auto alice = Client::join(port, "alice");
    auto bob = Client::join(port, "bob");
    auto sender = Client::join(port, "sender");
    const std::size_t tcp_before = tcp_memory_bytes();
    const std::size_t rss_before = resident_bytes(server.pid());

    std::vector<std::unique_ptr<Client>> idle;
    for (int i = 0; i < sloths; ++i) {
        const std::string address = "127.0.0." + std::to_string(2 + i % 8);
        idle.push_back(std::make_unique<Client>(port, 4096, address.c_str()));
        idle.back()->say("/nick s" + std::to_string(i));
    }
    wait_for_members(*alice, sloths + 3);
    server.drain();

    std::size_t rss_peak = 0, tcp_peak = 0;
    const auto sample = [&] {
        rss_peak = std::max(rss_peak, resident_bytes(server.pid()));
        tcp_peak = std::max(tcp_peak, tcp_memory_bytes());
        server.drain();
    };
    const auto started = std::chrono::steady_clock::now();
    int said = 0;
    for (int r = 0; r < rounds; ++r) {
        // One round: a distinct message to each idle client, each answered by its echo (or by
        // no-such-nick once that client was evicted) before the next batch, so that the sender
        // itself never falls behind.
        for (int first = 0; first < sloths; first += 32) {
            std::string batch;
            for (int i = first; i < std::min(first + 32, sloths); ++i) {
                std::string text = "r" + std::to_string(r) + "s" + std::to_string(i) + " ";
                text.resize(size, 'x');
                batch += "/msg s" + std::to_string(i) + " " + text + "\n";
            }
            sender->send(batch);
            for (int i = first; i < std::min(first + 32, sloths); ++i) {
                sender->expect([](std::string_view l) {
                    return l.starts_with("-> *s") || l.starts_with("!!! no-such-nick");
                });
            }
        }
        // Meanwhile the others chat, and lose nothing.
        const std::string a = "alice line " + std::to_string(said);
        alice->say(a);
        bob->expect_line("#lobby <alice> " + a);
        const std::string b = "bob line " + std::to_string(said++);
        bob->say(b);
        alice->expect_line("#lobby <bob> " + b);
        sample();
    }
    const auto took = std::chrono::steady_clock::now() - started;
    sample();

    // The budget was reached: the clients furthest behind were evicted as too slow.
    server.drain();
    const std::size_t budget_evictions =
        server.count_lines("furthest behind with the outbox budget full");
    const double rss_over = static_cast<double>(rss_peak - rss_before) / (1 << 20);
    const double tcp_over =
        static_cast<double>(tcp_peak - std::min(tcp_peak, tcp_before)) / (1 << 20);
    // The figures docs/reliability.md quotes.
    WARN("budget " << (budget >> 20) << " MiB; server RSS " << rss_before / 1024
                   << " KiB before, peak +" << rss_over << " MiB; TCP mem peak +" << tcp_over
                   << " MiB for " << sloths << " idle clients; " << budget_evictions
                   << " evicted by the budget; "
                   << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    CHECK(budget_evictions > 0);
    CHECK(server.count_lines("(outbox full)") == 0);  // none reached its own --outbox-bytes
    // Resident memory: the budget, plus the sessions' own state (a few KiB each), the shared
    // batch and read buffers, and what the allocator keeps around: at most 4 MiB here.
    // (Not under ASan, whose quarantine keeps freed memory and whose shadow grows with it.)
#if !defined(__SANITIZE_ADDRESS__)
    CHECK(rss_peak <= rss_before + budget + (4u << 20));
#endif
    // The kernel's share: each connection's send buffer (64 KiB, doubled by the kernel) and,
    // on loopback, the idle clients' own small receive buffers, with the kernel's per-packet
    // overhead: at most 192 KiB per idle client. (The counter is the machine's: other
    // processes' sockets move it too, hence the margin.)
    CHECK(tcp_peak <= tcp_before + sloths * (192u << 10));
    // Everybody the budget did not evict is still there.
    bob->say("/who");
    bob->expect_prefix("--- Members of #lobby");
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}
