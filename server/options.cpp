#include "server/options.hpp"

#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "server/keepalive.hpp"
#include "server/memory_limit.hpp"
#include "server/oper_file.hpp"
#include "server/password.hpp"
#include "shared/text.hpp"
#include "shared/websocket/handshake.hpp"

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

// A whole number of bytes, digits only: nothing else (no sign, no fraction, no unit).
std::optional<std::size_t> byte_count(std::string_view text) {
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
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
        auto oper = parse_oper(spec);
        if (auto* why = std::get_if<std::string>(&oper)) {
            // Named by the operator's name alone when there is one: what follows the colon
            // may be the password itself, which must not reach a log.
            const std::size_t colon = spec.find(':');
            return fmt::format("--oper {}: {}",
                               why->starts_with("expected") ? spec : spec.substr(0, colon), *why);
        }
        c.opers.push_back(std::move(std::get<Oper>(oper)));
    }
    if (!c.oper_file.empty()) {
        auto opers = load_oper_file(c.oper_file);
        if (auto* why = std::get_if<std::string>(&opers)) {
            return *why;
        }
        for (Oper& oper : std::get<std::vector<Oper>>(opers)) {
            c.opers.push_back(std::move(oper));
        }
    }
    return std::nullopt;
}

// The settings every option holds, by flag name, for SIGHUP to compare (see Config::settings).
bool is_setting(const CLI::App& app, const CLI::Option* opt) {
    return opt->get_configurable() && opt != app.get_help_ptr() && opt != app.get_config_ptr() &&
           opt->get_single_name() != "version";
}

// --print-config: every setting the config file takes, each with its description as a
// comment and its default commented out, so the file names every flag there is and changes
// nothing until a line is uncommented. Made from the options themselves: it cannot drift.
std::string config_file_text(const CLI::App& app) {
    std::string out = fmt::format(
        "# Parley's configuration: parley-server --config FILE (TOML).\n"
        "# Every setting is a flag of parley-server (see parley-server --help); a flag given\n"
        "# on the command line wins over this file. Uncomment a line to change a default.\n"
        "# SIGHUP (systemctl reload parley) applies most changes at once; the server logs\n"
        "# those that need a restart. Every limit is off when set to 0.\n");
    // The flags that are not settings, named so that the file accounts for every flag.
    std::string commands;
    for (const CLI::Option* opt : app.get_options()) {
        if (!is_setting(app, opt) && opt != app.get_help_ptr() && opt != app.get_config_ptr() &&
            opt->get_single_name() != "version") {
            commands += (commands.empty() ? "" : ", ") + opt->get_name();
        }
    }
    out += fmt::format("# Commands, not settings (command line only): {}.\n", commands);
    for (const CLI::Option* opt : app.get_options()) {
        if (!is_setting(app, opt)) {
            continue;
        }
        std::string value;
        if (opt->get_expected_min() == 0) {
            value = "false";
        } else if (!opt->get_default_str().empty()) {
            value = CLI::detail::convert_arg_for_ini(opt->get_default_str());
        } else {
            value = "\"\"";
        }
        if (opt->get_items_expected_max() > 1 && !value.starts_with('[')) {
            value = value == "\"\"" ? "[]" : "[" + value + "]";
        }
        out += '\n';
        // The description as comment lines of at most 79 columns.
        std::string line = "#";
        std::istringstream words(opt->get_description());
        for (std::string word; words >> word;) {
            if (line.size() > 1 && line.size() + 1 + word.size() > 79) {
                out += line + '\n';
                line = "#";
            }
            line += ' ' + word;
        }
        out += fmt::format("{}\n#{} = {}\n", line, opt->get_single_name(), value);
    }
    return out;
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

std::string from_env(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : std::string();
}

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
        return "parley.local";
    }
    return name;
}
}  // namespace

std::string default_data_dir() {
    if (std::string dir = from_env("STATE_DIRECTORY"); !dir.empty()) {
        return dir.substr(0, dir.find(':'));  // systemd lists several directories with ':'
    }
    if (std::string dir = from_env("XDG_STATE_HOME"); !dir.empty()) {
        return dir + "/parley";
    }
    if (std::string home = from_env("HOME"); !home.empty()) {
        return home + "/.local/state/parley";
    }
    return {};
}

