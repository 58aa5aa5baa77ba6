#pragma once
// Operator passwords, stored only as crypt(3) hashes: the server's command line and config
// hold `--oper NAME:HASH`, never the password itself.
//
// Hashing is libcrypt's yescrypt with a random salt ("$y$..."): deliberately slow, about 25 ms
// of CPU per hash or check on a 2-core machine, so whoever calls verify_password() on the
// server's thread should let a client try only now and then.

#include <string>
#include <string_view>

namespace parley {

// The yescrypt hash of `password`, with a fresh random salt: "$y$j9T$<salt>$<hash>". Throws
// std::invalid_argument if the password holds a NUL byte (crypt would ignore what follows it),
// std::runtime_error if libcrypt fails (no randomness, say).
std::string hash_password(std::string_view password);

// Whether `password` is the one `hash` was made from. The hash may be any format libcrypt
// checks (looks_hashed() lists those the server accepts). False for a malformed hash, and for
// a password holding a NUL byte. The final comparison takes the same time wherever the
// outputs differ.
bool verify_password(std::string_view password, const std::string& hash);

// Whether `text` has the shape of a crypt hash of a strong method: yescrypt ($y$), gost-yescrypt
// ($gy$), scrypt ($7$), bcrypt ($2b$) or SHA-512-crypt ($6$), with its salt and hash. So the
// server can refuse `--oper NAME:PASSWORD` with a plain-text password, and weak methods (DES,
// MD5) as well.
bool looks_hashed(std::string_view text);

}  // namespace parley
