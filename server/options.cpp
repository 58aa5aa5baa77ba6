#include "server/options.hpp"

#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <limits>
#include <utility>

#include "server/password.hpp"
#include "shared/text.hpp"

namespace parley {

std::variant<std::vector<std::string>, std::string> load_motd(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return fmt::format("--motd {}: cannot read the file", file);
    }
    // Read with a bound: the MOTD is sent to every client, and a device such as /dev/zero
    // never ends.
    constexpr std::size_t max_bytes = 64 * 1024;
    std::string text(max_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) {
        return fmt::format("--motd {}: longer than {} KiB", file, max_bytes / 1024);
    }
    std::vector<std::string> motd;
    std::string_view rest = text;
    while (!rest.empty()) {
        const std::size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        // The MOTD reaches every terminal: it follows the same text rules as chat lines.
        if (check_text(line) != TextProblem::none) {
            return fmt::format("--motd {}: line {} is not clean UTF-8 text", file, motd.size() + 1);
        }
        motd.emplace_back(line);
    }
    return motd;
}

namespace {

// A finite number from 0 to `max`. CLI11's NonNegativeNumber lets "nan" through (no
// comparison with NaN is true), and a number of seconds so large that from_seconds overflows
// the clock's duration; a year is more than any timeout needs.
CLI::Validator number_from_zero(double max, std::string what, std::string name) {
    return CLI::Validator(
        [max, what = std::move(what)](std::string& text) {
            double value = 0;
            if (!CLI::detail::lexical_cast(text, value) || !(value >= 0 && value <= max)) {
                return fmt::format("{} is not {}", text, what);
            }
            return std::string();
        },
        std::move(name));
}

// "none" turns a kind of listener off; anything else must be an endpoint, with "tls://" for
// TLS (checked when the server binds it).
std::vector<std::string> listeners(const std::vector<std::string>& given) {
    std::vector<std::string> out;
    for (const std::string& spec : given) {
        if (spec != "none") {
            out.push_back(spec);
        }
    }
    return out;
}

std::optional<std::string> check_opers(const std::vector<std::string>& given, Config& c) {
    for (const std::string& spec : given) {
        const std::size_t colon = spec.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
            return fmt::format("--oper {}: expected NAME:HASH", spec);
        }
        Oper oper{spec.substr(0, colon), spec.substr(colon + 1)};
        // A password in plain text would show in ps and in a readable config file.
        if (!looks_hashed(oper.hash)) {
            return fmt::format(
                "--oper {}: the password must be a hash from parley-server --hash-password, "
                "not the password itself",
                oper.name);
        }
        c.opers.push_back(std::move(oper));
    }
    return std::nullopt;
}

// --hash-password: reads one password from standard input (not echoed when it is a terminal)
// and prints its hash, for --oper NAME:HASH. 0 on success, 2 when no password was given.
int print_password_hash() {
    termios saved{};
    bool echo_off = false;
    if (::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;  // the Enter key still ends the prompt's line
        echo_off = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        std::cerr << "Password: " << std::flush;
    }
    std::string password;
    const bool got = static_cast<bool>(std::getline(std::cin, password));
    if (echo_off) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);  // restored only if it was changed
    }
    struct Wipe {  // no copy of the password stays in freed memory
        std::string& text;
        ~Wipe() { explicit_bzero(text.data(), text.size()); }
    } wipe{password};
    if (!password.empty() && password.back() == '\r') {
        password.pop_back();  // a password piped from a file with CRLF line ends
    }
    if (!got || password.empty()) {
        std::cerr << "parley-server: --hash-password reads a password from standard input\n";
        return 2;
    }
    try {
        std::cout << hash_password(password) << '\n';
    } catch (const std::exception& e) {
        std::cerr << "parley-server: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
        return "parley.local";
    }
    return name;
}
}  // namespace

