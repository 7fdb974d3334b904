#include "gateway/api/cookies_and_forms.h"

#include "gateway/api/url.h"

namespace ketenpoort::api {

std::string CookieValue(const Request& req, std::string_view name) {
  auto header = req.Header("Cookie");
  if (!header)
    return {};
  std::string_view rest = *header;
  while (!rest.empty()) {
    auto semi = rest.find(';');
    std::string_view part = TrimHttpWhitespace(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
  }
  return {};
}

namespace {

Status CheckFormType(const Request& req) {
  auto type = req.Header("Content-Type").value_or("");
  if (type.rfind("application/x-www-form-urlencoded", 0) != 0)
    return InvalidArgument("unsupported_media_type", "expected a form", "Content-Type");
  return Ok();
}

}  // namespace

Result<std::map<std::string, std::string>> FormFields(const Request& req) {
  KP_RETURN_IF_ERROR(CheckFormType(req));
  return ParseQuery(req.body);
}

Result<std::map<std::string, std::vector<std::string>>> FormFieldLists(const Request& req) {
  KP_RETURN_IF_ERROR(CheckFormType(req));
  return ParseQueryLists(req.body);
}

}  // namespace ketenpoort::api
