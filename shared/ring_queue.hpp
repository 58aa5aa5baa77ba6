#pragma once
// A FIFO queue in one ring buffer that allocates nothing until the first push.
//
// It backs each session's outbox in place of std::deque, which allocates a 512-byte
// block and its map as soon as it is constructed: at ten thousand idle connections that alone
// was several megabytes. The ring grows by doubling and keeps its storage while in use, so a
// busy writer that drains it every wake-up does not allocate again; storage is released when
// the queue empties and has grown past `keep_capacity`, so a burst does not pin memory on a
// connection that goes quiet.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

namespace parley {

template <class T>
class RingQueue {
  public:
    static constexpr std::size_t first_capacity = 8;
    static constexpr std::size_t keep_capacity = 256;

    RingQueue() = default;
    RingQueue(const RingQueue&) = delete;
    RingQueue& operator=(const RingQueue&) = delete;
    RingQueue(RingQueue&& other) noexcept { steal(other); }
    RingQueue& operator=(RingQueue&& other) noexcept {
        if (this != &other) {
            release();
            steal(other);
        }
        return *this;
    }
    ~RingQueue() { release(); }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::size_t capacity() const { return capacity_; }

    void push_back(T&& v) { emplace_back(std::move(v)); }
    void push_back(const T& v) { emplace_back(v); }

    template <class... Args>
    void emplace_back(Args&&... args) {
        if (size_ == capacity_) {
            grow();
        }
        ::new (static_cast<void*>(slot(size_))) T(std::forward<Args>(args)...);
        ++size_;
    }

    T& front() { return *slot(0); }
    const T& front() const { return *slot(0); }

    void pop_front() {
        std::destroy_at(slot(0));
        head_ = (head_ + 1) & (capacity_ - 1u);
        if (--size_ == 0) {
            head_ = 0;
            if (capacity_ > keep_capacity) {
                release();
            }
        }
    }

    void clear() { release(); }

  private:
    T* slot(std::size_t i) const { return data_ + ((head_ + i) & (capacity_ - 1u)); }

    void grow() {
        const std::uint32_t cap = capacity_ == 0 ? first_capacity : capacity_ * 2;
        T* fresh = std::allocator<T>().allocate(cap);
        for (std::size_t i = 0; i < size_; ++i) {
            T* from = slot(i);
            ::new (static_cast<void*>(fresh + i)) T(std::move(*from));
            std::destroy_at(from);
        }
        if (data_ != nullptr) {
            std::allocator<T>().deallocate(data_, capacity_);
        }
        data_ = fresh;
        capacity_ = cap;
        head_ = 0;
    }

    void release() {
        for (std::size_t i = 0; i < size_; ++i) {
            std::destroy_at(slot(i));
        }
        if (data_ != nullptr) {
            std::allocator<T>().deallocate(data_, capacity_);
        }
        data_ = nullptr;
        capacity_ = size_ = head_ = 0;
    }

    void steal(RingQueue& other) {
        data_ = std::exchange(other.data_, nullptr);
        capacity_ = std::exchange(other.capacity_, 0);
        size_ = std::exchange(other.size_, 0);
        head_ = std::exchange(other.head_, 0);
    }

    // 32-bit counts keep the queue at 24 bytes: it sits in every connection's outbox, and no
    // outbox holds billions of messages (its byte limit stops it long before).
    T* data_ = nullptr;
    std::uint32_t capacity_ = 0;  // 0 or a power of two
    std::uint32_t size_ = 0;
    std::uint32_t head_ = 0;
};

}  // namespace parley
