#include "server/memory_limit.hpp"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace parley {

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// This process's cgroup directory under /sys/fs/cgroup, from /proc/self/cgroup: the v2 line
// "0::/path", or for v1 the "memory" controller's line "N:memory:/path" (or a list with it).
std::string cgroup_path(bool v2) {
    std::istringstream lines(read_file("/proc/self/cgroup"));
    for (std::string line; std::getline(lines, line);) {
        const auto first = line.find(':');
        const auto second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos) {
            continue;
        }
        const std::string controllers = line.substr(first + 1, second - first - 1);
        const std::string path = line.substr(second + 1);
        if (v2 && controllers.empty()) {
            return path;
        }
        if (!v2 && ("," + controllers + ",").find(",memory,") != std::string::npos) {
            return path;
        }
    }
    return {};
}

std::uint64_t cgroup_limit() {
    std::uint64_t limit = 0;
    const auto tighter = [&limit](std::uint64_t l) {
        if (l != 0 && (limit == 0 || l < limit)) {
            limit = l;
        }
    };
    // The process's own group and, in a container where only the root is mounted, the root.
    for (const std::string& group : {cgroup_path(true), std::string()}) {
        tighter(parse_cgroup_limit(read_file("/sys/fs/cgroup" + group + "/memory.max")));
    }
    for (const std::string& group : {cgroup_path(false), std::string()}) {
        tighter(parse_cgroup_limit(
            read_file("/sys/fs/cgroup/memory" + group + "/memory.limit_in_bytes")));
    }
    return limit;
}

}  // namespace

std::uint64_t parse_cgroup_limit(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return 0;  // "max", empty (no such file), or not a number
    }
    return value;
}

std::uint64_t memory_limit() {
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page_size = ::sysconf(_SC_PAGE_SIZE);
    std::uint64_t physical = pages > 0 && page_size > 0 ? static_cast<std::uint64_t>(pages) *
                                                              static_cast<std::uint64_t>(page_size)
                                                        : 0;
    // v1 says "no limit" as a huge number: any limit past physical memory is none.
    const std::uint64_t group = cgroup_limit();
    if (group != 0 && (physical == 0 || group < physical)) {
        return group;
    }
    return physical;
}

}  // namespace parley
