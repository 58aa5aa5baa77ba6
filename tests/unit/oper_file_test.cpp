// The operator file's lines (--oper-file), parsed without a file.

#include <catch2/catch.hpp>

#include "server/oper_file.hpp"

namespace {

const std::string hash = "$y$j9T$abcdefghijklmnop$0123456789012345678901234567890123456789012";

}  // namespace

TEST_CASE("an oper file: NAME:HASH lines, comments, blank lines and CRLF", "[options][oper]") {
    const auto parsed = parley::parse_oper_lines("# the operators\n\n  admin:" + hash +
                                                 "  \r\n\t# off:" + hash + "\nroot:" + hash);
    REQUIRE(std::holds_alternative<std::vector<parley::Oper>>(parsed));
    const auto& opers = std::get<std::vector<parley::Oper>>(parsed);
    REQUIRE(opers.size() == 2);
    CHECK(opers[0].name == "admin");
    CHECK(opers[0].hash == hash);
    CHECK(opers[1].name == "root");
    CHECK(std::get<std::vector<parley::Oper>>(parley::parse_oper_lines("")).empty());
}

TEST_CASE("an oper file's bad line is named, and a plain password refused", "[options][oper]") {
    using parley::parse_oper_lines;
    CHECK(std::get<std::string>(parse_oper_lines("admin:" + hash + "\nadmin\n")) ==
          "line 2: expected NAME:HASH");
    CHECK(std::get<std::string>(parse_oper_lines(":" + hash)) == "line 1: expected NAME:HASH");
    CHECK(std::get<std::string>(parse_oper_lines("ad min:" + hash)) ==
          "line 1: expected NAME:HASH");
    CHECK(std::get<std::string>(parse_oper_lines("# x\nadmin:hunter2\n")) ==
          "line 2: the password must be a hash from parley-server --hash-password, not the "
          "password itself");
    // DES and MD5 crypt are too weak to accept.
    CHECK(std::holds_alternative<std::string>(
        parse_oper_lines("admin:$1$salt$abcdefghijklmnopqrstuv")));
}
