// Fuzzes the config file: parse_options (server/options.cpp) reading `--config FILE` through
// CLI11's TOML/INI parser, exactly as parley-server does at start.
//
// Input: the file's bytes, held in a memfd so that no disk is touched. The same file is also
// given as --motd, so that the MOTD loader reads it too (and so that a fuzzed `motd = ...` key
// cannot send the harness off reading /dev/zero or a terminal: the command line wins over the
// file). Checks, beyond crashes, leaks, hangs and sanitizer reports:
// - no exception escapes parse_options: a bad file is an exit code;
// - a config it accepts holds what the flags' checks promise: non-negative rate, burst,
//   strikes, idle and shutdown timeouts, a known log level, at least one listen address, and
//   MOTD lines that are clean text;
// - its timeouts convert to clock durations the way the server converts them (from_seconds),
//   without overflow: UBSan would report a float-to-integer conversion out of range.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <iostream>
#include <string>

#include "server/options.hpp"
#include "shared/text.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

namespace {

int file = -1;
std::string path;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    file = memfd_create("parley-config", 0);
    FUZZ_CHECK(file >= 0);
    path = "/proc/self/fd/" + std::to_string(file);
    // Bad files are reported on std::cerr and --help on std::cout: millions of such lines would
    // only slow the fuzzer down. Without a buffer the streams drop what they are given.
    std::cout.rdbuf(nullptr);
    std::cerr.rdbuf(nullptr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FUZZ_CHECK(ftruncate(file, 0) == 0);
    FUZZ_CHECK(pwrite(file, data, size, 0) == static_cast<ssize_t>(size));

    const char* argv[] = {"parley-server", "--config", path.c_str(), "--motd", path.c_str()};
    const parley::ParsedOptions parsed = parley::parse_options(5, argv);
    if (parsed.exit_code) {
        return 0;
    }
    const parley::Config& c = parsed.config;
    FUZZ_CHECK(c.rate >= 0 && c.burst >= 0 && c.strikes >= 0);
    FUZZ_CHECK(c.idle_timeout >= 0 && c.shutdown_timeout >= 0);
    FUZZ_CHECK(parley::from_seconds(c.idle_timeout).count() >= 0);
    FUZZ_CHECK(parley::from_seconds(c.shutdown_timeout).count() >= 0);
    // What setsockopt takes (tune_socket), and a user timeout that does not overflow.
    FUZZ_CHECK(c.keepalive.idle >= 1 && c.keepalive.idle <= 32767);
    FUZZ_CHECK(c.keepalive.interval >= 1 && c.keepalive.interval <= 32767);
    FUZZ_CHECK(c.keepalive.count >= 1 && c.keepalive.count <= 127);
    FUZZ_CHECK(c.keepalive.user_timeout_ms() / 1000 ==
               static_cast<unsigned>(c.keepalive.reap_seconds()));
    FUZZ_CHECK(c.ipv6_prefix >= 1 && c.ipv6_prefix <= 128);
    FUZZ_CHECK(c.log_level == "trace" || c.log_level == "debug" || c.log_level == "info" ||
               c.log_level == "warn" || c.log_level == "error" || c.log_level == "critical" ||
               c.log_level == "off");
    FUZZ_CHECK(!c.listen.empty());
    for (const std::string& line : c.motd) {
        FUZZ_CHECK(parley::check_text(line) == parley::TextProblem::none);
    }
    return 0;
}
