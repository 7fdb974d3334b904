#include "gateway/workspace/message_pages.h"

#include <string>

#include "gateway/workspace/workspace_pages.h"

namespace ketenpoort::workspace {

void RegisterMessagePages(api::Router& router, std::shared_ptr<const StaffPages> pages) {
  router.Add("GET", "/inbox", api::Access::Public(), [pages](api::Request& req) {
    api::Response login;
    auto staff = pages->Begin(req, &login);
    if (!staff)
      return login;
    return pages->Page(req, *staff, 200, Text(staff->lang, "title_inbox"),
                       "<div class=\"card\" id=\"inbox\"></div>", "/inbox");
  });
}

}  // namespace ketenpoort::workspace
