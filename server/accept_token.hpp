#pragma once
// The completion token acceptors accept with: the accept operation is allocated with plain new
// and delete, outside Asio's per-thread recycling cache. A new session runs up to its first wait
// inside co_spawn, before the acceptor accepts again; had the accept operation's block just
// been recycled, that first wait (the reader's, which lasts as long as the connection is idle)
// would take it, twice its own size, for the connection's whole life: 85 bytes per idle
// connection, measured on the chat listeners; and as much for every browser, whose connection
// is accepted by the HTTP listener (heaptrack: 168 bytes per idle browser from the accept).
// (Asio substitutes its recycling allocator for std::allocator, hence an allocator type of
// our own.)

#include <asio/bind_allocator.hpp>
#include <memory>

#include "server/task.hpp"

namespace parley {

template <class T>
struct PlainAllocator {
    using value_type = T;
    PlainAllocator() = default;
    template <class U>
    PlainAllocator(const PlainAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>().deallocate(p, n); }
    bool operator==(const PlainAllocator&) const noexcept { return true; }
};

inline auto accept_token() {
    return asio::bind_allocator(PlainAllocator<void>(), use_task);
}

}  // namespace parley
