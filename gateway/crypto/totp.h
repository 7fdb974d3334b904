// TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps from the Unix epoch) for the
// secure-mail verification `account`: a person's authenticator app and the gateway share a
// secret; the app shows a code per time step, the gateway checks it. The HOTP/TOTP arithmetic
// and base32 are liboath's (OATH Toolkit); the secret's randomness is OpenSSL's (random.h).
//
//   // (compiled in examples_test.cpp)
//   Bytes secret = NewTotpSecret();                       // 20 bytes, stored encrypted at rest
//   std::string key = TotpSecretBase32(secret);           // "GEZDGNBV..." for typing by hand
//   std::string uri = OtpAuthUri("Ketenpoort", "a@example.org", secret);   // for the QR code
//   std::optional<std::int64_t> step = MatchTotp(secret, "287082", now_s, account.last_step);
//   if (!step) return WrongCode();                       // wrong, malformed, stale or replayed
//   repo.SetLastStep(email, *step);                      // the same code never works twice
//
// Contract of MatchTotp: `code` must be exactly 6 ASCII digits; it is accepted when it is the
// code of time step now-1, now or now+1 (now = unix_seconds / 30), i.e. up to 30 s of clock
// drift either way, and only for a step greater than `last_used_step`, so a code (or an older
// one) that was accepted once is refused afterwards. It returns the step that matched, which
// the caller stores as the new last used step; nullopt for a wrong code, a malformed code, a
// replayed or older step, an empty secret or a negative time. Codes are compared in constant
// time. (Should a code happen to be the code of two steps in the window, the first liboath
// finds wins; if that step was already used the code is refused: a refusal, never a false
// acceptance.) A fresh account uses last_used_step 0.
//
// Threads: all functions are safe to call concurrently (liboath is initialised once, with
// std::call_once). Nothing here logs; never log a secret, a key or a code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/bytes.h"

namespace ketenpoort::crypto {

inline constexpr std::size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226's recommendation
inline constexpr std::int64_t kTotpStepSeconds = 30;
inline constexpr int kTotpDigits = 6;

// A new random TOTP secret of kTotpSecretBytes bytes.
Bytes NewTotpSecret();

// `secret` in base32 (RFC 4648, upper case, without '=' padding), the form authenticator apps
// accept for a key typed by hand. 20 bytes give 32 characters.
std::string TotpSecretBase32(ByteView secret);

// The Key URI an authenticator app reads from a QR code:
//   otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
// `issuer` and `account` are percent-encoded (RFC 3986): everything but letters, digits,
// "-._~" and "@" becomes %XX, so "ACME Co" is "ACME%20Co" and a ':' inside either is "%3A".
std::string OtpAuthUri(std::string_view issuer, std::string_view account, ByteView secret);

// The time step `code` belongs to, if it is acceptable at `unix_seconds` after
// `last_used_step`; see the contract above.
std::optional<std::int64_t> MatchTotp(ByteView secret, std::string_view code,
                                      std::int64_t unix_seconds, std::int64_t last_used_step);

}  // namespace ketenpoort::crypto
