#pragma once
// Hashing and comparison of names ignoring ASCII case (names.hpp's folding), for containers
// keyed by a name as it was given: they find "Alice" under "ALICE" without building a folded
// copy, so a lookup or an erase never allocates. That keeps the release of a nickname or a room
// free of anything that could throw.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace parley {

constexpr char fold_char(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

struct FoldedHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        std::uint64_t h = 14695981039346656037ull;  // FNV-1a
        for (char c : s) {
            h = (h ^ static_cast<unsigned char>(fold_char(c))) * 1099511628211ull;
        }
        return static_cast<std::size_t>(h);
    }
};

struct FoldedEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept {
        return a.size() == b.size() &&
               std::equal(a.begin(), a.end(), b.begin(),
                          [](char x, char y) { return fold_char(x) == fold_char(y); });
    }
};

struct FoldedLess {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                            [](char x, char y) {
                                                return static_cast<unsigned char>(fold_char(x)) <
                                                       static_cast<unsigned char>(fold_char(y));
                                            });
    }
};

}  // namespace parley
