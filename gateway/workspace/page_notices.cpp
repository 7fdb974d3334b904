#include "gateway/workspace/page_notices.h"

#include <array>

#include "gateway/workspace/workspace_pages.h"

namespace ketenpoort::workspace {

namespace {

// "sent": where the compose pages send a person after a message left (compose_pages.h).
constexpr std::array<std::string_view, 4> kSuccess = {"status_saved", "recalled", "sent",
                                                      "nothing_changed"};
constexpr std::array<std::string_view, 13> kErrors = {
    "form_expired",    "gateway_unavailable", "no_gateway_link",   "not_allowed",
    "not_found",       "error_transition",    "error_reason_code", "error_reason_required",
    "error_gone",      "error_gateway",       "error_unreadable",  "error_invalid_input",
    "error_attachment"};

template <std::size_t N>
bool In(const std::array<std::string_view, N>& keys, std::string_view key) {
  for (std::string_view k : keys) {
    if (k == key)
      return true;
  }
  return false;
}

}  // namespace

std::string_view NoticeFor(const Error& e) {
  if (e.code == "invalid_transition")
    return "error_transition";
  if (e.code == "reason_code_required" || e.code == "invalid_code")
    return "error_reason_code";
  if (e.code == "reason_required")
    return "error_reason_required";
  switch (e.kind) {
    case ErrorKind::kUnavailable:
      return "gateway_unavailable";
    case ErrorKind::kPermissionDenied:
      return "not_allowed";
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kGone:
      return "error_gone";
    case ErrorKind::kConflict:
      return "error_transition";
    case ErrorKind::kInvalidArgument:
    case ErrorKind::kTooLarge:
      return "error_invalid_input";
    case ErrorKind::kRefused:
      return e.code == "not_a_recipient" ? "not_allowed" : "error_invalid_input";
    case ErrorKind::kUnauthenticated:
    case ErrorKind::kRateLimited:
    case ErrorKind::kInternal:
      return "error_gateway";
  }
  return "error_gateway";
}

bool IsKnownNotice(std::string_view key) {
  return In(kSuccess, key) || In(kErrors, key);
}

bool IsSuccessNotice(std::string_view key) {
  return In(kSuccess, key);
}

std::string NoticeHtml(api::Lang lang, std::string_view key) {
  std::string out = "<div id=\"status\" aria-live=\"polite\">";
  if (!key.empty() && IsKnownNotice(key)) {
    out += "<p id=\"notice\" role=\"alert\" class=\"" +
           std::string(IsSuccessNotice(key) ? "ok" : "error") + "\" data-notice=\"" +
           api::HtmlEscape(key) + "\">" + api::HtmlEscape(Text(lang, key)) + "</p>";
  }
  return out + "</div>";
}

}  // namespace ketenpoort::workspace
