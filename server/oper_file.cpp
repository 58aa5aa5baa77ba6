#include "server/oper_file.hpp"

#include <sys/stat.h>

#include <fmt/format.h>
#include <fstream>

#include "server/password.hpp"

namespace parley {

std::variant<Oper, std::string> parse_oper(std::string_view spec) {
    const std::size_t colon = spec.find(':');
    // A name with a blank could never be given to OPER.
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == spec.size() ||
        spec.substr(0, colon).find_first_of(" \t") != std::string_view::npos) {
        return std::string("expected NAME:HASH");
    }
    Oper oper{std::string(spec.substr(0, colon)), std::string(spec.substr(colon + 1))};
    if (!looks_hashed(oper.hash)) {
        return std::string(
            "the password must be a hash from parley-server --hash-password, not the password "
            "itself");
    }
    return oper;
}

std::variant<std::vector<Oper>, std::string> parse_oper_lines(std::string_view text) {
    std::vector<Oper> opers;
    std::size_t number = 0;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++number;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        const std::size_t first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos || line[first] == '#') {
            continue;
        }
        line.remove_prefix(first);
        line.remove_suffix(line.size() - (line.find_last_not_of(" \t") + 1));
        auto oper = parse_oper(line);
        if (auto* why = std::get_if<std::string>(&oper)) {
            return fmt::format("line {}: {}", number, *why);
        }
        opers.push_back(std::move(std::get<Oper>(oper)));
    }
    return opers;
}

std::variant<std::vector<Oper>, std::string> load_oper_file(const std::string& file) {
    // Looked at before it is opened: opening a FIFO would wait for a writer.
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        return fmt::format("--oper-file {}: cannot read the file", file);
    }
    if (!S_ISREG(st.st_mode)) {
        return fmt::format("--oper-file {}: not a regular file", file);
    }
    if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
        return fmt::format(
            "--oper-file {}: others may read or write it; chmod o-rw it (600 or 640)", file);
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return fmt::format("--oper-file {}: cannot read the file", file);
    }
    // Read with a bound: an operator list is a few lines.
    constexpr std::size_t max_bytes = 64 * 1024;
    std::string text(max_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) {
        return fmt::format("--oper-file {}: longer than {} KiB", file, max_bytes / 1024);
    }
    auto opers = parse_oper_lines(text);
    if (auto* why = std::get_if<std::string>(&opers)) {
        return fmt::format("--oper-file {}: {}", file, *why);
    }
    return opers;
}

}  // namespace parley
