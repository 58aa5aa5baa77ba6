#pragma once
// The parley-server executable run as operators run it, for the tests of its flags, signals
// and log: a child process whose stdout and stderr are read through one pipe, line by line,
// with deadlines. Nothing sleeps to synchronise: a test waits for a line of the log.

#include <sys/types.h>

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/harness.hpp"

namespace parley::test {

class Process {
  public:
    // Starts parley-server with `args`. The IRC and HTTP listeners' default ports are left to
    // the tests that ask for them (parallel tests must not collide): without --irc-listen or
    // --http-listen in `args`, "--irc-listen none" or "--http-listen none" is added; without
    // --data-dir, "--data-dir none" (history in memory, never the user's data directory). Standard
    // input is `input`, written whole and then closed, or else /dev/null. `env` ("NAME=VALUE") is
    // added to the environment it inherits.
    explicit Process(std::vector<std::string> args, std::optional<std::string> input = std::nullopt,
                     const std::vector<std::string>& env = {});
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    // Output until `pattern` matches a line (returns the match; valid until the next call) or
    // the deadline passes (the test fails with the output so far). Lines before the match are
    // consumed: a later call looks only at lines after it.
    std::smatch wait_for(const std::regex& pattern, Duration timeout = patience);

    // Waits for the exit; returns the exit status, or -1 on timeout or a signal.
    int wait_exit(Duration timeout = patience);

    // Reads whatever output is there now, without waiting (a server that logs a lot would
    // otherwise block once the pipe is full); it is in output() afterwards.
    void drain();

    void signal(int sig);
    pid_t pid() const { return pid_; }
    // Everything read so far, consumed lines and the rest.
    std::string output() const { return output_ + buffer_; }
    // How many lines read so far contain `text`.
    std::size_t count_lines(std::string_view text) const;

  private:
    bool read_some(std::chrono::steady_clock::time_point deadline);

    pid_t pid_ = -1;
    int out_ = -1;
    std::string buffer_, line_, output_;
};

// One "listening on HOST:PORT (KIND)" line of the log.
struct Listening {
    std::string host;
    unsigned short port = 0;
    std::string kind;  // "plain", "irc", "plain, tls", "irc, tls"
};

// Waits for the server's `count` listening lines (it logs them all at start, in one go).
std::vector<Listening> wait_listening(Process& server, std::size_t count);
// The port of the one listener of `kind` among `listening` (the test fails if there is none).
unsigned short port_of(const std::vector<Listening>& listening, std::string_view kind);

}  // namespace parley::test
