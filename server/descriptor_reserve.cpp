#include "server/descriptor_reserve.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace parley {

DescriptorReserve::DescriptorReserve() {
    take();
}

DescriptorReserve::~DescriptorReserve() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void DescriptorReserve::take() noexcept {
    if (fd_ < 0) {
        fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
}

unsigned DescriptorReserve::refuse_waiting(int listener) noexcept {
    if (fd_ < 0) {
        take();  // a descriptor freed since: keep it for next time
        return 0;
    }
    ::close(fd_);
    fd_ = -1;
    unsigned refused = 0;
    // Only while a connection is waiting: the listening socket may be a blocking one.
    for (;;) {
        pollfd p{listener, POLLIN, 0};
        if (::poll(&p, 1, 0) != 1 || (p.revents & POLLIN) == 0) {
            break;
        }
        const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            break;  // gone meanwhile, or out of descriptors even so
        }
        ::close(fd);
        ++refused;
    }
    take();
    return refused;
}

}  // namespace parley
