#include "server/options.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <limits>
#include <utility>

#include "shared/text.hpp"

namespace parley {

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

std::optional<std::string> load_motd(Config& c) {
    if (c.motd_file.empty()) {
        return std::nullopt;
    }
    std::ifstream in(c.motd_file);
    if (!in) {
        return fmt::format("--motd {}: cannot read the file", c.motd_file);
    }
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        // The MOTD reaches every terminal: it follows the same text rules as chat lines.
        if (check_text(line) != TextProblem::none) {
            return fmt::format("--motd {}: line {} is not clean UTF-8 text", c.motd_file,
                               c.motd.size() + 1);
        }
        c.motd.push_back(line);
    }
    return std::nullopt;
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

    std::vector<std::string> listen;
    app.add_option("-l,--listen", listen,
                   "Address to listen on, HOST:PORT, repeatable; IPv6 as [::1]:7777 "
                   "(default 127.0.0.1:7777)");
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
    if (!listen.empty()) {
        c.listen = listen;
    }
    if (auto problem = load_motd(c)) {
        std::cerr << "parley-server: " << *problem << "\n";
        out.exit_code = 2;
    }
    return out;
}

}  // namespace parley
