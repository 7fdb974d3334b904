// Passwords of people (the workspace's staff accounts): made at random, stored only as an
// Argon2id hash (RFC 9106) in the PHC string format, checked against that hash. The Argon2
// arithmetic is Debian's libargon2 (the reference implementation); the salt and the generated
// passwords come from OpenSSL's DRBG (random.h).
//
//   // (compiled in examples_test.cpp)
//   std::string password = NewPassword();           // "k7hq2-mxv9w-..." shown once, never kept
//   KP_ASSIGN_OR_RETURN(std::string stored, HashPassword(password, PasswordCost{}));
//   // stored: "$argon2id$v=19$m=65536,t=3,p=1$SALT$HASH", safe to keep in the database
//   if (!VerifyPassword(stored, typed)) return WrongCredentials();
//
// Cost: PasswordCost{} is t=3 passes over m=64 MiB with p=1 lane (the second recommendation of
// RFC 9106 section 4, for memory-constrained use; OWASP's minimum is m=19 MiB, t=2). One hash
// or one check took 125 to 132 ms on one core of the 2-core development machine when it was
// quiet, 306 to 381 ms with other builds running (load average 6.5; docs/BENCHMARKS.md), so a
// guess costs an attacker with the database the same, and each login holds 64 MiB for that
// long. Each hash records its own cost, so VerifyPassword checks old hashes after the cost
// changed. kMinimumPasswordCost (t=1, m=8 MiB) is the floor a config may choose; it is meant
// only for throwaway demo accounts whose passwords are written beside them anyway.
//
// Contract: HashPassword uses a fresh 16-byte salt each time (two hashes of one password
// differ) and a 32-byte tag; a password longer than kMaxPasswordBytes or a cost outside
// [kMinimumPasswordCost, kMaximumPasswordCost] is kInvalidArgument (`password_too_long`,
// `password_cost_invalid`); libargon2 failing (out of memory) is kInternal
// `password_hash_failed`. VerifyPassword is false for a wrong password, a malformed or
// non-argon2id hash, or a password longer than kMaxPasswordBytes; the tag comparison is
// libargon2's, in constant time. Nothing here logs; never log a password or a hash.
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/error.h"

namespace ketenpoort::crypto {

struct PasswordCost {
  std::uint32_t time_cost = 3;       // passes over memory
  std::uint32_t memory_kib = 65536;  // 64 MiB
  std::uint32_t parallelism = 1;     // lanes (and threads)
};

inline constexpr PasswordCost kMinimumPasswordCost{1, 8192, 1};
inline constexpr PasswordCost kMaximumPasswordCost{10, 1048576, 4};
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// A new random password: 20 characters from 31 lower-case letters and digits that cannot be
// mistaken for one another (no i, l, o, 0, 1), in four groups of five joined by '-': 99 random
// bits.
std::string NewPassword();

// The PHC string of `password` under a fresh salt.
Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost);

// True when `password` is the one `encoded` (a HashPassword result) was made from.
bool VerifyPassword(std::string_view encoded, std::string_view password);

}  // namespace ketenpoort::crypto
