#pragma once
// Injected allocation failures for tests: while armed, every operator new of at least
// `min_size` bytes, on any thread, throws std::bad_alloc. Linking alloc_failure.cpp into a test
// executable replaces the global operator new and delete for that executable only.
//
// Tests aim it by size: a server's ordinary allocations are small (hundreds of bytes), so a
// threshold of tens of kilobytes hits only the one big allocation the test provokes (a huge
// MOTD line, a huge topic), wherever in the server it happens.

#include <cstddef>

namespace parley::test {

class FailAllocations {
  public:
    explicit FailAllocations(std::size_t min_size);
    ~FailAllocations();
    FailAllocations(const FailAllocations&) = delete;
    FailAllocations& operator=(const FailAllocations&) = delete;

    // How many allocations failed while armed.
    static std::size_t failures();
};

}  // namespace parley::test
