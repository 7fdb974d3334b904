// Hex and base64 (standard and URL-safe) through OpenSSL's encoders.
//
//   // (compiled in examples_test.cpp)
//   HexEncode(Bytes{0xab, 0x01})          == "ab01"
//   HexDecode("AB01")                      -> Bytes{0xab, 0x01}
//   Base64Decode("not base64!")            -> Error{kInvalidArgument, "invalid_base64"}
#pragma once

#include <string>
#include <string_view>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"

namespace ketenpoort::crypto {

// The value of one hex digit (either case), or -1.
int HexDigitValue(char c);

std::string HexEncode(ByteView data);           // lower case
Result<Bytes> HexDecode(std::string_view hex);  // either case; odd length or non-hex: error

std::string Base64Encode(ByteView data);            // RFC 4648 section 4, padded, no newlines
Result<Bytes> Base64Decode(std::string_view text);  // strict: no whitespace, correct padding

std::string Base64UrlEncode(ByteView data);  // RFC 4648 section 5, unpadded
Result<Bytes> Base64UrlDecode(std::string_view text);

}  // namespace ketenpoort::crypto