ParsedOptions parse_options(int argc, const char* const* argv) {
    ParsedOptions out;
    Config& c = out.config;
    CLI::App app{"Parley: a chat server for nc and telnet", "parley-server"};
    app.set_version_flag("--version", PARLEY_VERSION);
    app.set_config("--config", "", "Read flags from a TOML or INI file (flag = value)");
    app.get_formatter()->column_width(34);
    const CLI::Validator non_negative = number_from_zero(
        std::numeric_limits<double>::max(), "a finite number, 0 or more", "NONNEGATIVE");
    const CLI::Validator seconds = number_from_zero(
        365.0 * 24 * 60 * 60, "a number of seconds from 0 to 31536000 (a year)", "0..31536000");

    std::vector<std::string> listen, irc_listen, metrics_listen, opers;
    app.add_option("-l,--listen", listen,
                   "Where plain (nc, telnet) clients connect: HOST:PORT, tls://HOST:PORT or none; "
                   "repeatable; IPv6 as [::1]:7777 (default 127.0.0.1:7777)");
    app.add_option("--irc-listen", irc_listen,
                   "Where IRC clients connect: HOST:PORT, tls://HOST:PORT or none; repeatable "
                   "(default 127.0.0.1:6667)");
    app.add_option("--metrics-listen", metrics_listen,
                   "Where Prometheus scrapes /metrics over HTTP: HOST:PORT or none; repeatable "
                   "(default none; e.g. 127.0.0.1:9777)");
    app.add_option("--tls-cert", c.tls_cert, "PEM certificate (chain) for tls:// listeners");
    app.add_option("--tls-key", c.tls_key, "PEM private key for tls:// listeners");
    app.add_option("--server-name", c.server_name, "The server's name on IRC (default: host name)");
    app.add_option("--network", c.network, "The network name IRC clients are told")
        ->capture_default_str();
    app.add_option("--oper", opers, "IRC operator NAME:HASH, repeatable; HASH from --hash-password")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    bool hash = false;
    app.add_flag("--hash-password", hash,
                 "Read a password from standard input, print its hash for --oper, and exit")
        ->configurable(false);  // a command, not a setting: never from a config file
    app.add_option("--ping-interval", c.ping_interval,
                   "Seconds of silence before an IRC client is pinged; it is disconnected when "
                   "as long again passes without an answer")
        ->capture_default_str()
        ->check(seconds);
    app.add_option("--max-line", c.max_line, "Longest line a client may send, in bytes")
        ->capture_default_str();
    app.add_option("--rate", c.rate, "Lines per second a client may send")
        ->capture_default_str()
        ->check(non_negative);
    app.add_option("--burst", c.burst, "Lines a client may send at once before --rate applies")
        ->capture_default_str()
        ->check(non_negative);
    app.add_option("--strikes", c.strikes,
                   "Refused lines (too long, bad text, over the rate) before a client is "
                   "disconnected; one is forgiven per second")
        ->capture_default_str()
        ->check(non_negative);
    app.add_option("--outbox-bytes", c.outbox_bytes,
                   "Unread bytes queued for a client before it is disconnected as too slow")
        ->capture_default_str();
    app.add_option("--max-clients", c.max_clients, "Connections in all")->capture_default_str();
    app.add_option("--max-per-address", c.max_per_address, "Connections from one IP address")
        ->capture_default_str();
    app.add_option("--idle-timeout", c.idle_timeout,
                   "Seconds without a line from a client before it is disconnected")
        ->capture_default_str()
        ->check(seconds);
    app.add_option("--history", c.history, "Recent messages each room keeps and shows on join")
        ->capture_default_str();
    app.add_option("--announce-limit", c.announce_limit,
                   "Rooms with more members than this do not announce joins, leaves, quits and "
                   "nick changes")
        ->capture_default_str();
    app.add_option("--motd", c.motd_file, "File whose lines greet every client");
    app.add_flag("--timestamps", c.timestamps, "Begin every line sent with the UTC time HH:MM:SS");
    app.add_option("--shutdown-timeout", c.shutdown_timeout,
                   "Seconds to flush clients' outboxes on SIGINT/SIGTERM")
        ->capture_default_str()
        ->check(seconds);
    app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error or off")
        ->capture_default_str()
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    app.footer("Every limit is off when set to 0.");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        out.exit_code = app.exit(e);
        return out;
    } catch (const CLI::CallForVersion& e) {
        out.exit_code = app.exit(e);
        return out;
    } catch (const CLI::ParseError& e) {
        std::cerr << "parley-server: " << e.what() << " (see --help)\n";
        out.exit_code = 2;
        return out;
    }
    if (hash) {
        out.exit_code = print_password_hash();
        return out;
    }
    if (!listen.empty()) {
        c.listen = listeners(listen);
    }
    if (!irc_listen.empty()) {
        c.irc_listen = listeners(irc_listen);
    }
    if (!metrics_listen.empty()) {
        c.metrics_listen = listeners(metrics_listen);
    }
    if (c.listen.empty() && c.irc_listen.empty()) {
        std::cerr << "parley-server: nothing to listen on: give --listen or --irc-listen\n";
        out.exit_code = 2;
        return out;
    }
    if (c.tls_cert.empty() != c.tls_key.empty()) {
        std::cerr << "parley-server: " << (c.tls_cert.empty() ? "--tls-key" : "--tls-cert")
                  << " needs " << (c.tls_cert.empty() ? "--tls-cert" : "--tls-key") << "\n";
        out.exit_code = 2;
        return out;
    }
    if (c.server_name.empty()) {
        c.server_name = host_name();
    }
    std::optional<std::string> problem = check_opers(opers, c);
    if (!problem && !c.motd_file.empty()) {
        auto motd = load_motd(c.motd_file);
        if (auto* lines = std::get_if<std::vector<std::string>>(&motd)) {
            c.motd = std::move(*lines);
        } else {
            problem = std::get<std::string>(motd);
        }
    }
    if (problem) {
        std::cerr << "parley-server: " << *problem << "\n";
        out.exit_code = 2;
    }
    return out;
}

}  // namespace parley
