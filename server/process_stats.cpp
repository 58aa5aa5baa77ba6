#include "server/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>

namespace parley {

namespace {

// The system's boot time in seconds since the epoch (/proc/stat's btime).
std::optional<double> boot_time() {
    std::ifstream in("/proc/stat");
    std::string key;
    while (in >> key) {
        if (key == "btime") {
            double t = 0;
            if (in >> t) {
                return t;
            }
            return std::nullopt;
        }
        in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    return std::nullopt;
}

}  // namespace

std::optional<ProcessStats> read_process_stats() {
    std::ifstream in("/proc/self/stat");
    const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The command name, in parentheses, may hold spaces and parentheses: fields are counted
    // from the last ')'. Field 3 (state) follows it; utime is 14, stime 15, starttime 22,
    // vsize 23, rss 24 (proc(5)).
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(stat.substr(close + 1));
    std::string field;
    ProcessStats s;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
    double utime = 0, stime = 0, start = 0;
    for (int n = 3; fields >> field && n <= 24; ++n) {
        switch (n) {
            case 14:
                utime = std::stod(field);
                break;
            case 15:
                stime = std::stod(field);
                break;
            case 22:
                start = std::stod(field);
                break;
            case 23:
                s.virtual_bytes = std::stoull(field);
                break;
            case 24:
                s.resident_bytes = std::stoull(field) * page;
                break;
            default:
                break;
        }
    }
    s.cpu_seconds = (utime + stime) / ticks;
    s.start_time_seconds = boot_time().value_or(0) + start / ticks;

    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        ++s.open_fds;
    }
    if (s.open_fds > 0) {
        --s.open_fds;  // the directory being read
    }
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        s.max_fds = limit.rlim_cur;
    }
    return s;
}

}  // namespace parley
