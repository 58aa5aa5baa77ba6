// Out of descriptors (accept failing with EMFILE), the real executable with a low
// RLIMIT_NOFILE: clients past the limit are closed at once rather than left hanging, the
// clients already in keep chatting, the acceptor does not spin, and it accepts again once
// descriptors free.

#include <dirent.h>
#include <sys/resource.h>

#include <signal.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/integration/harness.hpp"
#include "tests/integration/process.hpp"

using namespace parley::test;

namespace {

// The numbers of the descriptors `pid` has open.
std::vector<int> open_descriptors(pid_t pid) {
    std::vector<int> fds;
    const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
    DIR* d = ::opendir(dir.c_str());
    REQUIRE(d != nullptr);
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] != '.') {
            fds.push_back(std::stoi(e->d_name));
        }
    }
    ::closedir(d);
    return fds;
}

// User and system CPU time of `pid`, in seconds.
double cpu_seconds(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream rest(all.substr(all.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14 || i == 15) {
            ticks += std::stod(field);
        }
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Connects and reads the greeting: nullptr if the server closed the connection instead.
std::unique_ptr<Client> try_join(unsigned short port, const std::string& nick) {
    try {
        return Client::join(port, nick);
    } catch (const std::exception&) {
        return nullptr;
    }
}

}  // namespace

TEST_CASE("descriptors: past RLIMIT_NOFILE new clients are closed, the others go on",
          "[descriptors][process]") {
#if defined(__SANITIZE_ADDRESS__)
    // The sanitizers' own checks need descriptors: UBSan's vptr check probes memory through a
    // pipe, and out of descriptors it reports every virtual call as a bad object and stops the
    // process. Only a build without them can be run out of descriptors.
    WARN("skipped under the sanitizers: they need descriptors of their own");
    return;
#endif
    Process server({"--listen", "127.0.0.1:0", "--max-per-address", "0"});
    const unsigned short port = wait_listening(server, 1)[0].port;
    auto alice = Client::join(port, "alice");
    auto bob = Client::join(port, "bob");

    // The limit: room for exactly `room` more descriptors, set on the running server as
    // prlimit(1) would. New descriptors take the lowest free numbers, which must be below the
    // limit; the server may hold higher ones (inherited), which stay open.
    constexpr std::size_t room = 2;
    const std::vector<int> fds = open_descriptors(server.pid());
    rlim_t limit = 0;
    while (limit - static_cast<rlim_t>(
                       std::count_if(fds.begin(), fds.end(),
                                     [&](int fd) { return static_cast<rlim_t>(fd) < limit; })) <
           room) {
        ++limit;
    }
    const rlimit low{limit, limit};
    REQUIRE(::prlimit(server.pid(), RLIMIT_NOFILE, &low, nullptr) == 0);
    std::vector<std::unique_ptr<Client>> in;
    for (std::size_t i = 0; i < room; ++i) {
        in.push_back(Client::join(port, "in" + std::to_string(i)));
    }

    // Past the limit: each is closed at once, with nothing said (the server has no descriptor
    // to speak on), and the acceptor pauses rather than spins.
    const double cpu_before = cpu_seconds(server.pid());
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 5; ++i) {
        Client refused(port);
        CHECK(refused.closed_within());
        CHECK(refused.seen().empty());
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    const double cpu = cpu_seconds(server.pid()) - cpu_before;
    WARN("5 refused in " << took.count() << " s, server CPU " << cpu << " s");
    CHECK(cpu < 0.5 * took.count() + 0.05);
    server.wait_for(std::regex("refusing new connections until descriptors free"));

    // Those already in keep chatting, and nobody in was disturbed.
    alice->say("still here");
    bob->expect_line("#lobby <alice> still here");
    in.back()->expect_line("#lobby <alice> still here");

    // A descriptor freed: the next client is accepted again (within the acceptor's pause).
    in.back()->say("/quit");
    CHECK(in.back()->closed_within());
    std::unique_ptr<Client> again;
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (!again && std::chrono::steady_clock::now() < deadline) {
        again = try_join(port, "again");  // refused until the quitter's descriptor is closed
    }
    REQUIRE(again != nullptr);
    again->say("back");
    alice->expect_line("#lobby <again> back");
    server.wait_for(std::regex(R"(accepting again \(\d+ connections refused)"));
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}
