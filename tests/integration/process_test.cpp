// The parley-server executable as operators run it: flags, errors, and SIGTERM.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>

#include "tests/integration/harness.hpp"

using namespace parley::test;

namespace {

// A child process with its stdout and stderr read through one pipe.
class Process {
  public:
    explicit Process(std::vector<std::string> args) {
        // The IRC listener's default port is left to the tests that ask for it: parallel
        // tests must not collide.
        if (std::find(args.begin(), args.end(), "--irc-listen") == args.end()) {
            args.insert(args.end(), {"--irc-listen", "none"});
        }
        args.insert(args.begin(), PARLEY_SERVER_PATH);
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        REQUIRE(::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) == 0);
        posix_spawn_file_actions_destroy(&actions);
        ::close(fds[1]);
        out_ = fds[0];
    }
    ~Process() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(out_);
    }

    // Output until `pattern` matches a line (returns the match) or the deadline passes.
    std::smatch wait_for(const std::regex& pattern, Duration timeout = patience) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            std::size_t nl;
            while ((nl = buffer_.find('\n')) != std::string::npos) {
                line_ = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                output_ += line_ + "\n";
                std::smatch m;
                if (std::regex_search(line_, m, pattern)) {
                    return m;
                }
            }
            if (!read_some(deadline)) {
                FAIL("no line matched; output was:\n" << output_ << buffer_);
            }
        }
    }

    // Waits for the exit; returns the exit status, or -1 on timeout or a signal.
    int wait_exit(Duration timeout = patience) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (read_some(deadline)) {
        }
        int status = 0;
        // The pipe closed: the process is exiting; waitpid returns promptly.
        while (std::chrono::steady_clock::now() < deadline) {
            const pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            pollfd none{-1, 0, 0};
            ::poll(&none, 0, 10);  // the exit is imminent: re-check shortly
        }
        return -1;
    }

    void signal(int sig) { ::kill(pid_, sig); }
    std::string output() const { return output_ + buffer_; }

  private:
    bool read_some(std::chrono::steady_clock::time_point deadline) {
        const auto left =
            std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd p{out_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            return false;
        }
        char buf[4096];
        const ssize_t n = ::read(out_, buf, sizeof buf);
        if (n <= 0) {
            return false;
        }
        buffer_.append(buf, static_cast<std::size_t>(n));
        return true;
    }

    pid_t pid_ = -1;
    int out_ = -1;
    std::string buffer_, line_, output_;
};

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
