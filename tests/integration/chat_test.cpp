// Chatting as users do it: rooms, nicknames, commands, private messages, scrollback.

#include <catch2/catch.hpp>

#include "tests/integration/harness.hpp"

using namespace parley::test;

TEST_CASE("a new client is greeted, named and put in #lobby", "[chat]") {
    TestServer server;
    Client c(server.port());
    CHECK(c.line() ==
          "--- Welcome to Parley! Type a line and press Enter to chat; /help lists the commands.");
    const std::string named = *c.line();
    REQUIRE(named.rfind("--- Your nickname is guest", 0) == 0);
    const std::string nick = named.substr(21, named.find('.') - 21);
    CHECK(c.line() == "-!- " + nick + " joined #lobby");
    CHECK(c.line() == "--- Members of #lobby (1): " + nick);
}

TEST_CASE("three clients chat in a room, no echo to the sender, same order for all", "[chat]") {
    TestServer server;
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");
    auto carol = Client::join(server.port(), "carol");
    alice->expect_suffix(" is now known as carol");
    bob->expect_suffix(" is now known as carol");

    alice->say("hello from alice");
    bob->say("hello from bob");
    for (Client* c : {bob.get(), carol.get()}) {
        c->expect_line("#lobby <alice> hello from alice");
    }
    for (Client* c : {alice.get(), carol.get()}) {
        c->expect_line("#lobby <bob> hello from bob");
    }
    // carol sees both, and in the order the server took them: alice's line was sent first
    // and bob's only after alice's was delivered to him.
    auto pos = [&](const std::string& l) {
        const auto& s = carol->seen();
        return std::find(s.begin(), s.end(), l) - s.begin();
    };
    CHECK(pos("#lobby <alice> hello from alice") < pos("#lobby <bob> hello from bob"));
    alice->sync();
    bob->sync();
    CHECK_FALSE(alice->has_seen("#lobby <alice> hello from alice"));
    CHECK_FALSE(bob->has_seen("#lobby <bob> hello from bob"));
}

TEST_CASE("every member sees a room's messages in one order", "[chat]") {
    TestServer server;
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 4; ++i) {
        clients.push_back(Client::join(server.port(), std::string("user") + std::to_string(i)));
    }
    // Everyone talks at once; each line is sent before reading anything.
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 4; ++i) {
            clients[i]->say(std::string("m") + std::to_string(i) + std::string("-") +
                            std::to_string(round));
        }
    }
    // What a member sees of the other three must be the same sequence for any observer, once
    // its own lines are taken out.
    std::vector<std::vector<std::string>> heard(4);
    for (int i = 0; i < 4; ++i) {
        while (heard[i].size() < 15) {
            const std::string l = clients[i]->expect_prefix("#lobby <user");
            heard[i].push_back(l);
        }
    }
    auto without = [](const std::vector<std::string>& v, const std::string& who) {
        std::vector<std::string> out;
        for (const auto& l : v) {
            if (l.find("<" + who + ">") == std::string::npos) {
                out.push_back(l);
            }
        }
        return out;
    };
    for (int a = 0; a < 4; ++a) {
        for (int b = 0; b < 4; ++b) {
            if (a == b) {
                continue;
            }
            // Both a and b heard everyone except themselves: compare what both heard.
            const std::string na = std::string("user") + std::to_string(a),
                              nb = std::string("user") + std::to_string(b);
            CHECK(without(heard[a], nb) == without(heard[b], na));
        }
    }
}

TEST_CASE("nickname changes are announced and collisions refused", "[chat][nick]") {
    TestServer server;
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");
    alice->expect_suffix(" is now known as bob");

    bob->say("/nick Robert");
    bob->expect_line("-!- bob is now known as Robert");
    alice->expect_line("-!- bob is now known as Robert");

    SECTION("taken, case-insensitively") {
        bob->say("/nick ALICE");
        bob->expect_line("!!! nick-taken: the nickname ALICE is in use");
        bob->say("/who");
        bob->expect_line("--- Members of #lobby (2): alice Robert");
    }
    SECTION("invalid") {
        bob->say("/nick 9lives");
        CHECK(bob->expect_prefix("!!! ").rfind("!!! bad-nick: ", 0) == 0);
        bob->say("/nick " + std::string(33, 'a'));
        CHECK(bob->expect_prefix("!!! ").rfind("!!! bad-nick: ", 0) == 0);
        bob->say("/nick two words");
        CHECK(bob->expect_prefix("!!! ").rfind("!!! usage: ", 0) == 0);
    }
    SECTION("a freed nickname can be taken") {
        alice->say("/quit");
        alice->expect_line("--- Goodbye.");
        bob->expect_line("-!- alice quit (quit)");
        bob->say("/nick alice");
        bob->expect_line("-!- Robert is now known as alice");
    }
    SECTION("changing the case of one's own nickname") {
        bob->say("/nick ROBERT");
        bob->expect_line("-!- Robert is now known as ROBERT");
    }
}

