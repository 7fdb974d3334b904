#include "gateway/workspace/compose_pages.h"

#include <string>

#include "gateway/workspace/workspace_pages.h"

namespace ketenpoort::workspace {

void RegisterComposePages(api::Router& router, std::shared_ptr<const StaffPages> pages) {
  router.Add("GET", "/compose", api::Access::Public(), [pages](api::Request& req) {
    api::Response login;
    auto staff = pages->Begin(req, &login);
    if (!staff)
      return login;
    return pages->Page(req, *staff, 200, Text(staff->lang, "nav_compose"),
                       "<div class=\"card\" id=\"compose\"></div>", "/compose");
  });
}

}  // namespace ketenpoort::workspace
