#include "gateway/api/http_types.h"

#include "gateway/api/http_status.h"

#include <algorithm>
#include <future>
#include <memory>

namespace ketenpoort::api {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  CaseInsensitiveLess less;
  return !less(a, b) && !less(b, a);
}

std::string_view TrimHttpWhitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

namespace {

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return Lower(x) < Lower(y); });
}

std::optional<std::string> Request::Header(std::string_view name) const {
  auto it = headers.find(name);
  if (it == headers.end())
    return std::nullopt;
  return it->second;
}

Response Response::Json(int status, const nlohmann::json& value) {
  Response r;
  r.status = status;
  r.body = value.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::FromError(const Error& error) {
  nlohmann::json inner = {{"code", error.code}, {"message", error.message}};
  if (!error.field.empty())
    inner["field"] = error.field;
  Response r = Json(HttpStatus(error.kind), {{"error", std::move(inner)}});
  if (error.kind == ErrorKind::kUnauthenticated) {
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ketenpoort\"");
  }
  return r;
}

Response Response::Later(std::function<void(Completion)> start) {
  Response r;
  r.deferred = std::move(start);
  return r;
}

Response Response::OnWorker(std::function<Response()> work) {
  Response r;
  r.blocking = std::move(work);
  return r;
}

Response Response::Wait(Response response) {
  if (response.blocking) {
    std::function<Response()> work = std::move(response.blocking);
    response = work();
    if (response.blocking) {  // handed on twice: a programming error, a 500 as from the server
      return FromError(
          Internal("internal_error", "the server failed to handle this request; see its log"));
    }
  }
  if (!response.deferred)
    return response;
  auto done = std::make_shared<std::promise<Response>>();
  std::future<Response> result = done->get_future();
  response.deferred([done](Response r) { done->set_value(std::move(r)); });
  return result.get();
}

}  // namespace ketenpoort::api
