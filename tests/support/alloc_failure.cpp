#include "tests/support/alloc_failure.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<std::size_t> g_fail_from{0};  // 0: disarmed
std::atomic<std::size_t> g_failures{0};

void* allocate(std::size_t n) {
    const std::size_t from = g_fail_from.load(std::memory_order_relaxed);
    if (from != 0 && n >= from) {
        g_failures.fetch_add(1, std::memory_order_relaxed);
        throw std::bad_alloc();
    }
    if (void* p = std::malloc(n == 0 ? 1 : n)) {
        return p;
    }
    throw std::bad_alloc();
}

void* allocate_aligned(std::size_t n, std::align_val_t al) {
    const std::size_t from = g_fail_from.load(std::memory_order_relaxed);
    if (from != 0 && n >= from) {
        g_failures.fetch_add(1, std::memory_order_relaxed);
        throw std::bad_alloc();
    }
    const std::size_t a = static_cast<std::size_t>(al);
    if (void* p = std::aligned_alloc(a, (n + a - 1) / a * a)) {
        return p;
    }
    throw std::bad_alloc();
}

}  // namespace

namespace parley::test {

FailAllocations::FailAllocations(std::size_t min_size) {
    g_fail_from.store(min_size == 0 ? 1 : min_size);
}

FailAllocations::~FailAllocations() {
    g_fail_from.store(0);
}

std::size_t FailAllocations::failures() {
    return g_failures.load();
}

}  // namespace parley::test

void* operator new(std::size_t n) {
    return allocate(n);
}
void* operator new[](std::size_t n) {
    return allocate(n);
}
void* operator new(std::size_t n, std::align_val_t al) {
    return allocate_aligned(n, al);
}
void* operator new[](std::size_t n, std::align_val_t al) {
    return allocate_aligned(n, al);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return allocate(n);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return allocate(n);
    } catch (...) {
        return nullptr;
    }
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