namespace {

// What parse_options and reparse_options share. `reloading`: the command line has been
// accepted once already; the MOTD is left for the caller to read.
ParsedOptions parse(std::vector<std::string> args, bool reloading) {
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

    std::vector<std::string> listen, irc_listen, metrics_listen, http_listen, opers;
    app.add_option("-l,--listen", listen,
                   "Where plain (nc, telnet) clients connect: HOST:PORT, tls://HOST:PORT or none; "
                   "repeatable; IPv6 as [::1]:7777")
        ->default_str("127.0.0.1:7777");
    app.add_option("--irc-listen", irc_listen,
                   "Where IRC clients connect: HOST:PORT, tls://HOST:PORT or none; repeatable")
        ->default_str("127.0.0.1:6667");
    app.add_option("--http-listen", http_listen,
                   "Where browsers open the web client (/) and its WebSocket (/ws): HOST:PORT or "
                   "none; repeatable")
        ->default_str("127.0.0.1:8080");
    app.add_option("--http-origin", c.http_origin,
                   "Pages that may open /ws: same (the page the server serves), * (any), or "
                   "origins, comma-separated (https://chat.example.com,same)")
        ->capture_default_str()
        ->check([](const std::string& text) {
            ws::OriginPolicy policy;
            std::string error;
            return ws::parse_origin_policy(text, policy, error) ? std::string() : error;
        });
    app.add_option("--metrics-listen", metrics_listen,
                   "Where Prometheus scrapes /metrics over HTTP: HOST:PORT or none; repeatable "
                   "(e.g. 127.0.0.1:9777)")
        ->default_str("none");
    app.add_option("--tls-cert", c.tls_cert, "PEM certificate (chain) for tls:// listeners");
    app.add_option("--tls-key", c.tls_key, "PEM private key for tls:// listeners");
    app.add_option("--server-name", c.server_name, "The server's name on IRC (default: host name)");
    app.add_option("--network", c.network, "The network name IRC clients are told")
        ->capture_default_str();
    app.add_option("--oper", opers, "IRC operator NAME:HASH, repeatable; HASH from --hash-password")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--oper-file", c.oper_file,
                   "File of IRC operators, one NAME:HASH a line (# comments); others may not "
                   "read it");
    bool hash = false;
    app.add_flag("--hash-password", hash,
                 "Read a password from standard input, print its hash for --oper, and exit")
        ->configurable(false);  // a command, not a setting: never from a config file
    bool print_config = false;
    app.add_flag("--print-config", print_config,
                 "Print a config file with every setting commented out at its default, and exit")
        ->configurable(false);
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
    // "auto" rather than a figure: the default depends on the machine the server starts on,
    // not the one --print-config writes the packaged parley.toml on. (0 already means off.)
    std::string outbox_total = "auto";
    app.add_option("--outbox-total", outbox_total,
                   "Memory all clients' outboxes may hold together, in bytes, or auto: a quarter "
                   "of physical memory or of the cgroup's memory limit, whichever is smaller; "
                   "past it the clients furthest behind are disconnected as too slow")
        ->capture_default_str()
        ->check(CLI::Validator(
            [](std::string& text) {
                return text == "auto" || byte_count(text) ? std::string()
                                                          : fmt::format(
                                                                "{} is not a number of "
                                                                "bytes or auto",
                                                                text);
            },
            "BYTES|auto"));
    app.add_option("--max-clients", c.max_clients, "Connections in all")->capture_default_str();
    app.add_option("--max-per-address", c.max_per_address,
                   "Connections from one IP address (IPv6: from one --ipv6-prefix network)")
        ->capture_default_str();
    app.add_option("--ipv6-prefix", c.ipv6_prefix,
                   "Bits of an IPv6 address --max-per-address counts by: 64 counts a /64 (one "
                   "subscriber's usual share) as one address, 128 every address apart")
        ->capture_default_str()
        ->check(CLI::Range(1u, 128u));
    std::string keepalive = c.keepalive.to_string();
    app.add_option("--keepalive", keepalive,
                   "IDLE,INTERVAL,COUNT: a silent client is probed after IDLE seconds, then every "
                   "INTERVAL seconds, and dropped after COUNT unanswered probes; sent data left "
                   "unacknowledged as long (IDLE+INTERVAL*COUNT s) drops it too")
        ->capture_default_str()
        ->check([](const std::string& text) {
            std::string error;
            return parse_keepalive(text, error) ? std::string() : error;
        });
    app.add_option("--idle-timeout", c.idle_timeout,
                   "Seconds without a line from a client before it is disconnected")
        ->capture_default_str()
        ->check(seconds);
    app.add_option("--max-rooms", c.max_rooms,
                   "Rooms at once, #lobby included; joining a new room past it is refused")
        ->capture_default_str();
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
    std::string data_dir = default_data_dir();
    // No default shown: it depends on the environment the server starts in, not on the one
    // --help or --print-config (which writes the packaged parley.toml) runs in.
    app.add_option("--data-dir", data_dir,
                   "Directory of the history database (room messages and topics): by default "
                   "$STATE_DIRECTORY under systemd, else $XDG_STATE_HOME/parley or "
                   "~/.local/state/parley; none keeps them in memory only");
    app.add_option("--retain-messages", c.retain_messages, "Stored messages kept per room (0: all)")
        ->capture_default_str();
    app.add_option("--retain-days", c.retain_days, "Days stored messages are kept (0: forever)")
        ->capture_default_str()
        ->check(number_from_zero(36500, "a number of days from 0 to 36500", "0..36500"));
    app.add_flag("--reset-corrupt-data", c.reset_corrupt_data,
                 "If the history database is damaged, move it aside and begin a new one");
    app.add_option("--backup", out.backup_to,
                   "Copy the history database of --data-dir into FILE (while a server may be "
                   "running on it) and exit")
        ->configurable(false);
    app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error or off")
        ->capture_default_str()
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    app.footer("Every limit is off when set to 0.");