TEST_CASE("/msg delivers privately and reports unknown nicknames", "[chat][msg]") {
    TestServer server;
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");
    auto carol = Client::join(server.port(), "carol");

    alice->say("/msg BOB  psst,  a secret");
    bob->expect_line("*alice* psst,  a secret");
    alice->expect_line("-> *bob* psst,  a secret");
    alice->say("/msg nobody hi");
    alice->expect_line("!!! no-such-nick: nobody is called nobody");
    alice->say("/msg bob");
    CHECK(alice->expect_prefix("!!! ").rfind("!!! usage: ", 0) == 0);
    carol->sync();
    for (const auto& l : carol->seen()) {
        CHECK(l.find("secret") == std::string::npos);
    }
}

TEST_CASE("/join, /leave, /rooms, /who and /topic", "[chat][rooms]") {
    TestServer server;
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");

    alice->say("/join rust");
    alice->expect_line("-!- alice left #lobby");
    alice->expect_line("-!- alice joined #rust");
    alice->expect_line("--- Members of #rust (1): alice");
    bob->expect_line("-!- alice left #lobby");

    alice->say("/topic Borrow checking, with  tabs\there");
    alice->expect_line("-!- alice set the topic of #rust to: Borrow checking, with  tabs here");

    bob->say("/rooms");
    bob->expect_line("--- Rooms (2):");
    bob->expect_line("--- #lobby 1 member");
    bob->expect_line("--- #rust 1 member: Borrow checking, with  tabs here");

    bob->say("/who #RUST");
    bob->expect_line("--- Members of #rust (1): alice");
    bob->say("/who #nowhere");
    bob->expect_line("!!! no-such-room: there is no room #nowhere");

    bob->say("/join #Rust");
    bob->expect_line("-!- bob joined #rust");
    bob->expect_line("--- Topic for #rust: Borrow checking, with  tabs here");
    bob->expect_line("--- Members of #rust (2): alice bob");
    alice->expect_line("-!- bob joined #rust");

    bob->say("/join #rust");
    bob->expect_line("!!! already-there: you are in #rust");
    bob->say("/join #bad room key");
    CHECK(bob->expect_prefix("!!! ").rfind("!!! usage: ", 0) == 0);
    bob->say("/join #bad,room");
    CHECK(bob->expect_prefix("!!! ").rfind("!!! bad-room: ", 0) == 0);

    bob->say("/topic");
    bob->expect_line("--- Topic for #rust: Borrow checking, with  tabs here");
    bob->say("/topic -");
    alice->expect_line("-!- bob cleared the topic of #rust");
    alice->say("/topic");
    alice->expect_line("--- No topic is set for #rust.");

    bob->say("/leave");
    alice->expect_line("-!- bob left #rust");
    bob->expect_line("-!- bob joined #lobby");
    bob->say("/leave");
    CHECK(bob->expect_prefix("!!! ").rfind("!!! already-there: ", 0) == 0);

    // The last member leaving removes the room.
    alice->say("/leave");
    alice->expect_line("-!- alice joined #lobby");
    alice->say("/rooms");
    alice->expect_line("--- Rooms (1):");
}

TEST_CASE("joining shows recent messages, oldest first, bounded by --history", "[chat][history]") {
    auto config = test_config();
    config.history = 3;
    TestServer server(config);
    auto alice = Client::join(server.port(), "alice");
    for (int i = 1; i <= 5; ++i) {
        alice->say(std::string("line ") + std::to_string(i));
    }
    alice->say("/me waves");
    alice->sync();
    Client late(server.port());
    late.expect_line("--- Recent messages in #lobby:");
    CHECK(late.line() == "#lobby <alice> line 4");
    CHECK(late.line() == "#lobby <alice> line 5");
    CHECK(late.line() == "#lobby * alice waves");
    CHECK(late.line() == "--- End of recent messages.");
}

