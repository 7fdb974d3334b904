#include "gateway/server/openapi_routes.h"

#include <string>
#include <string_view>

namespace ketenpoort {
namespace assets {
// gateway/server/openapi.json, compiled in by kp_embed (CMakeLists.txt).
extern const std::string_view openapi_json;
}  // namespace assets

namespace server {

void RegisterOpenApiRoutes(api::Router& router) {
  // Public, like /healthz: the description holds no secret, and a client needs it before it
  // has a token. Answered from memory on the I/O thread.
  router.Add(
      "GET", "/v1/openapi.json", api::Access::Public(),
      [](api::Request&) {
        api::Response r;
        r.status = 200;
        r.content_type = "application/json";
        r.body = std::string(assets::openapi_json);
        return r;
      },
      api::HandlerCost::kNonBlocking);
}

}  // namespace server
}  // namespace ketenpoort
