#include "gateway/workspace/message_pages.h"

#include "gateway/workspace/audit_page.h"
#include "gateway/workspace/inbox_page.h"
#include "gateway/workspace/message_page.h"

namespace ketenpoort::workspace {

void RegisterMessagePages(api::Router& router, std::shared_ptr<const StaffPages> pages) {
  router.Add("GET", "/inbox", api::Access::Public(),
             [pages](api::Request& req) { return ServeInbox(*pages, req); });
  RegisterMessagePage(router, pages);
  RegisterAuditPage(router, pages);
}

}  // namespace ketenpoort::workspace
