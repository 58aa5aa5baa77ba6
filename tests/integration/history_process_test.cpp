// The history store of the real parley-server: a damaged database, --backup, and SIGKILL in the
// middle of steady chat.

#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "tests/integration/harness.hpp"
#include "tests/integration/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace parley::test;

namespace {

const std::regex listening{R"(listening on 127\.0\.0\.1:(\d+))"};

unsigned short port_of(Process& server) {
    return static_cast<unsigned short>(std::stoi(server.wait_for(listening)[1]));
}

void write_garbage(const std::string& file) {
    std::ofstream(file, std::ios::binary) << std::string(4096, '\x5a');
}

}  // namespace

TEST_CASE("a damaged history database is one clear error and exit 1", "[process][history]") {
    TempDir dir;
    write_garbage(dir.path() + "/history.db");
    Process server({"--listen", "127.0.0.1:0", "--data-dir", dir.path()});
    CHECK(server.wait_exit() == 1);
    const std::string out = server.output();
    CHECK(out.rfind("parley-server: history database " + dir.path() + "/history.db", 0) == 0);
    CHECK(out.find("--reset-corrupt-data") != std::string::npos);
    CHECK(std::count(out.begin(), out.end(), '\n') == 1);
}

TEST_CASE("history: --reset-corrupt-data moves a damaged database aside and begins anew",
          "[process][history]") {
    TempDir dir;
    write_garbage(dir.path() + "/history.db");
    Process server({"--listen", "127.0.0.1:0", "--data-dir", dir.path(), "--reset-corrupt-data"});
    server.wait_for(std::regex("was damaged; moved it to .*history\\.db\\.corrupt-"));
    auto c = Client::join(port_of(server), "alice");
    c->say("fresh start");
    c->sync();
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
    std::size_t aside = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        if (entry.path().filename().string().starts_with("history.db.corrupt-")) {
            ++aside;
            CHECK(std::filesystem::file_size(entry.path()) == 4096);
        }
    }
    CHECK(aside == 1);
}

TEST_CASE("history: --backup copies the history of a running server", "[process][history]") {
    TempDir dir;
    Process server({"--listen", "127.0.0.1:0", "--data-dir", dir.path()});
    auto c = Client::join(port_of(server), "alice");
    c->say("worth keeping");
    c->say("/history");  // answered once what came before it is committed
    c->expect_line("--- End of earlier messages.");
    const std::string copy = dir.path() + "/backup.db";
    Process backup({"--data-dir", dir.path(), "--backup", copy});
    CHECK(backup.wait_exit() == 0);
    Process again({"--data-dir", dir.path(), "--backup", copy});
    CHECK(again.wait_exit() == 1);  // never over an existing file
    // The copy is a data directory's database of its own: a server started on it has it all.
    TempDir restored;
    std::filesystem::copy_file(copy, restored.path() + "/history.db");
    Process second({"--listen", "127.0.0.1:0", "--data-dir", restored.path()});
    Client d(port_of(second));
    d.expect_line("#lobby <alice> worth keeping");
    server.signal(SIGTERM);
    second.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
    CHECK(second.wait_exit() == 0);
}

// Steady chat at 200 messages a second, far below what the storage thread keeps up with (it
// logs if it ever drops a write, and the test checks it did not). An observer notes when it
// received each message. The server is killed with SIGKILL mid-chat; restarted on the same
// directory, its lobby's scrollback holds every message the observer received more than one
// batch interval (100 ms) before the kill, in order, once each.
TEST_CASE("SIGKILL mid-chat loses nothing received more than a batch interval before",
          "[process][history]") {
    using clock = std::chrono::steady_clock;
    TempDir dir;
    const std::vector<std::string> flags{"--listen", "127.0.0.1:0", "--data-dir", dir.path(),
                                         "--rate",   "0",           "--history",  "1000"};
    std::vector<std::pair<clock::time_point, int>> received;  // when, message number
    clock::time_point killed;
    {
        Process server(flags);
        const unsigned short port = port_of(server);
        auto talker = Client::join(port, "talker");
        auto observer = Client::join(port, "observer");
        constexpr auto interval = std::chrono::milliseconds(5);  // 200 messages a second
        constexpr int count = 300;
        const auto start = clock::now();
        for (int i = 1; i <= count; ++i) {
            std::this_thread::sleep_until(start + i * interval);  // pacing, not synchronising
            talker->say("m" + std::to_string(i));
            if (i == count) {
                break;  // killed with this one in flight
            }
            const std::string want = "#lobby <talker> m" + std::to_string(i);
            observer->expect_line(want);
            received.emplace_back(clock::now(), i);
        }
        killed = clock::now();
        server.signal(SIGKILL);
        server.wait_exit();
        CHECK(server.output().find("falling behind") == std::string::npos);
    }
    Process server(flags);
    Client reader(port_of(server));
    reader.expect_line("--- Recent messages in #lobby:");
    std::vector<int> stored;
    for (;;) {
        auto line = reader.line();
        REQUIRE(line);
        if (*line == "--- End of recent messages.") {
            break;
        }
        const std::string prefix = "#lobby <talker> m";
        REQUIRE(line->rfind(prefix, 0) == 0);
        stored.push_back(std::stoi(line->substr(prefix.size())));
    }
    // In order, once each, and starting at the first.
    for (std::size_t i = 0; i < stored.size(); ++i) {
        REQUIRE(stored[i] == static_cast<int>(i) + 1);
    }
    int must_have = 0;
    for (const auto& [when, n] : received) {
        if (when < killed - std::chrono::milliseconds(100)) {
            must_have = n;
        }
    }
    INFO("stored " << stored.size() << " of " << received.size() << " received");
    CHECK(must_have > 200);
    CHECK(static_cast<int>(stored.size()) >= must_have);
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}
