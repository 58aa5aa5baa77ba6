#pragma once
// CPU and memory of a process from /proc, and of this process from getrusage.

#include <cstdint>

namespace parley::load {

struct ProcSample {
    bool ok = false;
    double cpu_s = 0;    // user + system seconds so far
    double rss_kib = 0;  // VmRSS
    double hwm_kib = 0;  // VmHWM: the peak RSS
};

ProcSample sample_process(int pid);

// Jiffies one CPU spent, from /proc/stat: busy counts everything but idle and iowait (so
// softirq time, where loopback TCP does much of its work, is included).
struct CoreSample {
    bool ok = false;
    double busy = 0;
    double total = 0;
};
CoreSample sample_core(int cpu);
// Busy percentage between two samples; -1 when unknown.
double core_busy_percent(const CoreSample& a, const CoreSample& b);

// User + system seconds of the calling thread (the engine is one thread; the self-test blaster is
// another).
double self_cpu_seconds();

// Raises RLIMIT_NOFILE to its hard limit; returns the new soft limit.
std::uint64_t raise_fd_limit();

// Pins the calling thread to one CPU; false if that failed (e.g. no such CPU).
bool pin_to_cpu(int cpu);

}  // namespace parley::load
