// CHATHISTORY's parameters and message references (shared/irc/chathistory.hpp).

#include <catch2/catch.hpp>

#include <limits>
#include <string_view>
#include <vector>

#include "shared/irc/chathistory.hpp"

using namespace parley::irc;
using namespace std::string_view_literals;

namespace {

HistoryParse parse(std::vector<std::string_view> params, std::size_t max = 100) {
    return parse_chathistory(params, max);
}

}  // namespace

TEST_CASE("server-time: formatted and parsed back to the millisecond", "[irc][chathistory]") {
    CHECK(format_server_time(0) == "1970-01-01T00:00:00.000Z");
    CHECK(format_server_time(1'795'838'528'123) == "2026-11-28T04:02:08.123Z");
    for (const std::int64_t t :
         {std::int64_t{0}, std::int64_t{1}, std::int64_t{951'782'400'999},
          std::int64_t{1'795'838'528'123}, std::int64_t{253'402'300'799'999}}) {
        CHECK(parse_server_time(format_server_time(t)) == t);
    }
    // Fractions of any length up to 9 digits, cut to milliseconds; none at all.
    CHECK(parse_server_time("2026-11-28T04:02:08Z") == 1'795'838'528'000);
    CHECK(parse_server_time("2026-11-28T04:02:08.1Z") == 1'795'838'528'100);
    CHECK(parse_server_time("2026-11-28T04:02:08.123456789Z") == 1'795'838'528'123);
    CHECK(parse_server_time("2000-02-29T00:00:00.000Z") == 951'782'400'000);
    for (const auto bad :
         {""sv, "2026-11-28T04:02:08.123"sv, "2026-11-28 04:02:08.123Z"sv,
          "2026-11-28T04:02:08.Z"sv, "2026-11-28T04:02:08.1234567890Z"sv,
          "2026-13-28T04:02:08.123Z"sv, "2026-02-30T04:02:08.123Z"sv, "2026-11-28T24:02:08.123Z"sv,
          "2026-11-28T04:60:08.123Z"sv, "2026-11-28T04:02:08.123Z "sv, "+026-11-28T04:02:08.123Z"sv,
          "2026-11-28T04:02:08.123+01:00"sv, "1795939328123"sv}) {
        INFO(bad);
        CHECK_FALSE(parse_server_time(bad));
    }
}

TEST_CASE("msgid: time and id in hex, parsed back", "[irc][chathistory]") {
    CHECK(format_msgid({0x19c4f3a2b10, 0x2a}) == "19c4f3a2b10-2a");
    CHECK(parse_msgid("19c4f3a2b10-2a") == MsgId{0x19c4f3a2b10, 0x2a});
    CHECK(parse_msgid("19C4F3A2B10-2A") == MsgId{0x19c4f3a2b10, 0x2a});
    const MsgId big{std::numeric_limits<std::int64_t>::max(),
                    std::numeric_limits<std::uint64_t>::max()};
    CHECK(parse_msgid(format_msgid(big)) == big);
    for (const auto bad :
         {""sv, "-"sv, "12"sv, "12-"sv, "-12"sv, "12-0"sv, "1-2-3"sv, "x-1"sv, "1-x"sv, "1- 2"sv,
          "10000000000000000-1"sv, "1-10000000000000000"sv, "+1-1"sv, "1-+1"sv}) {
        INFO(bad);
        CHECK_FALSE(parse_msgid(bad));
    }
}

TEST_CASE("CHATHISTORY: the subcommands and their references", "[irc][chathistory]") {
    auto p = parse({"LATEST", "#rust", "*", "50"});
    REQUIRE(p.problem == HistoryProblem::none);
    CHECK(p.request.sub == HistorySub::latest);
    CHECK(p.request.target == "#rust");
    CHECK(p.request.from.kind == HistoryRef::Kind::star);
    CHECK(p.request.limit == 50);
    CHECK_FALSE(p.request.clamped);

    p = parse({"before", "#rust", "msgid=19c4f3a2b10-2a", "10"});
    REQUIRE(p.problem == HistoryProblem::none);
    CHECK(p.request.sub == HistorySub::before);
    CHECK(p.request.subcommand == "before");
    CHECK(p.request.from.kind == HistoryRef::Kind::msgid);
    CHECK(p.request.from.msgid == MsgId{0x19c4f3a2b10, 0x2a});

    p = parse({"AFTER", "#rust", "timestamp=2026-11-28T04:02:08.123Z", "1"});
    REQUIRE(p.problem == HistoryProblem::none);
    CHECK(p.request.from.kind == HistoryRef::Kind::timestamp);
    CHECK(p.request.from.time_ms == 1'795'838'528'123);

    p = parse({"BETWEEN", "#rust", "msgid=1-2", "timestamp=2026-11-28T04:02:08.123Z", "5"});
    REQUIRE(p.problem == HistoryProblem::none);
    CHECK(p.request.sub == HistorySub::between);
    CHECK(p.request.from.kind == HistoryRef::Kind::msgid);
    CHECK(p.request.to.kind == HistoryRef::Kind::timestamp);

    CHECK(parse({"AROUND", "#rust", "msgid=1-2", "3"}).request.sub == HistorySub::around);
    CHECK(parse({"TARGETS", "timestamp=x"}).request.sub == HistorySub::targets);
}

TEST_CASE("CHATHISTORY: limits are cut to the maximum, bad ones refused", "[irc][chathistory]") {
    auto p = parse({"LATEST", "#r", "*", "101"});
    REQUIRE(p.problem == HistoryProblem::none);
    CHECK(p.request.limit == 100);
    CHECK(p.request.clamped);
    p = parse({"LATEST", "#r", "*", "99999999999999999999999999999"});
    REQUIRE(p.problem == HistoryProblem::none);
    CHECK(p.request.limit == 100);
    CHECK(parse({"LATEST", "#r", "*", "100"}).request.limit == 100);
    CHECK(parse({"LATEST", "#r", "*", "3"}, 2).request.limit == 2);
    // A maximum of 0 is none (CHATHISTORY=0).
    CHECK(parse({"LATEST", "#r", "*", "1000000"}, 0).request.limit == 1'000'000);
    for (const auto bad : {"0"sv, "-1"sv, "ten"sv, "1e3"sv, ""sv, "000"sv}) {
        INFO(bad);
        p = parse({"LATEST", "#r", "*", bad});
        CHECK(p.problem == HistoryProblem::invalid_limit);
        CHECK(p.bad == bad);
    }
}

TEST_CASE("CHATHISTORY: what is refused, and the parameter at fault", "[irc][chathistory]") {
    CHECK(parse({}).problem == HistoryProblem::no_subcommand);
    auto p = parse({"SOMETIME", "#r", "*", "1"});
    CHECK(p.problem == HistoryProblem::unknown_subcommand);
    CHECK(p.bad == "SOMETIME");
    CHECK(parse({"LATEST", "#r", "*"}).problem == HistoryProblem::not_enough_params);
    CHECK(parse({"BETWEEN", "#r", "msgid=1-1", "5"}).problem == HistoryProblem::not_enough_params);
    CHECK(parse({"LATEST", "", "*", "5"}).problem == HistoryProblem::not_enough_params);
    p = parse({"LATEST", "#r", "*", "5", "extra"});
    CHECK(p.problem == HistoryProblem::too_many_params);
    CHECK(p.bad == "extra");
    // '*' is LATEST's alone; references must be ours and well formed.
    for (const auto sub : {"BEFORE"sv, "AFTER"sv, "AROUND"sv}) {
        p = parse({sub, "#r", "*", "5"});
        CHECK(p.problem == HistoryProblem::invalid_reference);
        CHECK(p.bad == "*");
    }
    for (const auto bad : {"msgid="sv, "msgid=abc"sv, "timestamp=yesterday"sv, "id=1-1"sv, "1-1"sv,
                           "timestamp=2026-11-28T04:02:08.123"sv}) {
        INFO(bad);
        p = parse({"BEFORE", "#r", bad, "5"});
        CHECK(p.problem == HistoryProblem::invalid_reference);
        CHECK(p.bad == bad);
    }
    p = parse({"BETWEEN", "#r", "msgid=1-1", "*", "5"});
    CHECK(p.problem == HistoryProblem::invalid_reference);
    CHECK(p.bad == "*");
    CHECK(problem_name(HistoryProblem::invalid_limit) == "invalid-limit");
}
