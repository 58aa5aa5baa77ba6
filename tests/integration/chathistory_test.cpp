// IRCv3 draft/chathistory over real sockets: capability and ISUPPORT, each subcommand with
// msgid= and timestamp= references, the batch and what a client without `batch` or tags gets,
// limits, errors, the rate limit; with a data directory (and across a restart) and without.

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/harness.hpp"
#include "tests/support/temp_dir.hpp"

using namespace parley;
using namespace parley::test;
using Catch::Matchers::StartsWith;

namespace {

const std::string all_caps = "batch draft/chathistory echo-message message-tags server-time";

// A line as a client sees it: its tags, and its command and last parameter.
struct Seen {
    std::map<std::string, std::string> tags;
    std::string rest;  // after the tags
    std::string text;  // the last parameter
};

Seen split(const std::string& line) {
    Seen s;
    std::string_view rest = line;
    if (rest.starts_with('@')) {
        const std::size_t sp = rest.find(' ');
        std::string_view tags = rest.substr(1, sp - 1);
        rest.remove_prefix(sp + 1);
        while (!tags.empty()) {
            const std::size_t semi = tags.find(';');
            const std::string_view tag = tags.substr(0, semi);
            const std::size_t eq = tag.find('=');
            s.tags[std::string(tag.substr(0, eq))] =
                eq == std::string_view::npos ? "" : std::string(tag.substr(eq + 1));
            tags.remove_prefix(semi == std::string_view::npos ? tags.size() : semi + 1);
        }
    }
    s.rest = rest;
    const std::size_t colon = rest.find(" :");
    s.text = colon == std::string_view::npos ? "" : std::string(rest.substr(colon + 2));
    return s;
}

// A message as sent (its echo) or replayed: what must be the same both times.
struct Sent {
    std::string msgid, time, text;
    bool operator==(const Sent&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Sent& s) {
    return os << "{" << s.msgid << " " << s.time << " " << s.text << "}";
}

using Sents = std::vector<Sent>;

Sents slice(const Sents& v, std::size_t from, std::size_t to) {
    return Sents(v.begin() + static_cast<std::ptrdiff_t>(from),
                 v.begin() + static_cast<std::ptrdiff_t>(to));
}

// Registers `nick` with the capabilities `caps` (CAP LS 302, REQ, END).
std::unique_ptr<IrcClient> with_caps(TestServer& server, const std::string& nick,
                                     const std::string& caps) {
    auto c = std::make_unique<IrcClient>(server.irc_port());
    c->send_line("CAP LS 302");
    c->send_line("CAP REQ :" + caps);
    c->send_line("NICK " + nick);
    c->send_line("USER " + nick + " 0 * :Real " + nick);
    c->send_line("CAP END");
    const std::string ack = ":" + std::string(irc_server_name) + " CAP * ACK ";
    c->expect([&](std::string_view l) { return l == ack + caps || l == ack + ":" + caps; });
    c->expect([](std::string_view l) {
        return l.starts_with(numeric_prefix(376)) || l.starts_with(numeric_prefix(422));
    });
    return c;
}

void join(IrcClient& c, const std::string& channel) {
    c.send_line("JOIN " + channel);
    c.expect_numeric(366);
}

// Sends `texts` to `channel` and returns their echoes (echo-message) as sent.
Sents say_all(IrcClient& c, const std::string& channel, const std::vector<std::string>& texts) {
    std::string lines;
    for (const std::string& t : texts) {
        lines += "PRIVMSG " + channel + " :" + t + "\r\n";
    }
    c.send(lines);
    Sents out;
    for (const std::string& t : texts) {
        const Seen s = split(c.expect([&](std::string_view l) {
            return l.find(" PRIVMSG " + channel + " :" + t) != std::string_view::npos;
        }));
        REQUIRE(s.tags.count("msgid"));
        REQUIRE(s.tags.count("time"));
        out.push_back({s.tags.at("msgid"), s.tags.at("time"), s.text});
    }
    return out;
}

// Sends `request` and reads its chathistory batch for `channel`: the messages in it.
Sents batch(IrcClient& c, const std::string& request, const std::string& channel) {
    c.send_line(request);
    const std::string open = c.expect([](std::string_view l) {
        return l.find(" BATCH +") != std::string_view::npos ||
               l.find(" FAIL ") != std::string_view::npos;
    });
    INFO(request << " -> " << open);
    const std::string head = ":" + std::string(irc_server_name) + " BATCH +";
    REQUIRE_THAT(open, StartsWith(head));
    const std::string ref = open.substr(head.size(), open.find(' ', head.size()) - head.size());
    REQUIRE(open == head + ref + " chathistory " + channel);
    Sents out;
    for (;;) {
        auto l = c.line();
        REQUIRE(l);
        if (*l == ":" + std::string(irc_server_name) + " BATCH -" + ref) {
            return out;
        }
        Seen s = split(*l);
        CHECK(s.tags["batch"] == ref);
        CHECK(s.rest.find(" PRIVMSG " + channel + " :") != std::string::npos);
        out.push_back({s.tags["msgid"], s.tags["time"], s.text});
    }
}

std::string next_line(Client& c) {
    auto l = c.line();
    return l ? *l : std::string("<no line: timed out or closed>");
}

std::vector<std::string> numbered(const std::string& prefix, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
        out.push_back(prefix + std::to_string(i));
    }
    return out;
}

// Clients in `channel` to ask from, a new one every twenty requests: each client may ask twenty
// times at once, then once a second (the rate limit has a test of its own).
class Askers {
  public:
    Askers(TestServer& server, std::string channel)
        : server_(server), channel_(std::move(channel)) {}
    IrcClient& next() {
        if (!client_ || used_ == 20) {
            client_ = with_caps(server_, "asker" + std::to_string(++made_), all_caps);
            join(*client_, channel_);
            used_ = 0;
        }
        ++used_;
        return *client_;
    }

