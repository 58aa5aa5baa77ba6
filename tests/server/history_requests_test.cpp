// select_recent (server/history_requests.hpp): a history query answered from a room's recent
// messages in memory (--data-dir none) reads its bounds as the store does (store_test.cpp has
// the same cases against the database).

#include <catch2/catch.hpp>
#include <chrono>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "server/history_requests.hpp"

using namespace parley;
using store::Query;
using store::Ref;

namespace {

// Ten messages with ids 2, 4, ..., 20 at 1000, 2000, ..., 10000 ms, texts "1" to "10".
std::deque<EventPtr> ten() {
    std::deque<EventPtr> h;
    for (int i = 1; i <= 10; ++i) {
        auto e = std::make_shared<Event>();
        e->id = static_cast<std::uint64_t>(2 * i);
        e->time = std::chrono::system_clock::time_point(std::chrono::milliseconds(i * 1000));
        e->text = std::to_string(i);
        h.push_back(std::move(e));
    }
    return h;
}

std::vector<std::string> texts(const std::vector<EventPtr>& page) {
    std::vector<std::string> out;
    for (const EventPtr& e : page) {
        out.push_back(e->text);
    }
    return out;
}

}  // namespace

TEST_CASE("recent messages answer a query as the store does", "[history]") {
    const std::deque<EventPtr> h = ten();
    const auto ask = [&](const Query& q) { return texts(select_recent(h, q)); };
    using V = std::vector<std::string>;
    Query q;
    q.limit = 3;
    CHECK(ask(q) == V{"8", "9", "10"});
    q.after = Ref::message(14);
    q.limit = 10;
    CHECK(ask(q) == V{"8", "9", "10"});
    q.limit = 2;
    q.oldest = true;
    CHECK(ask(q) == V{"8", "9"});
    q.after = Ref::at(6500);
    CHECK(ask(q) == V{"7", "8"});
    q.after = Ref::at(7000);
    CHECK(ask(q) == V{"8", "9"});
    q = Query{};
    q.limit = 2;
    q.before = Ref::at(7000);
    CHECK(ask(q) == V{"5", "6"});
    q.before = Ref::message(15);
    CHECK(ask(q) == V{"6", "7"});
    q.before = Ref::at(500);
    CHECK(ask(q).empty());
    q = Query{};
    q.after = Ref::message(2);
    q.before = Ref::at(10000);
    q.limit = 3;
    q.oldest = true;
    CHECK(ask(q) == V{"2", "3", "4"});
    q.oldest = false;
    CHECK(ask(q) == V{"7", "8", "9"});
    q = Query{};
    q.around = Ref::message(14);
    q.limit = 1;
    CHECK(ask(q) == V{"7"});
    q.limit = 3;
    CHECK(ask(q) == V{"6", "7", "8"});
    q.around = Ref::at(6999);
    CHECK(ask(q) == V{"6", "7", "8"});
    q.around = Ref::at(6000);
    CHECK(ask(q) == V{"5", "6", "7"});
    q.around = Ref::message(2);
    q.limit = 4;
    CHECK(ask(q) == V{"1", "2", "3", "4"});
    q = Query{};
    q.limit = 5;
    q.after = Ref::at(std::numeric_limits<std::int64_t>::max());
    CHECK(ask(q).empty());
    q.after = Ref::message(std::numeric_limits<std::uint64_t>::max());
    CHECK(ask(q).empty());
    q.after = Ref::at(std::numeric_limits<std::int64_t>::min());
    CHECK(ask(q) == V{"6", "7", "8", "9", "10"});
    CHECK(select_recent({}, q).empty());
    // /history's page: the newest before a message.
    CHECK(ask(Query::page(8, 2)) == V{"2", "3"});
    CHECK(ask(Query::page(0, 2)) == V{"9", "10"});
}
