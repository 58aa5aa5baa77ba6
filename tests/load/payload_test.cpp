#include <catch2/catch.hpp>

#include <string>

#include "load/payload.hpp"

using namespace parley::load;

TEST_CASE("payload round trip at every size") {
    for (std::size_t size :
         {kMinPayloadSize, std::size_t{64}, std::size_t{1000}, kMaxPayloadSize}) {
        std::string s;
        append_payload(s, size, Payload{0xABCDEF, 0x123456789ABCull, 0xFEDCBA9876543210ull});
        REQUIRE(s.size() == size);
        const auto p = decode_payload(s);
        REQUIRE(p);
        CHECK(p->publisher == 0xABCDEF);
        CHECK(p->seq == 0x123456789ABCull);
        CHECK(p->sent_ns == 0xFEDCBA9876543210ull);
    }
}

TEST_CASE("payloads are printable ASCII without spaces") {
    std::string s;
    append_payload(s, 200, Payload{7, 99, now_ns()});
    for (char c : s) {
        REQUIRE(c > ' ');
        REQUIRE(c < 0x7F);
    }
}

TEST_CASE("restamping rewrites sequence and time only") {
    std::string s;
    append_payload(s, 64, Payload{42, 1, 2});
    restamp_payload(s.data(), 77, 88);
    const auto p = decode_payload(s);
    REQUIRE(p);
    CHECK(p->publisher == 42);
    CHECK(p->seq == 77);
    CHECK(p->sent_ns == 88);
    CHECK(s.size() == 64);
}

TEST_CASE("what is not a payload is refused") {
    std::string s;
    append_payload(s, 40, Payload{1, 2, 3});
    CHECK_FALSE(decode_payload(s.substr(0, kPayloadHeader - 1)));
    CHECK_FALSE(decode_payload("hello world, this is a normal chat line"));
    std::string bad = s;
    bad[0] = 'X';
    CHECK_FALSE(decode_payload(bad));
    for (std::size_t i = 1; i < kPayloadHeader; ++i) {
        bad = s;
        bad[i] = 'g';
        CHECK_FALSE(decode_payload(bad));
    }
    CHECK(decode_payload(s));
}

TEST_CASE("the monotonic clock moves forward") {
    const auto a = now_ns();
    const auto b = now_ns();
    REQUIRE(b >= a);
    REQUIRE(a > 0);
}

TEST_CASE("every field decodes at its limits, and any non-hex byte is refused") {
    for (std::uint64_t v :
         {0ull, 1ull, 0x9ull, 0xAull, 0xFull, 0x123456789ABCull, 0xFFFFFFFFFFFFull}) {
        std::string s;
        append_payload(s, 35, Payload{static_cast<std::uint32_t>(v & 0xFFFFFF), v, ~v});
        const auto p = decode_payload(s);
        REQUIRE(p);
        CHECK(p->publisher == (v & 0xFFFFFF));
        CHECK(p->seq == v);
        CHECK(p->sent_ns == ~v);
    }
    std::string s;
    append_payload(s, 35, Payload{1, 2, 3});
    for (std::size_t i = 1; i < kPayloadHeader; ++i) {
        for (int c :
             std::initializer_list<int>{'/', ':', '`', 'g', 'A', 'F', 0x80 | '0', 0xFF, ' '}) {
            std::string bad = s;
            bad[i] = static_cast<char>(c);
            INFO("position " << i << " byte " << c);
            CHECK_FALSE(decode_payload(bad));
        }
    }
}