  private:
    TestServer& server_;
    std::string channel_;
    std::unique_ptr<IrcClient> client_;
    int made_ = 0;
    int used_ = 0;
};

Config chathistory_config(const TempDir* dir) {
    Config c = irc_config();
    c.rate = 0;  // the tests send faster than people type
    c.history = 200;
    c.data_dir = dir != nullptr ? dir->path() : "";  // "": history in memory only
    return c;
}

}  // namespace

TEST_CASE("chathistory: the capability, batch, and the ISUPPORT tokens", "[irc][chathistory]") {
    TestServer server(chathistory_config(nullptr));
    auto c = std::make_unique<IrcClient>(server.irc_port());
    c->send_line("CAP LS 302");
    const std::string ls = c->expect_prefix(":" + std::string(irc_server_name) + " CAP * LS :");
    CHECK(ls.find(" batch ") != std::string::npos);
    CHECK(ls.find(" draft/chathistory ") != std::string::npos);
    c->send_line("CAP REQ :batch draft/chathistory");
    c->expect_line(":" + std::string(irc_server_name) + " CAP * ACK :batch draft/chathistory");
    c->send_line("NICK alice");
    c->send_line("USER alice 0 * :Alice");
    c->send_line("CAP END");
    bool limit = false, types = false;
    for (;;) {
        auto l = c->line();
        REQUIRE(l);
        if (l->starts_with(numeric_prefix(376)) || l->starts_with(numeric_prefix(422))) {
            break;
        }
        if (l->starts_with(numeric_prefix(5))) {
            limit = limit || l->find(" CHATHISTORY=100 ") != std::string::npos;
            types = types || l->find(" MSGREFTYPES=msgid,timestamp ") != std::string::npos;
        }
    }
    CHECK(limit);
    CHECK(types);
    c->send_line("CAP LIST");
    c->expect_line(":" + std::string(irc_server_name) +
                   " CAP alice LIST :batch cap-notify draft/chathistory");
}

