#include <catch2/catch.hpp>

#include "shared/web/command.hpp"

using namespace parley::web;

namespace {

Command accepted(std::string_view json) {
    auto r = parse_command(json);
    INFO(json);
    REQUIRE(std::holds_alternative<Command>(r));
    return std::get<Command>(r);
}

Refusal refused(std::string_view json) {
    auto r = parse_command(json);
    INFO(json);
    REQUIRE(std::holds_alternative<Refusal>(r));
    return std::get<Refusal>(r);
}

}  // namespace

TEST_CASE("web commands: each command with its fields", "[web]") {
    Command c = accepted(R"({"type":"say","room":"#lobby","text":"hi there"})");
    CHECK(c.type == CommandType::say);
    CHECK(c.room == "#lobby");
    CHECK(c.text == "hi there");
    CHECK(c.ref.empty());

    c = accepted(R"({"type":"msg","to":"bob","text":"psst"})");
    CHECK(c.type == CommandType::msg);
    CHECK(c.to == "bob");

    c = accepted(R"({"type":"join","room":"rust","key":"k"})");
    CHECK(c.type == CommandType::join);
    CHECK(c.key == "k");

    c = accepted(R"({"type":"history","room":"#a","before":123,"limit":50})");
    CHECK(c.type == CommandType::history);
    CHECK(c.before == 123u);
    CHECK(c.limit == 50u);

    c = accepted(R"({"type":"history","room":"#a"})");
    CHECK_FALSE(c.before.has_value());
    CHECK_FALSE(c.limit.has_value());

    CHECK(accepted(R"({"type":"rooms"})").type == CommandType::rooms);
    CHECK(accepted(R"({"type":"quit"})").type == CommandType::quit);
    CHECK(accepted(R"({"type":"quit","reason":"bye"})").reason == "bye");
    CHECK(accepted(R"({"type":"nick","nick":"alice"})").nick == "alice");
    CHECK(accepted(R"({"type":"topic","room":"#a","text":""})").text.empty());
}

TEST_CASE("web commands: JSON escapes are decoded, field order does not matter", "[web]") {
    Command c = accepted(R"({"text":"caf\u00e9 \"quoted\" \ud83d\ude00","room":"#a","type":"me"})");
    CHECK(c.type == CommandType::me);
    CHECK(c.text == "caf\xc3\xa9 \"quoted\" \xf0\x9f\x98\x80");
}

TEST_CASE("web commands: unknown fields are skipped whatever they hold", "[web]") {
    Command c = accepted(
        R"({"type":"say","client":{"name":"x","v":[1,2,{"a":null}]},"room":"#a","text":"t","n":1.5})");
    CHECK(c.text == "t");
}

TEST_CASE("web commands: ref is copied as JSON text", "[web]") {
    CHECK(accepted(R"({"type":"rooms","ref":"a\"1"})").ref == R"("a\"1")");
    CHECK(accepted(R"({"type":"rooms","ref":17})").ref == "17");
    const std::string long_ref(65, 'r');
    Refusal r = refused(R"({"type":"rooms","ref":")" + long_ref + R"("})");
    CHECK(r.code == "usage");
    CHECK(refused(R"({"type":"rooms","ref":-1})").code == "usage");
    CHECK(refused(R"({"type":"rooms","ref":[1]})").code == "usage");
}

TEST_CASE("web commands: a refusal keeps the ref for the answer", "[web]") {
    Refusal r = refused(R"({"type":"say","ref":"x1","room":"#a"})");
    CHECK(r.code == "usage");
    CHECK(r.text == R"("say" needs "text")");
    CHECK(r.ref == R"("x1")");
}

TEST_CASE("web commands: what is not a command object", "[web]") {
    CHECK(refused("").code == "bad-json");
    CHECK(refused("{").code == "bad-json");
    CHECK(refused(R"({"type":"rooms"} x)").code == "bad-json");
    CHECK(refused(R"({"type":"rooms"}{})").code == "bad-json");
    CHECK(refused("[1,2]").code == "usage");
    CHECK(refused("\"say\"").code == "usage");
    CHECK(refused("42").code == "usage");
    CHECK(refused("null").code == "usage");
    // JSON strings must be UTF-8, escapes too: a lone surrogate is not text.
    CHECK(refused("{\"type\":\"say\",\"room\":\"#a\",\"text\":\"\xff\"}").code == "bad-json");
    CHECK(refused(R"({"type":"say","room":"#a","text":"\ud800"})").code == "bad-json");
}

TEST_CASE("web commands: wrong types and missing fields", "[web]") {
    CHECK(refused(R"({"room":"#a"})").text == R"(a command needs a "type")");
    CHECK(refused(R"({"type":7})").text == R"("type" must be a string, not a number)");
    CHECK(refused(R"({"type":"say","room":"#a","text":5})").code == "usage");
    CHECK(refused(R"({"type":"say","room":["#a"],"text":"x"})").code == "usage");
    CHECK(refused(R"({"type":"history","room":"#a","before":"1"})").code == "usage");
    CHECK(refused(R"({"type":"history","room":"#a","limit":-3})").code == "usage");
    CHECK(refused(R"({"type":"history","room":"#a","limit":2.5})").code == "usage");
    CHECK(refused(R"({"type":"say","room":"#a","text":null})").text == R"("say" needs "text")");
    CHECK(refused(R"({"type":"msg","text":"x"})").text == R"("msg" needs "to")");
    CHECK(refused(R"({"type":"nick"})").text == R"("nick" needs "nick")");
    CHECK(refused(R"({"type":"join"})").text == R"("join" needs "room")");
}

TEST_CASE("web commands: unknown commands", "[web]") {
    Refusal r = refused(R"({"type":"dance","ref":1})");
    CHECK(r.code == "unknown-command");
    CHECK(r.text == R"(there is no command "dance")");
    CHECK(r.ref == "1");
    CHECK(refused(R"({"type":"SAY","room":"#a","text":"x"})").code == "unknown-command");
}

TEST_CASE("web commands: nesting is bounded", "[web]") {
    std::string deep = R"({"type":"rooms","x":)";
    for (int i = 0; i < 100000; ++i) {
        deep += '[';
    }
    Refusal r = refused(deep);
    CHECK(r.code == "usage");
    CHECK(r.text == "the message nests deeper than 16 levels");
    std::string ok = R"({"type":"rooms","x":)" + std::string(14, '[') + std::string(14, ']') + "}";
    CHECK(accepted(ok).type == CommandType::rooms);
}
