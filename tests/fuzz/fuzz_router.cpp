// Fuzzes what the API does with a request before any handler logic: the router (path
// splitting and percent-decoding, route selection, the bearer token check, upload routes and
// their limit), the query string (api::ParseQuery) and JSON bodies (api::ParseJsonBody, then the
// routing fields every message carries, RoutingInputFromJson).
//
// Input: method, path, query, Authorization, Content-Type and Cookie as length-prefixed strings
// (FuzzedDataProvider), the rest is the body. Corpus: tests/fuzz/corpus/router/.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "gateway/api/router.h"
#include "gateway/api/url.h"
#include "gateway/core/routing_rules.h"

namespace {

using ketenpoort::Principal;
using ketenpoort::Result;
using ketenpoort::Role;
using ketenpoort::Status;
using namespace ketenpoort::api;

class CountingSink : public BodySink {
 public:
  Status Write(std::string_view bytes) override {
    bytes_ += bytes.size();
    return {};
  }
  Response Finish() override { return Response::Json(201, {{"bytes", bytes_}}); }

 private:
  std::size_t bytes_ = 0;
};

Response JsonHandler(Request& req) {
  auto body = ParseJsonBody(req);
  if (!body)
    return Response::FromError(body.error());
  auto routing = ketenpoort::RoutingInputFromJson(*body);
  if (!routing)
    return Response::FromError(routing.error());
  return Response::Json(200, *body);
}

const Router& TheRouter() {
  static const Router* router = [] {
    auto* r = new Router();
    r->Add("GET", "/healthz", Access::Public(), [](Request&) {
      return Response::Json(200, {{"status", "ok"}});
    });
    r->Add("POST", "/v1/messages", Access::Roles({Role::kSender}), JsonHandler);
    r->Add("POST", "/v1/routes/resolve", Access::AnyToken(), JsonHandler);
    r->Add("GET", "/v1/messages/{id}", Access::Roles({Role::kRecipient}), [](Request& req) {
      return Response::Json(200, {{"id", req.params.at("id")}});
    });
    r->Add("POST", "/v1/messages/{id}/status", Access::Roles({Role::kRecipient}), JsonHandler);
    r->Add("GET", "/v1/messages/{id}/attachments/{attachment_id}",
           Access::Roles({Role::kRecipient}), [](Request& req) {
             return Response::Json(200, {{"a", req.params.at("attachment_id")}});
           });
    r->Add("GET", "/m/{token}", Access::Public(), [](Request& req) {
      return Response::Json(200, {{"t", req.params.at("token")}});
    });
    r->AddUpload("POST", "/v1/attachments", Access::Roles({Role::kSender}), 4096,
                 [](Request&) -> Result<std::unique_ptr<BodySink>> {
                   return std::unique_ptr<BodySink>(std::make_unique<CountingSink>());
                 });
    r->AddUpload("POST", "/m/{token}/files", Access::Public(), 64,
                 [](Request&) -> Result<std::unique_ptr<BodySink>> {
                   return std::unique_ptr<BodySink>(std::make_unique<CountingSink>());
                 });
    return r;
  }();
  return *router;
}

Result<Principal> Authenticate(std::string_view token, const Request&) {
  if (token == "sender-token")
    return Principal{1, "shop-denhaag", Role::kSender, "u1"};
  if (token == "recipient-token")
    return Principal{2, "comensha", Role::kRecipient, ""};
  return ketenpoort::Unauthenticated("unknown token");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Request req;
  req.method = in.ConsumeRandomLengthString(8);
  req.path = in.ConsumeRandomLengthString(200);
  std::string query = in.ConsumeRandomLengthString(200);
  std::string authorization = in.ConsumeRandomLengthString(40);
  std::string content_type = in.ConsumeRandomLengthString(60);
  req.body = in.ConsumeRemainingBytesAsString();
  if (!authorization.empty())
    req.headers["Authorization"] = authorization;
  if (!content_type.empty())
    req.headers["Content-Type"] = content_type;

  // As the server does: a query that does not parse is refused before routing.
  auto parsed = ParseQuery(query);
  if (parsed)
    req.query = std::move(*parsed);
  (void)SplitPath(req.path);
  (void)PercentDecode(req.path, /*plus_is_space=*/true);
  (void)ParseJsonBody(req);

  const Router& router = TheRouter();
  (void)router.UploadLimit(req);
  Response r = Response::Wait(router.Dispatch(req, Authenticate));
  if (r.status < 200 || r.status > 599)
    __builtin_trap();
  return 0;
}
