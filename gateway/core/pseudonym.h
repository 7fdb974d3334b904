// Client pseudonyms (docs/DESIGN.md, data minimisation). A client is never named in a message:
// its `subject_ref` is the sending organisation's pseudonym for it, HMAC-SHA-256 of the
// organisation's own client number under a secret that never leaves the organisation
// (crypto::Keyring::Pseudonym makes it; `ketenpoort pseudonym` prints it). The gateway accepts
// only that form, so a name or a birth date typed into the field is refused.
//
//   // (compiled in examples_test.cpp)
//   IsPseudonym(std::string(64, 'f'))            // 64 lower-case hex digits: true
//   IsPseudonym("jan.jansen-1990-05-04")        // false
//   CheckClientNumber("2026-0042")               // ok
//   CheckClientNumber("")                        // 400 invalid_client_number
#pragma once

#include <cstddef>
#include <string_view>

#include "gateway/core/error.h"

namespace ketenpoort {

// The length of a pseudonym: the hex form of a SHA-256 HMAC.
inline constexpr std::size_t kPseudonymHexDigits = 64;

// Exactly kPseudonymHexDigits of [0-9a-f].
bool IsPseudonym(std::string_view text);

// A client number as an organisation's own records have it: 1 to 64 bytes of printable ASCII
// without spaces (letters, digits, punctuation). Anything else is 400 "invalid_client_number"
// with field "client": the number is never repeated in the message, which may be read by
// someone who should not see it.
Status CheckClientNumber(std::string_view number);

}  // namespace ketenpoort