    const std::vector<std::string> given = args;
    try {
        std::reverse(args.begin(), args.end());  // CLI11 takes them last first
        app.parse(args);
    } catch (const CLI::CallForHelp& e) {
        out.exit_code = app.exit(e);
        return out;
    } catch (const CLI::CallForVersion& e) {
        out.exit_code = app.exit(e);
        return out;
    } catch (const CLI::ParseError& e) {
        out.error = fmt::format("{} (see --help)", e.what());
        out.exit_code = 2;
        return out;
    }
    if (print_config) {
        std::cout << config_file_text(app);
        out.exit_code = 0;
        return out;
    }
    if (hash) {
        out.exit_code = print_password_hash();
        return out;
    }
    if (data_dir.empty()) {
        data_dir = default_data_dir();  // data-dir = "" in a config file: the default
    }
    c.data_dir = data_dir == "none" ? std::string() : data_dir;
    if (data_dir.empty()) {
        out.error =
            "no --data-dir given and neither STATE_DIRECTORY, XDG_STATE_HOME nor HOME is set "
            "(--data-dir none keeps history in memory)";
        out.exit_code = 2;
        return out;
    }
    if (!out.backup_to.empty()) {
        if (c.data_dir.empty()) {
            out.error = "--backup needs a --data-dir";
            out.exit_code = 2;
        }
        return out;
    }
    {
        std::string
            error;  // the check above refused bad text; anything it let by keeps the default
        if (auto k = parse_keepalive(keepalive, error)) {
            c.keepalive = *k;
        }
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
    if (!http_listen.empty()) {
        c.http_listen = listeners(http_listen);
    }
    if (c.listen.empty() && c.irc_listen.empty() && c.http_listen.empty()) {
        out.error = "nothing to listen on: give --listen, --irc-listen or --http-listen";
        out.exit_code = 2;
        return out;
    }
    if (c.tls_cert.empty() != c.tls_key.empty()) {
        out.error = fmt::format("{} needs {}", c.tls_cert.empty() ? "--tls-key" : "--tls-cert",
                                c.tls_cert.empty() ? "--tls-cert" : "--tls-key");
        out.exit_code = 2;
        return out;
    }
    if (c.server_name.empty()) {
        c.server_name = host_name();
    }
    std::optional<std::string> problem = check_opers(opers, c);
    if (!problem && !reloading && !c.motd_file.empty()) {
        auto motd = load_motd(c.motd_file);
        if (auto* lines = std::get_if<std::vector<std::string>>(&motd)) {
            c.motd = std::move(*lines);
        } else {
            problem = std::get<std::string>(motd);
        }
    }
    if (problem) {
        out.error = *problem;
        out.exit_code = 2;
        return out;
    }
    c.outbox_total = outbox_total == "auto" ? memory_limit() / 4 : *byte_count(outbox_total);
    c.command_line = given;
    for (const CLI::Option* opt : app.get_options()) {
        if (is_setting(app, opt)) {
            c.settings[opt->get_single_name()] = CLI::detail::ini_join(opt->results());
        }
    }
    return out;
}

}  // namespace

ParsedOptions parse_options(int argc, const char* const* argv) {
    ParsedOptions out =
        parse(std::vector<std::string>(argv + std::min(argc, 1), argv + argc), false);
    if (!out.error.empty()) {
        std::cerr << "parley-server: " << out.error << "\n";
    }
    return out;
}

ParsedOptions reparse_options(const std::vector<std::string>& command_line) {
    return parse(command_line, true);
}

}  // namespace parley
