#pragma once
// The CPU the server and the client used over one measured window, and how busy their cores
// were: the figures that tell which side ran out of CPU first.

#include "load/proc.hpp"
#include "load/report.hpp"

namespace parley::load {

class CpuWindow {
  public:
    // server_pid 0: a remote server, unknown; a core of -1: not pinned, unknown.
    CpuWindow(int server_pid, int server_core, int client_core)
        : pid_(server_pid), server_core_(server_core), client_core_(client_core) {}

    void start();
    void stop();
    // Fills the CPU, core and RSS figures of a step `seconds` long, and its bottleneck.
    void fill(StepResult& s, double seconds) const;

  private:
    int pid_, server_core_, client_core_;
    ProcSample srv0_, srv1_;
    double cli0_ = 0, cli1_ = 0;
    CoreSample sc0_, cc0_, sc1_, cc1_;
};

}  // namespace parley::load
