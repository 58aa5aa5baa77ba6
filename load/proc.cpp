#include "load/proc.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace parley::load {

ProcSample sample_process(int pid) {
    ProcSample s;
    if (pid <= 0) {
        return s;
    }
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) {
        return s;
    }
    // The command name (field 2) may hold spaces; fields after the last ')' are fixed.
    const auto close = line.rfind(')');
    if (close == std::string::npos) {
        return s;
    }
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    // After ')' come field 3 (state) onwards; utime and stime are fields 14 and 15.
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) {
            utime = std::stod(field);
        } else if (i == 15) {
            stime = std::stod(field);
        }
    }
    const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
    s.cpu_s = (utime + stime) / hz;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    while (std::getline(status, line)) {
        if (line.starts_with("VmRSS:")) {
            s.rss_kib = std::stod(line.substr(6));
        } else if (line.starts_with("VmHWM:")) {
            s.hwm_kib = std::stod(line.substr(6));
        }
    }
    s.ok = true;
    return s;
}

CoreSample sample_core(int cpu) {
    CoreSample s;
    if (cpu < 0) {
        return s;
    }
    std::ifstream stat("/proc/stat");
    const std::string want = "cpu" + std::to_string(cpu) + " ";
    std::string line;
    while (std::getline(stat, line)) {
        if (!line.starts_with(want)) {
            continue;
        }
        std::istringstream in(line.substr(want.size()));
        double v = 0;
        for (int i = 0; i < 8 && in >> v; ++i) {
            s.total += v;
            if (i != 3 && i != 4) {  // idle, iowait
                s.busy += v;
            }
        }
        s.ok = true;
        break;
    }
    return s;
}

double core_busy_percent(const CoreSample& a, const CoreSample& b) {
    if (!a.ok || !b.ok || b.total <= a.total) {
        return -1;
    }
    return 100.0 * (b.busy - a.busy) / (b.total - a.total);
}

double self_cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_THREAD, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::uint64_t raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return 1024;
    }
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur;
}

bool pin_to_cpu(int cpu) {
    if (cpu < 0) {
        return false;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) == 0;
}

}  // namespace parley::load
