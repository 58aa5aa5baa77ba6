#include <catch2/catch.hpp>

#include <string>

#include "shared/names.hpp"

using parley::fold_case;
using parley::max_nick_length;
using parley::max_room_length;
using parley::nick_problem;
using parley::room_problem;
using parley::with_room_prefix;

TEST_CASE("nick_problem accepts valid nicknames", "[names]") {
    for (const char* nick : {"a",   "Z",    "_",     "alice",  "Alice",       "bob_42",   "a-b",
                             "_x",  "x_",   "x-",    "guest1", "ABCdef_-123", "__init__", "[away]",
                             "{x}", "a\\b", "`tick", "^caret", "pipe|away",   "]["}) {
        CAPTURE(nick);
        CHECK_FALSE(nick_problem(nick).has_value());
    }
}

TEST_CASE("nick_problem enforces the length limits", "[names]") {
    CHECK(max_nick_length == 32);
    CHECK_FALSE(nick_problem(std::string(32, 'n')).has_value());
    CHECK(nick_problem(std::string(33, 'n')).has_value());
    CHECK_FALSE(nick_problem("a" + std::string(31, '9')).has_value());
    CHECK(nick_problem("a" + std::string(32, '9')).has_value());
    CHECK(nick_problem("").has_value());
}

TEST_CASE("nick_problem refuses bad characters and starts", "[names]") {
    for (const char* nick : {"1abc",
                             "9",
                             "-abc",
                             "-",
                             "a b",
                             " a",
                             "a ",
                             "a.b",
                             "a#b",
                             "#a",
                             "a*",
                             "<a>",
                             "a:b",
                             "a,b",
                             "a/b",
                             "a\tb",
                             "a!",
                             "caf\xc3\xa9",
                             "\xc3\xa9t\xc3\xa9",
                             "a@b"}) {
        CAPTURE(nick);
        CHECK(nick_problem(nick).has_value());
    }
    CHECK(nick_problem(std::string("a\0b", 3)).has_value());
}

TEST_CASE("nick_problem explains the rule", "[names]") {
    const auto problem = nick_problem("1bad");
    REQUIRE(problem.has_value());
    CHECK(*problem ==
          "nicknames are 1 to 32 letters, digits or _-[]{}\\`^|, not starting with a digit or '-'");
    CHECK(nick_problem(std::string(33, 'x')) == problem);
    CHECK(nick_problem("") == problem);
}

TEST_CASE("room_problem accepts valid room names", "[names]") {
    for (const char* room : {"#a", "#lobby", "#Rust"}) {
        CAPTURE(room);
        CHECK_FALSE(room_problem(room).has_value());
    }
    for (const char* room :
         {"#1", "#-", "#.", "#_", "#a.b-c_d", "#2024", "#...", "#rust.dev", "#A-Z", "##a", "#a#b",
          "#a/b", "#a*", "#c++", "#caf\xc3\xa9", "#[x]", "#!"}) {
        CAPTURE(room);
        CHECK_FALSE(room_problem(room).has_value());
    }
}

TEST_CASE("room_problem enforces the length limits", "[names]") {
    CHECK(max_room_length == 64);
    CHECK_FALSE(room_problem("#" + std::string(63, 'r')).has_value());
    CHECK(room_problem("#" + std::string(64, 'r')).has_value());
    CHECK(room_problem("#").has_value());
    CHECK(room_problem("").has_value());
}

TEST_CASE("room_problem refuses bad names", "[names]") {
    for (const char* room : {"lobby", "a#", "#a b", "# a", "#a\tb", "#a,b", "#a:b", "&a", "!a",
                             "+a", "#a\x1b[1m", "#a\x07", "#\xff", "#a\x7f", "#\xc2\x85"}) {
        CAPTURE(room);
        CHECK(room_problem(room).has_value());
    }
}

TEST_CASE("room_problem explains the rule", "[names]") {
    const auto problem = room_problem("#bad room");
    REQUIRE(problem.has_value());
    CHECK(*problem ==
          "room names are '#' followed by 1 to 63 bytes of text without spaces, ',' or ':'");
}

TEST_CASE("with_room_prefix adds a missing '#'", "[names]") {
    CHECK(with_room_prefix("rust") == "#rust");
    CHECK(with_room_prefix("#rust") == "#rust");
    CHECK(with_room_prefix("Rust.Dev") == "#Rust.Dev");
    CHECK(with_room_prefix("") == "#");
    CHECK(with_room_prefix("#") == "#");
    CHECK(with_room_prefix("##x") == "##x");
    // A name at the limit without '#' becomes valid, one longer does not.
    CHECK_FALSE(room_problem(with_room_prefix(std::string(63, 'q'))).has_value());
    CHECK(room_problem(with_room_prefix(std::string(64, 'q'))).has_value());
}

TEST_CASE("fold_case lowers ASCII letters only", "[names]") {
    CHECK(fold_case("Alice") == "alice");
    CHECK(fold_case("ALICE") == fold_case("alice"));
    CHECK(fold_case("aLiCe_-09") == "alice_-09");
    CHECK(fold_case("#Rust.Dev") == "#rust.dev");
    CHECK(fold_case("AZaz@[`{") == "azaz@[`{");
    CHECK(fold_case("") == "");
    CHECK(fold_case("\xc3\x84") == "\xc3\x84");  // Ä: not ASCII, untouched
    CHECK(fold_case("Bob") != fold_case("Rob"));
}