TEST_CASE("chathistory: each subcommand, with msgid= and timestamp=", "[irc][chathistory]") {
    const bool stored = GENERATE(true, false);
    INFO((stored ? "with a data directory" : "--data-dir none"));
    TempDir dir;
    TestServer server(chathistory_config(stored ? &dir : nullptr));
    auto alice = with_caps(server, "alice", all_caps);
    join(*alice, "#h");
    const Sents sent = say_all(*alice, "#h", numbered("m", 10));
    const std::string at = "CHATHISTORY ";

    Askers ask(server, "#h");
    // Each replayed message has the msgid and time it was first sent with.
    CHECK(batch(ask.next(), at + "LATEST #h * 100", "#h") == sent);
    CHECK(batch(ask.next(), at + "latest #H * 3", "#h") == slice(sent, 7, 10));
    CHECK(batch(ask.next(), at + "LATEST #h msgid=" + sent[4].msgid + " 100", "#h") ==
          slice(sent, 5, 10));
    CHECK(batch(ask.next(), at + "LATEST #h msgid=" + sent[4].msgid + " 2", "#h") ==
          slice(sent, 8, 10));
    CHECK(batch(ask.next(), at + "BEFORE #h msgid=" + sent[6].msgid + " 100", "#h") ==
          slice(sent, 0, 6));
    CHECK(batch(ask.next(), at + "BEFORE #h msgid=" + sent[6].msgid + " 2", "#h") ==
          slice(sent, 4, 6));
    CHECK(batch(ask.next(), at + "AFTER #h msgid=" + sent[3].msgid + " 3", "#h") ==
          slice(sent, 4, 7));
    CHECK(batch(ask.next(), at + "AROUND #h msgid=" + sent[7].msgid + " 1", "#h") ==
          slice(sent, 7, 8));
    CHECK(batch(ask.next(), at + "AROUND #h msgid=" + sent[7].msgid + " 3", "#h") ==
          slice(sent, 6, 9));
    CHECK(batch(ask.next(),
                at + "BETWEEN #h msgid=" + sent[0].msgid + " msgid=" + sent[9].msgid + " 100",
                "#h") == slice(sent, 1, 9));
    CHECK(batch(ask.next(),
                at + "BETWEEN #h msgid=" + sent[9].msgid + " msgid=" + sent[0].msgid + " 3",
                "#h") == slice(sent, 6, 9));
    CHECK(batch(ask.next(),
                at + "BETWEEN #h msgid=" + sent[0].msgid + " msgid=" + sent[9].msgid + " 3",
                "#h") == slice(sent, 1, 4));

    // By time: the messages strictly after (or before) a message's time. Several may share a
    // millisecond, so what to expect is worked out from the times they were sent with.
    const std::string t = sent[3].time;
    Sents after, before;
    for (const Sent& s : sent) {
        if (s.time > t) {
            after.push_back(s);
        } else if (s.time < t) {
            before.push_back(s);
        }
    }
    CHECK(batch(ask.next(), at + "AFTER #h timestamp=" + t + " 100", "#h") == after);
    CHECK(batch(ask.next(), at + "LATEST #h timestamp=" + t + " 100", "#h") == after);
    CHECK(batch(ask.next(), at + "BEFORE #h timestamp=" + t + " 100", "#h") == before);
    const Sents around = batch(ask.next(), at + "AROUND #h timestamp=" + t + " 3", "#h");
    // Around a moment: from the first message at that moment on (they may share it).
    const Sent first_then =
        *std::find_if(sent.begin(), sent.end(), [&](const Sent& x) { return x.time == t; });
    CHECK(around.size() <= 3);
    CHECK(std::find(around.begin(), around.end(), first_then) != around.end());
    // Times far away: everything, or nothing.
    CHECK(batch(ask.next(), at + "AFTER #h timestamp=2000-01-01T00:00:00.000Z 100", "#h") == sent);
    CHECK(batch(ask.next(), at + "AFTER #h timestamp=2200-01-01T00:00:00.000Z 100", "#h").empty());
    // An empty channel's batch is empty.
    join(*alice, "#empty");
    CHECK(batch(*alice, at + "LATEST #empty * 10", "#empty").empty());

    // Messages from the plain side are kept too, actions as CTCP ACTION.
    auto bob = Client::join(server.port(), "bob");
    bob->say("/join #h");
    bob->expect_prefix("--- Members of #h ");
    bob->say("from the plain side");
    bob->say("/me waves");
    bob->sync();
    const Sents plain = batch(*alice, at + "LATEST #h * 2", "#h");
    REQUIRE(plain.size() == 2);
    CHECK(plain[0].text == "from the plain side");
    CHECK(plain[1].text ==
          "\x01"
          "ACTION waves\x01");
    CHECK(
        alice->has_seen_containing(" :bob!plain@127.0.0.1 PRIVMSG #h :\x01"
                                   "ACTION waves\x01"));
}

