#pragma once
// A stand-in server for the self-test: it accepts the load client's subscribers, answers their
// hello like the real server would, and then writes pre-formatted batches of deliveries to all
// of them as fast as the kernel takes them, the way a batching server (Redis) fans out. The
// load client's receive-and-check rate against it is the client's own ceiling.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "load/protocol.hpp"

namespace parley::load {

class Blaster {
  public:
    Blaster(Protocol p, std::string room, int connections, std::size_t size, int batch, int cpu);
    ~Blaster();
    Blaster(const Blaster&) = delete;
    Blaster& operator=(const Blaster&) = delete;

    std::uint16_t port() const { return port_; }
    std::uint64_t sent() const { return sent_.load(); }
    void set_publishing(bool on) { publishing_.store(on); }
    std::string error() const { return error_; }

  private:
    void run();

    Protocol protocol_;
    std::string room_;
    int connections_;
    std::size_t size_;
    int batch_;
    int cpu_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<bool> publishing_{false};
    std::atomic<bool> stop_{false};
    std::string error_;
    std::thread thread_;
};

}  // namespace parley::load
