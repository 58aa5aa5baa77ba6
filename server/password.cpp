#include "server/password.hpp"

#include <crypt.h>
#include <string.h>  // explicit_bzero

#include <openssl/crypto.h>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace parley {

namespace {

// libcrypt's work area, about 32 KiB: on the heap, zeroed before use as crypt_rn asks, and
// wiped after, since it held the password and what was derived from it.
struct CryptArea {
    std::unique_ptr<crypt_data> data = std::make_unique<crypt_data>();
    CryptArea() = default;
    CryptArea(const CryptArea&) = delete;
    CryptArea& operator=(const CryptArea&) = delete;
    ~CryptArea() { explicit_bzero(data.get(), sizeof *data); }
};

// The password as crypt wants it, NUL-terminated, wiped when done.
struct Phrase {
    std::string text;
    explicit Phrase(std::string_view p) : text(p) {}
    Phrase(const Phrase&) = delete;
    Phrase& operator=(const Phrase&) = delete;
    ~Phrase() { explicit_bzero(text.data(), text.size()); }
};

bool has_nul(std::string_view s) {
    return s.find('\0') != std::string_view::npos;
}

bool crypt_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '/' || c == '=';  // '=' for SHA-512-crypt's "rounds=N"
}

}  // namespace

std::string hash_password(std::string_view password) {
    if (has_nul(password)) {
        throw std::invalid_argument("a password cannot contain a NUL byte");
    }
    // A yescrypt setting at libcrypt's default cost, salted from the kernel's random source.
    errno = 0;
    std::unique_ptr<char, decltype(&std::free)> setting(crypt_gensalt_ra("$y$", 0, nullptr, 0),
                                                        &std::free);
    if (!setting) {
        throw std::runtime_error(std::string("cannot make a password salt: ") +
                                 (errno != 0 ? strerror(errno) : "libcrypt failed"));
    }
    Phrase phrase(password);
    CryptArea area;
    errno = 0;
    const char* out =
        crypt_rn(phrase.text.c_str(), setting.get(), area.data.get(), sizeof *area.data);
    if (out == nullptr) {
        throw std::runtime_error(std::string("cannot hash the password: ") +
                                 (errno != 0 ? strerror(errno) : "libcrypt failed"));
    }
    return out;
}

bool verify_password(std::string_view password, const std::string& hash) {
    if (has_nul(password) || hash.empty()) {
        return false;
    }
    Phrase phrase(password);
    CryptArea area;
    // The hash is its own setting: crypt takes the method, cost and salt from it.
    const char* out =
        crypt_rn(phrase.text.c_str(), hash.c_str(), area.data.get(), sizeof *area.data);
    if (out == nullptr) {
        return false;  // not a hash libcrypt knows
    }
    // A hash's length is no secret (the format fixes it); its bytes are compared in constant
    // time, so the time taken says nothing of how much of a guessed hash was right.
    const std::size_t n = strlen(out);
    return n == hash.size() && CRYPTO_memcmp(out, hash.data(), n) == 0;
}

bool looks_hashed(std::string_view text) {
    // Each accepted method and how many '$'-separated fields follow its prefix: cost
    // parameters, salt, hash (SHA-512-crypt may add "rounds=N").
    struct Method {
        std::string_view prefix;
        std::size_t fields;
    };
    static constexpr std::array<Method, 5> methods{{
        {"$y$", 3},   // yescrypt: params$salt$hash
        {"$gy$", 3},  // gost-yescrypt: params$salt$hash
        {"$7$", 2},   // scrypt: params+salt$hash
        {"$2b$", 2},  // bcrypt: cost$salt+hash
        {"$6$", 2},   // SHA-512-crypt: [rounds=N$]salt$hash
    }};
    for (const Method& m : methods) {
        if (!text.starts_with(m.prefix)) {
            continue;
        }
        std::string_view rest = text.substr(m.prefix.size());
        std::size_t fields = 1;
        for (char c : rest) {
            if (c == '$') {
                ++fields;
            } else if (!crypt_char(c)) {
                return false;
            }
        }
        const bool shaped = !rest.empty() && rest.front() != '$' && rest.back() != '$' &&
                            rest.find("$$") == std::string_view::npos &&
                            (fields == m.fields || (m.prefix == "$6$" && fields == 3));
        // And libcrypt knows and allows the method.
        return shaped && crypt_checksalt(std::string(text).c_str()) == CRYPT_SALT_OK;
    }
    return false;
}

}  // namespace parley
