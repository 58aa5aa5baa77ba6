#pragma once
// A descriptor kept in reserve for when the process runs out (accept failing with EMFILE or
// ENFILE).
//
// Out of descriptors, accept() fails and leaves the connection waiting in the listen queue:
// the client hangs with no answer, and an acceptor that simply tried again would spin. With
// the reserve, the acceptor gives the spare descriptor back, accepts the waiting connections
// one by one and closes each at once (the client sees its connection closed, not a hang), then
// takes the spare again and pauses before the next accept. The sessions already running are
// not touched, and accepting resumes by itself once they free descriptors. (nginx and libuv
// keep a spare descriptor for the same reason.)

namespace parley {

class DescriptorReserve {
  public:
    DescriptorReserve();
    ~DescriptorReserve();
    DescriptorReserve(const DescriptorReserve&) = delete;
    DescriptorReserve& operator=(const DescriptorReserve&) = delete;

    // Accepts and closes every connection waiting on the listening socket `listener`, using
    // the spare descriptor, which is taken again afterwards (if another took it meanwhile, the
    // next call has none and refuses nothing). Never waits. Returns how many were refused.
    unsigned refuse_waiting(int listener) noexcept;

    bool held() const { return fd_ >= 0; }

  private:
    void take() noexcept;
    int fd_ = -1;
};

}  // namespace parley