TEST_CASE("quit and leave tell the others; /me, //, /help and mistakes", "[chat]") {
    TestServer server;
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");

    bob->say("/me waves");
    alice->expect_line("#lobby * bob waves");
    bob->say("//slash at the start");
    alice->expect_line("#lobby <bob> /slash at the start");
    bob->say("/HELP");
    bob->expect_prefix("--- /help");
    bob->expect_prefix("--- /quit");
    bob->say("/dance");
    bob->expect_line("!!! unknown-command: unknown command /dance; /help lists the commands");
    bob->say("/me");
    CHECK(bob->expect_prefix("!!! ").rfind("!!! usage: ", 0) == 0);
    bob->say("   ");
    bob->sync();

    bob->say("/quit  see you  ");
    bob->expect_line("--- Goodbye.");
    CHECK(bob->closed_within());
    alice->expect_line("-!- bob quit (see you)");
}

TEST_CASE("CRLF and LF line endings both work, the server sends CRLF", "[chat][framing]") {
    TestServer server;
    auto alice = Client::join(server.port(), "alice");
    Client raw(server.port());
    raw.expect_prefix("--- Members of #lobby");
    raw.send("/nick crlf\r\nfrom crlf\r\nfrom lf\n");
    alice->expect_line("#lobby <crlf> from crlf");
    alice->expect_line("#lobby <crlf> from lf");
    // The harness strips exactly one CRLF per line: check the bytes themselves once.
    Client bytes(server.port());
    std::string all;
    while (all.find("--- Members of #lobby") == std::string::npos) {
        all += *bytes.line() + "\n";
    }
    CHECK(all.find('\r') == std::string::npos);  // every CR was part of a CRLF
}

TEST_CASE("with timestamps on, every line starts with HH:MM:SS", "[chat]") {
    auto config = test_config();
    config.timestamps = true;
    TestServer server(config);
    Client c(server.port());
    const std::string l = *c.line();
    REQUIRE(l.size() > 9);
    CHECK(std::isdigit(static_cast<unsigned char>(l[0])));
    CHECK(l[2] == ':');
    CHECK(l[5] == ':');
    CHECK(l.substr(8, 5) == " --- ");
}

TEST_CASE("joining a room of more than 50 shows the count, /who the names", "[chat][rooms]") {
    TestServer server;
    std::vector<std::unique_ptr<Client>> crowd;
    for (int i = 0; i < 50; ++i) {
        crowd.push_back(std::make_unique<Client>(server.port()));
        crowd.back()->expect_prefix("--- Members of #lobby (");
    }
    Client late(server.port());
    late.expect_line("--- #lobby has 51 members; /who #lobby lists them.");
    late.say("/who");
    const std::string who = late.expect_prefix("--- Members of #lobby (51): ");
    CHECK(std::count(who.begin(), who.end(), ' ') == 5 + 50);
}

TEST_CASE("rooms past --announce-limit keep presence notices to the subject", "[chat][rooms]") {
    auto config = test_config();
    config.announce_limit = 2;
    TestServer server(config);
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");  // two members: still announced
    alice->expect_suffix(" is now known as bob");

    Client carol(server.port());  // the third: only carol hears of her arrival
    carol.expect_prefix("-!- guest");
    carol.say("/nick carol");
    carol.expect_suffix(" is now known as carol");
    carol.say("hello, quietly");
    alice->expect_line("#lobby <carol> hello, quietly");  // messages flow as ever
    carol.say("/quit");
    carol.expect_line("--- Goodbye.");
    CHECK(carol.closed_within());

    // Back at two members the room announces again; nothing of carol's coming and going
    // reached alice before bob's nick change.
    bob->say("/nick robert");
    alice->expect_line("-!- bob is now known as robert");
    for (const auto& l : alice->seen()) {
        if (l.find("guest3") != std::string::npos || l.find("carol") != std::string::npos) {
            CHECK(l == "#lobby <carol> hello, quietly");
        }
    }
}
