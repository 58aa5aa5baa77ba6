#include "load/blaster.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "load/payload.hpp"
#include "load/proc.hpp"

namespace parley::load {

Blaster::Blaster(Protocol p, std::string room, int connections, std::size_t size, int batch,
                 int cpu)
    : protocol_(p),
      room_(std::move(room)),
      connections_(connections),
      size_(size),
      batch_(batch),
      cpu_(cpu) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 4096) != 0) {
        throw std::runtime_error("blaster: cannot listen on loopback");
    }
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
}

Blaster::~Blaster() {
    stop_.store(true);
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
}

void Blaster::run() {
    pin_to_cpu(cpu_);
    // A hello's length may vary (IRC's carries the client's nickname), its last line does not:
    // the whole hello is in once what came ends with that line.
    // A WebSocket hello is an HTTP head: it ends with an empty line.
    std::string hello;
    append_subscribe(protocol_, hello, room_, "guest");
    const std::size_t last_line = hello.rfind('\n', hello.size() - 2);
    const std::string tail = hello.ends_with("\r\n\r\n")      ? "\r\n\r\n"
                             : last_line == std::string::npos ? hello
                                                              : hello.substr(last_line + 1);
    std::vector<int> fds;
    // Accept and greet every subscriber first, as a server would before anything is published.
    while (static_cast<int>(fds.size()) < connections_ && !stop_) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        std::string got;
        char buf[512];
        while (!std::string_view(got).ends_with(tail)) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) {
                break;
            }
            got.append(buf, static_cast<std::size_t>(n));
        }
        std::string reply;
        if (protocol_ == Protocol::websocket) {
            // The 101 carries the accept of the key this client sent.
            reply = WebSocketProtocol::upgrade_answer(got);
        }
        append_subscribed(protocol_, reply, room_, fmt::format("guest{}", fds.size()));
        ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
        fds.push_back(fd);
    }
    // One batch, formatted once; each round only rewrites the sequence and time fields.
    std::string batch;
    std::vector<std::size_t> at;  // where each payload starts in the batch
    {
        const std::string payload(size_, '.');
        std::string one;
        for (int k = 0; k < batch_; ++k) {
            one.clear();
            append_delivery(protocol_, one, room_, "blaster", payload);
            at.push_back(batch.size() + one.find(payload));
            batch += one;
        }
        encode_payload(batch.data() + at[0], size_, Payload{0, 0, 0});
        for (std::size_t k = 1; k < at.size(); ++k) {
            std::memcpy(batch.data() + at[k], batch.data() + at[0], size_);
        }
    }
    std::vector<std::size_t> off(fds.size());
    std::vector<pollfd> waiting;
    std::uint64_t seq = 0;
    while (!stop_) {
        if (!publishing_) {
            // Between steps: nothing to send; check again shortly.
            ::poll(nullptr, 0, 1);
            continue;
        }
        const std::uint64_t now = now_ns();
        for (std::size_t k = 0; k < at.size(); ++k) {
            restamp_payload(batch.data() + at[k], seq + k, now);
        }
        std::fill(off.begin(), off.end(), 0);
        std::size_t done = 0;
        while (done < fds.size() && !stop_) {
            waiting.clear();
            for (std::size_t i = 0; i < fds.size(); ++i) {
                if (off[i] == batch.size()) {
                    continue;
                }
                const ssize_t n = ::send(fds[i], batch.data() + off[i], batch.size() - off[i],
                                         MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n > 0) {
                    off[i] += static_cast<std::size_t>(n);
                } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    off[i] = batch.size();  // the client went away; nothing more to write there
                }
                if (off[i] == batch.size()) {
                    ++done;
                } else {
                    waiting.push_back(pollfd{fds[i], POLLOUT, 0});
                }
            }
            if (!waiting.empty()) {
                ::poll(waiting.data(), waiting.size(), 10);
            }
        }
        seq += static_cast<std::uint64_t>(batch_);
        sent_.store(seq);
    }
    for (int fd : fds) {
        ::close(fd);
    }
}

}  // namespace parley::load
