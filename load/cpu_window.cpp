#include "load/cpu_window.hpp"

#include "load/verdict.hpp"

namespace parley::load {

void CpuWindow::start() {
    srv0_ = sample_process(pid_);
    cli0_ = self_cpu_seconds();
    sc0_ = sample_core(server_core_);
    cc0_ = sample_core(client_core_);
}

void CpuWindow::stop() {
    sc1_ = sample_core(server_core_);
    cc1_ = sample_core(client_core_);
    srv1_ = sample_process(pid_);
    cli1_ = self_cpu_seconds();
}

void CpuWindow::fill(StepResult& s, double seconds) const {
    s.client_cpu = 100.0 * (cli1_ - cli0_) / seconds;
    if (srv0_.ok && srv1_.ok) {
        s.server_cpu = 100.0 * (srv1_.cpu_s - srv0_.cpu_s) / seconds;
        s.server_rss_kib = srv1_.rss_kib;
    }
    s.server_core_busy = core_busy_percent(sc0_, sc1_);
    s.client_core_busy = core_busy_percent(cc0_, cc1_);
    s.bottleneck =
        bottleneck_of(s.server_cpu, s.client_cpu, s.server_core_busy, s.client_core_busy);
}

}  // namespace parley::load
