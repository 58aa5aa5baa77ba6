#include "tests/integration/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>

namespace parley::test {

Process::Process(std::vector<std::string> args, std::optional<std::string> input,
                 const std::vector<std::string>& env) {
    if (std::find(args.begin(), args.end(), "--irc-listen") == args.end()) {
        args.insert(args.end(), {"--irc-listen", "none"});
    }
    if (std::find(args.begin(), args.end(), "--http-listen") == args.end()) {
        args.insert(args.end(), {"--http-listen", "none"});
    }
    // Never the user's history: tests that keep some give a temporary --data-dir.
    if (std::find(args.begin(), args.end(), "--data-dir") == args.end()) {
        args.insert(args.end(), {"--data-dir", "none"});
    }
    args.insert(args.begin(), PARLEY_SERVER_PATH);
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    int in[2] = {-1, -1};
    if (input) {
        REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (input) {
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e) {
        envp.push_back(*e);
    }
    for (const std::string& e : env) {
        envp.push_back(const_cast<char*>(e.c_str()));
    }
    envp.push_back(nullptr);
    const int spawned = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    out_ = out[0];
    if (input) {
        // The input is a line or two: the pipe's buffer takes it whole, and this side holds
        // the read end until it is written, so the write neither blocks nor meets EPIPE.
        std::string_view rest = *input;
        while (spawned == 0 && !rest.empty()) {
            const ssize_t n = ::write(in[1], rest.data(), rest.size());
            if (n < 0 && errno == EINTR) {
                continue;
            }
            REQUIRE(n > 0);
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        ::close(in[1]);
        ::close(in[0]);
    }
    REQUIRE(spawned == 0);
}

Process::~Process() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
}

std::smatch Process::wait_for(const std::regex& pattern, Duration timeout) {
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

int Process::wait_exit(Duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (read_some(deadline)) {
    }
    int status = 0;
    // The pipe closed: the process is exiting; waitpid returns promptly.
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
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

void Process::drain() {
    for (;;) {
        pollfd p{out_, POLLIN, 0};
        if (::poll(&p, 1, 0) != 1) {
            return;
        }
        char buf[4096];
        const ssize_t n = ::read(out_, buf, sizeof buf);
        if (n <= 0) {
            return;
        }
        buffer_.append(buf, static_cast<std::size_t>(n));
    }
}

void Process::signal(int sig) {
    if (pid_ > 0) {
        ::kill(pid_, sig);
    }
}

std::size_t Process::count_lines(std::string_view text) const {
    std::size_t n = 0;
    const std::string all = output();
    std::string_view view = all;
    while (!view.empty()) {
        const std::size_t nl = view.find('\n');
        const std::string_view line = view.substr(0, nl);
        if (line.find(text) != std::string_view::npos) {
            ++n;
        }
        view.remove_prefix(nl == std::string_view::npos ? view.size() : nl + 1);
    }
    return n;
}

bool Process::read_some(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        const auto left =
            std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd p{out_, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return false;
        }
        char buf[4096];
        const ssize_t n = ::read(out_, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        buffer_.append(buf, static_cast<std::size_t>(n));
        return true;
    }
}

std::vector<Listening> wait_listening(Process& server, std::size_t count) {
    static const std::regex line{R"(listening on (.+):(\d+) \(([a-z, ]+)\)$)"};
    std::vector<Listening> out;
    while (out.size() < count) {
        const std::smatch m = server.wait_for(line);
        out.push_back(Listening{m[1], static_cast<unsigned short>(std::stoi(m[2])), m[3]});
    }
    return out;
}

unsigned short port_of(const std::vector<Listening>& listening, std::string_view kind) {
    for (const Listening& l : listening) {
        if (l.kind == kind) {
            return l.port;
        }
    }
    FAIL("no listener of kind " << kind);
    return 0;
}

}  // namespace parley::test
