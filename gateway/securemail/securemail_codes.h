// The secrets of secure mail: link tokens, session ids, one-time codes and access codes, and
// how each is kept (as a hash only) and checked (in constant time).
//
//   // (compiled in examples_test.cpp)
//   std::string token = NewLinkToken();             // 256 random bits, base64url: the /m/TOKEN
//   Bytes token_hash = SecretHash(token);           // SHA-256: what the database keeps
//   std::string code = NewNumericCode(6);           // "048213", uniform digits
//   Bytes stored = HashCode(code);                  // salt || PBKDF2-HMAC-SHA256
//   CodeMatches(stored, "048213") == true           // CRYPTO_memcmp
//   VerificationLevel("sms") == 3                   // email_code 1, access_code 2, sms and
//                                                   // account (TOTP app) 3; unknown 0
//
// Random tokens carry 256 bits, so a fast hash suffices; codes are short (and access codes are
// chosen by people), so they get a salted, slow KDF (PBKDF2-HMAC-SHA256, kCodeIterations) from
// OpenSSL. Hash lengths are fixed; a stored value of another length never matches.
#pragma once

#include <string>
#include <string_view>

#include "gateway/core/bytes.h"

namespace ketenpoort::server {

inline constexpr int kCodeIterations = 100000;

std::string NewLinkToken();
Bytes SecretHash(std::string_view secret);
std::string NewNumericCode(int digits);
Bytes HashCode(std::string_view code);
bool CodeMatches(ByteView stored, std::string_view code);

// 1 email_code, 2 access_code, 3 sms; 0 for anything else.
int VerificationLevel(std::string_view method);

}  // namespace ketenpoort::server
