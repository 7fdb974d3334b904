#include "gateway/core/pseudonym.h"

#include <algorithm>

namespace ketenpoort {

namespace {
constexpr std::size_t kMaxClientNumberBytes = 64;
}  // namespace

bool IsPseudonym(std::string_view text) {
  return text.size() == kPseudonymHexDigits && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Status CheckClientNumber(std::string_view number) {
  bool printable =
      std::all_of(number.begin(), number.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (number.empty() || number.size() > kMaxClientNumberBytes || !printable) {
    return InvalidArgument("invalid_client_number",
                           "a client number is 1 to 64 letters, digits or punctuation, without "
                           "spaces",
                           "client");
  }
  return Ok();
}

}  // namespace ketenpoort
