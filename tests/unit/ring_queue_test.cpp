#include "shared/ring_queue.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

using parley::RingQueue;

TEST_CASE("ring queue: allocates nothing until the first push", "[ring_queue]") {
    RingQueue<std::string> q;
    CHECK(q.capacity() == 0);
    CHECK(q.empty());
}

TEST_CASE("ring queue: first in, first out across wrap-around and growth", "[ring_queue]") {
    RingQueue<std::string> q;
    int next_in = 0, next_out = 0;
    // Interleave pushes and pops so the head walks around the ring while it grows.
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 7; ++i) {
            q.push_back(std::to_string(next_in++));
        }
        for (int i = 0; i < 5; ++i) {
            REQUIRE(q.front() == std::to_string(next_out++));
            q.pop_front();
        }
    }
    CHECK(q.size() == static_cast<std::size_t>(next_in - next_out));
    while (!q.empty()) {
        REQUIRE(q.front() == std::to_string(next_out++));
        q.pop_front();
    }
    CHECK(next_out == next_in);
}

TEST_CASE("ring queue: keeps small storage when drained, releases large", "[ring_queue]") {
    RingQueue<int> q;
    for (int i = 0; i < 10; ++i) {
        q.push_back(i);
    }
    const std::size_t small = q.capacity();
    CHECK(small >= 10);
    while (!q.empty()) {
        q.pop_front();
    }
    CHECK(q.capacity() == small);  // a busy writer draining every wake-up keeps its ring

    for (std::size_t i = 0; i <= RingQueue<int>::keep_capacity; ++i) {
        q.push_back(static_cast<int>(i));
    }
    CHECK(q.capacity() > RingQueue<int>::keep_capacity);
    while (!q.empty()) {
        q.pop_front();
    }
    CHECK(q.capacity() == 0);  // a burst does not pin memory on a quiet connection
}

TEST_CASE("ring queue: destroys what it holds exactly once", "[ring_queue]") {
    auto token = std::make_shared<int>(1);
    {
        RingQueue<std::shared_ptr<int>> q;
        for (int i = 0; i < 100; ++i) {
            q.push_back(token);
        }
        CHECK(token.use_count() == 101);
        for (int i = 0; i < 40; ++i) {
            q.pop_front();
        }
        CHECK(token.use_count() == 61);
        RingQueue<std::shared_ptr<int>> moved(std::move(q));
        CHECK(moved.size() == 60);
        CHECK(q.size() == 0);
        q = std::move(moved);
        CHECK(q.size() == 60);
        CHECK(token.use_count() == 61);
        q.clear();
        CHECK(token.use_count() == 1);
        q.push_back(token);
    }
    CHECK(token.use_count() == 1);
}
