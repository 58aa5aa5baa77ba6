#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "shared/command.hpp"

namespace cmd = parley::cmd;
using namespace std::string_view_literals;

namespace {

template <class T>
T get(const cmd::Command& c) {
    const T* p = std::get_if<T>(&c);
    if (p == nullptr) {
        const auto* e = std::get_if<cmd::Error>(&c);
        FAIL("wrong alternative, index "
             << c.index()
             << (e != nullptr ? " error: " + e->code + ": " + e->message : std::string()));
    }
    return *p;
}

cmd::Error error(std::string_view line) {
    return get<cmd::Error>(cmd::parse(line));
}

void check_usage(std::string_view line, std::string_view expected) {
    CAPTURE(line);
    const auto e = error(line);
    CHECK(e.code == "usage");
    CHECK(e.message == expected);
}

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

TEST_CASE("parse: plain text is Say", "[command]") {
    const std::string line = "hello there";
    const auto say = get<cmd::Say>(cmd::parse(line));
    CHECK(say.text == "hello there");
    CHECK(say.text.data() == line.data());  // a view, not a copy
    CHECK(get<cmd::Say>(cmd::parse("x")).text == "x");
    CHECK(get<cmd::Say>(cmd::parse("  indented ")).text == "  indented ");
    CHECK(get<cmd::Say>(cmd::parse(" /nick bob")).text == " /nick bob");
    CHECK(get<cmd::Say>(cmd::parse("a/b")).text == "a/b");
    CHECK(get<cmd::Say>(cmd::parse("\tx")).text == "\tx");
}

TEST_CASE("parse: empty and blank lines are Empty", "[command]") {
    for (auto line : {""sv, " "sv, "    "sv, "\t"sv, " \t \t"sv}) {
        CAPTURE(line);
        CHECK(std::holds_alternative<cmd::Empty>(cmd::parse(line)));
    }
}

TEST_CASE("parse: a double slash sends text starting with a slash", "[command]") {
    CHECK(get<cmd::Say>(cmd::parse("//x")).text == "/x");
    CHECK(get<cmd::Say>(cmd::parse("//nick bob")).text == "/nick bob");
    CHECK(get<cmd::Say>(cmd::parse("//")).text == "/");
    CHECK(get<cmd::Say>(cmd::parse("///")).text == "//");
    CHECK(get<cmd::Say>(cmd::parse("// spaced ")).text == "/ spaced ");
}

TEST_CASE("parse: unknown commands", "[command]") {
    SECTION("an unknown name") {
        const auto e = error("/foo bar");
        CHECK(e.code == "unknown-command");
        CHECK(e.message == "unknown command /foo; /help lists the commands");
    }
    SECTION("the name is reported as typed") {
        CHECK(error("/FoO").message == "unknown command /FoO; /help lists the commands");
    }
    SECTION("a slash alone") {
        const auto e = error("/");
        CHECK(e.code == "unknown-command");
        CHECK(e.message == "unknown command /; /help lists the commands");
    }
    SECTION("a slash followed by a space") {
        CHECK(error("/ nick bob").code == "unknown-command");
        CHECK(error("/   ").code == "unknown-command");
    }
    SECTION("prefixes and extensions of real names are not commands") {
        for (auto line : {"/n"sv, "/nic"sv, "/nickname x"sv, "/joins #a"sv, "/j #a"sv, "/q"sv,
                          "/quitt"sv, "/msgs a b"sv, "/m a"sv, "/who2"sv, "/helpme"sv}) {
            CAPTURE(line);
            CHECK(error(line).code == "unknown-command");
        }
    }
}

TEST_CASE("parse: command names are case-insensitive", "[command]") {
    CHECK(std::holds_alternative<cmd::Help>(cmd::parse("/HELP")));
    CHECK(std::holds_alternative<cmd::Help>(cmd::parse("/Help")));
    CHECK(get<cmd::Nick>(cmd::parse("/NICK Bob")).name == "Bob");
    CHECK(get<cmd::Join>(cmd::parse("/jOiN #x")).room == "#x");
    CHECK(std::holds_alternative<cmd::Leave>(cmd::parse("/LEAVE")));
    CHECK(std::holds_alternative<cmd::Rooms>(cmd::parse("/RoOmS")));
    CHECK(get<cmd::Who>(cmd::parse("/WHO")).room.empty());
    CHECK(get<cmd::Msg>(cmd::parse("/MSG a b")).text == "b");
    CHECK(get<cmd::Me>(cmd::parse("/ME waves")).action == "waves");
    CHECK(get<cmd::Topic>(cmd::parse("/TOPIC t")).text == "t");
    CHECK(get<cmd::Quit>(cmd::parse("/QUIT r")).reason == "r");
    CHECK(error("/NICK").message == "expected /nick NAME");
}

TEST_CASE("parse: /help", "[command]") {
    CHECK(std::holds_alternative<cmd::Help>(cmd::parse("/help")));
    CHECK(std::holds_alternative<cmd::Help>(cmd::parse("/help   ")));
    check_usage("/help me", "expected /help");
}

TEST_CASE("parse: /nick", "[command]") {
    const std::string line = "/nick alice";
    const auto nick = get<cmd::Nick>(cmd::parse(line));
    CHECK(nick.name == "alice");
    CHECK(inside(nick.name, line));
    CHECK(get<cmd::Nick>(cmd::parse("/nick    bob   ")).name == "bob");
    CHECK(get<cmd::Nick>(cmd::parse("/nick\tbob")).name == "bob");
    // The name is not validated here: that is the names rules' job.
    CHECK(get<cmd::Nick>(cmd::parse("/nick 1bad!")).name == "1bad!");
    check_usage("/nick", "expected /nick NAME");
    check_usage("/nick   ", "expected /nick NAME");
    check_usage("/nick a b", "expected /nick NAME");
    check_usage("/nick alice  bob ", "expected /nick NAME");
}

TEST_CASE("parse: /join", "[command]") {
    CHECK(get<cmd::Join>(cmd::parse("/join #rust")).room == "#rust");
    CHECK(get<cmd::Join>(cmd::parse("/join rust")).room == "rust");
    CHECK(get<cmd::Join>(cmd::parse("/join  #rust  ")).room == "#rust");
    CHECK(get<cmd::Join>(cmd::parse("/join #rust")).key.empty());
    CHECK(get<cmd::Join>(cmd::parse("/join #rust  sesame ")).key == "sesame");
    CHECK(get<cmd::Join>(cmd::parse("/join #rust  sesame ")).room == "#rust");
    check_usage("/join", "expected /join #room [key]");
    check_usage("/join  ", "expected /join #room [key]");
    check_usage("/join #a b c", "expected /join #room [key]");
}

TEST_CASE("parse: /leave and /rooms take no arguments", "[command]") {
    CHECK(std::holds_alternative<cmd::Leave>(cmd::parse("/leave")));
    CHECK(std::holds_alternative<cmd::Leave>(cmd::parse("/leave ")));
    check_usage("/leave now", "expected /leave");
    CHECK(std::holds_alternative<cmd::Rooms>(cmd::parse("/rooms")));
    CHECK(std::holds_alternative<cmd::Rooms>(cmd::parse("/rooms \t")));
    check_usage("/rooms all", "expected /rooms");
}

TEST_CASE("parse: /who", "[command]") {
    CHECK(get<cmd::Who>(cmd::parse("/who")).room.empty());
    CHECK(get<cmd::Who>(cmd::parse("/who  ")).room.empty());
    CHECK(get<cmd::Who>(cmd::parse("/who #lobby")).room == "#lobby");
    CHECK(get<cmd::Who>(cmd::parse("/who lobby ")).room == "lobby");
    check_usage("/who #a #b", "expected /who [#room]");
}

TEST_CASE("parse: /msg", "[command]") {
    const std::string line = "/msg bob hello  there ";
    const auto msg = get<cmd::Msg>(cmd::parse(line));
    CHECK(msg.nick == "bob");
    CHECK(msg.text == "hello  there");
    CHECK(inside(msg.nick, line));
    CHECK(inside(msg.text, line));
    const auto spaced = get<cmd::Msg>(cmd::parse("/msg   bob    hi"));
    CHECK(spaced.nick == "bob");
    CHECK(spaced.text == "hi");
    const auto tabbed = get<cmd::Msg>(cmd::parse("/msg\tbob\thi\tyou"));
    CHECK(tabbed.nick == "bob");
    CHECK(tabbed.text == "hi\tyou");
    CHECK(get<cmd::Msg>(cmd::parse("/msg bob /quit")).text == "/quit");
    check_usage("/msg", "expected /msg NICK TEXT");
    check_usage("/msg bob", "expected /msg NICK TEXT");
    check_usage("/msg bob    ", "expected /msg NICK TEXT");
    check_usage("/msg    ", "expected /msg NICK TEXT");
}

TEST_CASE("parse: /me", "[command]") {
    CHECK(get<cmd::Me>(cmd::parse("/me waves")).action == "waves");
    CHECK(get<cmd::Me>(cmd::parse("/me   waves  both   hands  ")).action == "waves  both   hands");
    check_usage("/me", "expected /me ACTION");
    check_usage("/me    ", "expected /me ACTION");
}

TEST_CASE("parse: /topic", "[command]") {
    CHECK(get<cmd::Topic>(cmd::parse("/topic")).text.empty());
    CHECK(get<cmd::Topic>(cmd::parse("/topic   ")).text.empty());
    CHECK(get<cmd::Topic>(cmd::parse("/topic  Rust  talk ")).text == "Rust  talk");
    CHECK(get<cmd::Topic>(cmd::parse("/topic -")).text == "-");
}

TEST_CASE("parse: /quit", "[command]") {
    CHECK(get<cmd::Quit>(cmd::parse("/quit")).reason.empty());
    CHECK(get<cmd::Quit>(cmd::parse("/quit  ")).reason.empty());
    CHECK(get<cmd::Quit>(cmd::parse("/quit  gone  fishing  ")).reason == "gone  fishing");
}

TEST_CASE("help_text lists every command, one per line", "[command]") {
    const std::string_view help = cmd::help_text();
    REQUIRE_FALSE(help.empty());
    CHECK(help.back() != '\n');
    std::vector<std::string_view> lines;
    for (std::size_t start = 0;;) {
        const std::size_t nl = help.find('\n', start);
        lines.push_back(help.substr(start, nl == std::string_view::npos ? nl : nl - start));
        if (nl == std::string_view::npos) {
            break;
        }
        start = nl + 1;
    }
    const std::vector<std::string_view> forms = {
        "/help",         "/nick NAME",   "/join #room",    "/leave",
        "/rooms",        "/who [#room]", "/msg NICK TEXT", "/me ACTION",
        "/topic [TEXT]", "/history [N]", "/quit [REASON]", "//text"};
    REQUIRE(lines.size() == forms.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        CAPTURE(lines[i]);
        CHECK(lines[i].substr(0, forms[i].size()) == forms[i]);
        // The form is followed by spaces and a description.
        CHECK(lines[i].size() > forms[i].size() + 2);
        CHECK(lines[i][forms[i].size()] == ' ');
        CHECK(lines[i].find("---") == std::string_view::npos);
        CHECK(lines[i].find('\r') == std::string_view::npos);
        CHECK(lines[i].back() != ' ');
    }
    // Every listed command parses as a command, not as unknown.
    for (auto name : {"/help", "/leave", "/rooms", "/who", "/topic", "/history", "/quit"}) {
        CAPTURE(name);
        CHECK_FALSE(std::holds_alternative<cmd::Error>(cmd::parse(name)));
    }
}

TEST_CASE("parse: /history takes an optional count from 1 to 100", "[command]") {
    CHECK(get<cmd::History>(cmd::parse("/history")).count == 0);
    CHECK(get<cmd::History>(cmd::parse("/HISTORY 7")).count == 7);
    CHECK(get<cmd::History>(cmd::parse("/history 100")).count == 100);
    for (const auto* bad : {"/history 0", "/history 101", "/history 99999999999999999999",
                            "/history -1", "/history 5 6", "/history x"}) {
        INFO(bad);
        CHECK(error(bad).code == "usage");
    }
}
