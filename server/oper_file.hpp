#pragma once
// IRC operators as the server is given them: `--oper NAME:HASH` on the command line or in the
// config file, and `--oper-file FILE` with one NAME:HASH a line (systemd hands it over as a
// credential). Only hashes are accepted: a plain-text password would show in `ps` and in
// whatever file holds it.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/config.hpp"

namespace parley {

// One NAME:HASH, or why it is not one (without the flag's name: the caller says where it
// came from).
std::variant<Oper, std::string> parse_oper(std::string_view spec);

// The operators in the text of an oper file: a NAME:HASH per line; blank lines and lines
// starting with '#' (after spaces) are skipped, CRLF line ends allowed. Pure, so it can be
// fuzzed. The error names the line.
std::variant<std::vector<Oper>, std::string> parse_oper_lines(std::string_view text);

// Reads and parses `file`. Refused when others (not the owner or its group) may read or write
// it: the hashes can be attacked offline, and whoever can write the file can make themselves an
// operator. The error is one line starting with "--oper-file FILE: ".
std::variant<std::vector<Oper>, std::string> load_oper_file(const std::string& file);

}  // namespace parley