TEST_CASE("chathistory: a request is cut to 100 messages", "[irc][chathistory]") {
    const bool stored = GENERATE(true, false);
    INFO((stored ? "with a data directory" : "--data-dir none"));
    TempDir dir;
    TestServer server(chathistory_config(stored ? &dir : nullptr));
    auto alice = with_caps(server, "alice", all_caps);
    join(*alice, "#h");
    const Sents sent = say_all(*alice, "#h", numbered("n", 130));
    CHECK(batch(*alice, "CHATHISTORY LATEST #h * 1000", "#h") == slice(sent, 30, 130));
    CHECK(batch(*alice, "CHATHISTORY AFTER #h msgid=" + sent[0].msgid + " 99999999999999999999",
                "#h") == slice(sent, 1, 101));
}

TEST_CASE("chathistory: without batch and tags, the messages alone", "[irc][chathistory]") {
    TestServer server(chathistory_config(nullptr));
    auto alice = with_caps(server, "alice", "draft/chathistory");
    join(*alice, "#h");
    alice->send_line("PRIVMSG #h :one");
    alice->send_line("PRIVMSG #h :two");
    alice->send_line("CHATHISTORY LATEST #h * 5");
    CHECK(next_line(*alice) == ":alice!~alice@127.0.0.1 PRIVMSG #h :one");
    CHECK(next_line(*alice) == ":alice!~alice@127.0.0.1 PRIVMSG #h :two");
    // No batch at all, and nothing else before the next reply.
    alice->send_line("PING :after");
    CHECK(next_line(*alice) ==
          ":" + std::string(irc_server_name) + " PONG " + std::string(irc_server_name) + " after");
    // With batch and server-time but not message-tags: no msgid.
    auto bob = with_caps(server, "bob", "batch server-time");
    join(*bob, "#h");
    bob->send_line("CHATHISTORY LATEST #h * 1");
    CHECK_THAT(next_line(*bob), StartsWith(":" + std::string(irc_server_name) + " BATCH +"));
    const Seen one = split(next_line(*bob));
    CHECK(one.tags.count("batch") == 1);
    CHECK(one.tags.count("time") == 1);
    CHECK(one.tags.count("msgid") == 0);
    CHECK(one.rest == ":alice!~alice@127.0.0.1 PRIVMSG #h :two");
}

TEST_CASE("chathistory: bad requests get FAIL and change nothing", "[irc][chathistory]") {
    TestServer server(chathistory_config(nullptr));
    auto alice = with_caps(server, "alice", all_caps);
    join(*alice, "#h");
    auto bob = with_caps(server, "bob", all_caps);
    join(*bob, "#elsewhere");
    bob->send_line("PRIVMSG #elsewhere :private to #elsewhere");
    bob->sync();
    const std::string fail = ":" + std::string(irc_server_name) + " FAIL CHATHISTORY ";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"CHATHISTORY", numeric_prefix(461) + "alice CHATHISTORY :Not enough parameters"},
        {"CHATHISTORY SOMETIME #h * 5", fail + "INVALID_PARAMS SOMETIME :Unknown command"},
        {"CHATHISTORY LATEST #h *", fail + "INVALID_PARAMS LATEST :Insufficient parameters"},
        {"CHATHISTORY BETWEEN #h msgid=1-1 5",
         fail + "INVALID_PARAMS BETWEEN :Insufficient parameters"},
        {"CHATHISTORY LATEST #h * 5 6", fail + "INVALID_PARAMS LATEST :Too many parameters"},
        {"CHATHISTORY BEFORE #h * 5",
         fail + "INVALID_PARAMS BEFORE * :Invalid message reference: * (LATEST only), msgid= or "
                "timestamp="},
        {"CHATHISTORY AFTER #h timestamp=yesterday 5",
         fail + "INVALID_PARAMS AFTER timestamp=yesterday :Invalid message reference: * (LATEST "
                "only), msgid= or timestamp="},
        {"CHATHISTORY BEFORE #h msgid=nothing-of-ours 5",
         fail + "INVALID_PARAMS BEFORE msgid=nothing-of-ours :Invalid message reference: * "
                "(LATEST only), msgid= or timestamp="},
        {"CHATHISTORY LATEST #h * 0", fail + "INVALID_PARAMS LATEST 0 :Invalid limit"},
        {"CHATHISTORY LATEST #h * many", fail + "INVALID_PARAMS LATEST many :Invalid limit"},
        {"CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00.000Z "
         "timestamp=2030-01-01T00:00:00.000Z 10",
         fail + "INVALID_PARAMS TARGETS :TARGETS is not supported: private messages are not kept"},
        // A channel the client is not in, one that does not exist, a nickname: all alike.
        {"CHATHISTORY LATEST #elsewhere * 5",
         fail + "INVALID_TARGET LATEST #elsewhere :Messages could not be retrieved"},
        {"CHATHISTORY LATEST #nowhere * 5",
         fail + "INVALID_TARGET LATEST #nowhere :Messages could not be retrieved"},
        {"CHATHISTORY LATEST bob * 5",
         fail + "INVALID_TARGET LATEST bob :Messages could not be retrieved"},
    };
    for (const auto& [request, reply] : cases) {
        INFO(request);
        alice->send_line(request);
        CHECK(next_line(*alice) == reply);
    }
    // Nothing of #elsewhere reached alice, and she is still in #h and only there.
    alice->sync();
    for (const std::string& l : alice->seen()) {
        CHECK(l.find("private to #elsewhere") == std::string::npos);
    }
    alice->send_line("PRIVMSG #h :still here");
    alice->expect_suffix(" PRIVMSG #h :still here");
    // Before registration: 451, as every other command.
    IrcClient early(server.irc_port());
    early.send_line("CHATHISTORY LATEST #h * 5");
    CHECK(next_line(early) == numeric_prefix(451) + "* :You have not registered");
}

