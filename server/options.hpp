#pragma once
// Command-line flags and the optional config file (CLI11), into a Config.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "server/config.hpp"

namespace parley {

struct ParsedOptions {
    Config config;
    std::optional<int> exit_code;  // set when the program should exit now (--help, bad flag)
    std::string error;             // why, in one line, when exit_code is not 0
    std::string backup_to;         // --backup FILE: back the data directory's database up
};

// Where history is kept unless --data-dir says otherwise: $STATE_DIRECTORY (systemd's
// StateDirectory=, /var/lib/parley), else $XDG_STATE_HOME/parley, else
// ~/.local/state/parley; empty when none of them is set.
std::string default_data_dir();

// The lines of a MOTD file, or why it cannot be used (one line). Read at start and on SIGHUP.
std::variant<std::vector<std::string>, std::string> load_motd(const std::string& file);

// Parses argv. --help and --version print to stdout and set exit_code 0; a bad flag or
// unreadable file prints one line to stderr and sets a non-zero exit_code.
ParsedOptions parse_options(int argc, const char* const* argv);

// SIGHUP: parses Config::command_line again, with the config file as it is now, printing
// nothing: a problem is in `error`. The MOTD file is not read (the caller reads it, and keeps
// the old one if it cannot).
ParsedOptions reparse_options(const std::vector<std::string>& command_line);

}  // namespace parley
