// Fuzzes the operator file (--oper-file): parse_oper_lines (server/oper_file.cpp) on the file's
// text. Checks, beyond crashes, leaks, hangs and sanitizer reports:
// - no exception escapes: a bad file is an error message naming its line;
// - every operator it accepts has a name without ':' or blanks, and a hash of a strong method
//   (looks_hashed), never a plain-text password;
// - no more operators than the text has lines.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/oper_file.hpp"
#include "server/password.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = parley::parse_oper_lines(text);
    if (const auto* why = std::get_if<std::string>(&parsed)) {
        FUZZ_CHECK(why->starts_with("line "));
        return 0;
    }
    const auto& opers = std::get<std::vector<parley::Oper>>(parsed);
    FUZZ_CHECK(opers.size() <=
               static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
    for (const parley::Oper& oper : opers) {
        FUZZ_CHECK(!oper.name.empty());
        FUZZ_CHECK(oper.name.find_first_of(": \t") == std::string::npos);
        FUZZ_CHECK(parley::looks_hashed(oper.hash));
    }
    return 0;
}
