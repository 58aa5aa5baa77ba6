// Operator password hashes: yescrypt through libcrypt.

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "server/password.hpp"

using namespace parley;

TEST_CASE("password: a hash verifies its password and no other", "[password]") {
    const std::string hash = hash_password("correct horse battery staple");
    CHECK(hash.starts_with("$y$"));
    CHECK(looks_hashed(hash));
    CHECK(verify_password("correct horse battery staple", hash));
    CHECK_FALSE(verify_password("correct horse battery stapl", hash));
    CHECK_FALSE(verify_password("correct horse battery staple ", hash));
    CHECK_FALSE(verify_password("", hash));
    // What follows a NUL would be ignored by crypt: such a password never matches.
    CHECK_FALSE(verify_password(std::string("correct horse battery staple\0x", 30), hash));
}

TEST_CASE("password: two hashes of one password differ (salted)", "[password]") {
    const std::string a = hash_password("hunter2");
    const std::string b = hash_password("hunter2");
    CHECK(a != b);
    CHECK(verify_password("hunter2", a));
    CHECK(verify_password("hunter2", b));
}

TEST_CASE("password: hashes made by other tools verify", "[password]") {
    // `openssl passwd -6 -salt saltsalt parley`: OpenSSL's own SHA-512-crypt.
    const std::string sha512 =
        "$6$saltsalt$g9GxPRAmbfEcx.O6l6Wh/xjJi5/3rtlisdcwH2H/In676OtW16Oc3KvmGljGnxf/GIr0XvHQMe9"
        "rgvrnYFGTG/";
    CHECK(looks_hashed(sha512));
    CHECK(verify_password("parley", sha512));
    CHECK_FALSE(verify_password("Parley", sha512));
    // bcrypt at the lowest cost, as `mkpasswd -m bcrypt -R 4` would write it.
    const std::string bcrypt = "$2b$04$abcdefghijklmnopqrstuuCl21.HzGHmBQCEAlJyakT/ZxzwEkXam";
    CHECK(looks_hashed(bcrypt));
    CHECK(verify_password("parley", bcrypt));
    CHECK_FALSE(verify_password("parley!", bcrypt));
}

TEST_CASE("password: plain text and weak methods are not taken for hashes", "[password]") {
    CHECK_FALSE(looks_hashed(""));
    CHECK_FALSE(looks_hashed("hunter2"));
    CHECK_FALSE(looks_hashed("$y$"));
    CHECK_FALSE(looks_hashed("$y$j9T$saltonly"));     // a setting, no hash
    CHECK_FALSE(looks_hashed("$y$j9T$salt$"));        // an empty hash
    CHECK_FALSE(looks_hashed("$y$j9T$salt$hash x"));  // not crypt's alphabet
    CHECK_FALSE(looks_hashed("$1$salt$hash"));        // MD5-crypt: weak
    CHECK_FALSE(looks_hashed("abJnggxhB/yWI"));       // DES: weak
    CHECK_FALSE(looks_hashed("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"));
    CHECK(looks_hashed("$6$rounds=5000$salt$hash"));
    CHECK(looks_hashed("$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"));
    CHECK(looks_hashed("$7$CU..../....salt$hash"));
    CHECK(looks_hashed("$gy$j9T$salt$hash"));
}

TEST_CASE("password: malformed hashes never verify", "[password]") {
    CHECK_FALSE(verify_password("hunter2", ""));
    CHECK_FALSE(verify_password("hunter2", "hunter2"));
    CHECK_FALSE(verify_password("hunter2", "$y$bad"));
    CHECK_THROWS_AS(hash_password(std::string("a\0b", 3)), std::invalid_argument);
}