TEST_CASE("chathistory: rate-limited per client, as /history is", "[irc][chathistory]") {
    const bool stored = GENERATE(true, false);
    INFO((stored ? "with a data directory" : "--data-dir none"));
    TempDir dir;
    TestServer server(chathistory_config(stored ? &dir : nullptr));
    auto alice = with_caps(server, "alice", all_caps);
    join(*alice, "#h");
    say_all(*alice, "#h", {"only"});
    // Thirty in one write: twenty at once are allowed, then one a second.
    std::string lines;
    for (int i = 0; i < 30; ++i) {
        lines += "CHATHISTORY LATEST #h * 5\r\n";
    }
    alice->send(lines);
    // Refusals come at once; answers from the store after them. Thirty outcomes in all.
    const std::string refusal = ":" + std::string(irc_server_name) +
                                " FAIL CHATHISTORY MESSAGE_ERROR LATEST #h :Too many history "
                                "requests: at most one a second after twenty";
    std::size_t batches = 0, refused = 0;
    while (batches + refused < 30) {
        const std::string l = alice->expect([&](std::string_view l) {
            return l.find(" BATCH +") != std::string_view::npos ||
                   l.find(" FAIL ") != std::string_view::npos;
        });
        batches += l.find(" BATCH +") != std::string::npos ? 1 : 0;
        refused += l == refusal ? 1 : 0;
    }
    CHECK(batches + refused == 30);
    CHECK(batches >= 20);
    CHECK(refused >= 1);
    // Refusals end nothing: the client is still there.
    alice->send_line("PRIVMSG #h :still here");
    alice->expect_suffix(" PRIVMSG #h :still here");
}

TEST_CASE("chathistory: messages keep their msgid and time across a restart",
          "[irc][chathistory][history]") {
    TempDir dir;
    Sents sent;
    {
        TestServer server(chathistory_config(&dir));
        auto alice = with_caps(server, "alice", all_caps);
        join(*alice, "#kept");
        sent = say_all(*alice, "#kept", {"before", "the", "restart"});
        alice->sync();
    }
    TestServer server(chathistory_config(&dir));
    auto alice = with_caps(server, "alice", all_caps);
    join(*alice, "#kept");
    CHECK(batch(*alice, "CHATHISTORY LATEST #kept * 10", "#kept") == sent);
    CHECK(batch(*alice, "CHATHISTORY BEFORE #kept msgid=" + sent[2].msgid + " 10", "#kept") ==
          slice(sent, 0, 2));
    // New messages come after the stored ones, with msgids of their own.
    const Sents later = say_all(*alice, "#kept", {"after"});
    CHECK(later[0].msgid != sent[2].msgid);
    CHECK(batch(*alice, "CHATHISTORY AFTER #kept msgid=" + sent[2].msgid + " 10", "#kept") ==
          later);
}
