#pragma once
// What the kernel says about this process, from /proc/self: CPU time, memory, descriptors
// and the start time, for /metrics (Prometheus' standard process_* metrics).

#include <cstdint>
#include <optional>

namespace parley {

struct ProcessStats {
    double cpu_seconds = 0;            // user and system time
    std::uint64_t resident_bytes = 0;  // RSS
    std::uint64_t virtual_bytes = 0;
    std::uint64_t open_fds = 0;
    std::uint64_t max_fds = 0;      // the soft RLIMIT_NOFILE
    double start_time_seconds = 0;  // since the Unix epoch
};

// Empty if /proc/self/stat cannot be read (not Linux, or no /proc).
std::optional<ProcessStats> read_process_stats();

}  // namespace parley
