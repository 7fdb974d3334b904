#include "gateway/core/reason_text.h"

#include <algorithm>

namespace ketenpoort {

Status CheckReasonText(std::string_view text, const std::string& field, bool required) {
  const bool control = std::any_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if ((text.empty() && required) || text.size() > kMaxReasonBytes || control) {
    return InvalidArgument("invalid_reason",
                           std::string(required ? "must be 1 to 500" : "must be at most 500") +
                               " bytes of text without control characters",
                           field);
  }
  return Ok();
}

}  // namespace ketenpoort
