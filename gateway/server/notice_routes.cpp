#include "gateway/server/notice_routes.h"
#include "gateway/api/query.h"

#include <string>

#include <nlohmann/json.hpp>

#include "gateway/audit/time_format.h"
#include "gateway/store/kind_repository.h"

namespace ketenpoort::server {

namespace {

using nlohmann::json;

}  // namespace

void RegisterNoticeRoutes(api::Router& router, store::GuardedDatabase& db) {
  store::GuardedDatabase* gdb = &db;
  router.Add("GET", "/v1/notices", api::Access::Roles({Role::kSender, Role::kRecipient}),
             [gdb](api::Request& req) {
               auto after = api::QueryInteger(req, "after", 0, 0, INT64_MAX);
               if (!after)
                 return api::Response::FromError(after.error());
               auto limit = api::QueryInteger(req, "limit", 100, 1, 500);
               if (!limit)
                 return api::Response::FromError(limit.error());
               return gdb->Read([&](store::Database& db) -> api::Response {
                 auto notices = store::KindRepository(db).NoticesTo(req.principal->org, *after,
                                                                    static_cast<int>(*limit));
                 if (!notices)
                   return api::Response::FromError(notices.error());
                 json list = json::array();
                 std::int64_t next = *after;
                 for (const store::NoticeRecord& n : *notices) {
                   list.push_back({{"id", std::to_string(n.id)},
                                   {"message_id", n.message_id},
                                   {"type", n.type},
                                   {"about", n.about_org},
                                   {"due", audit::FormatTime(n.due_ms)},
                                   {"time", audit::FormatTime(n.created_ms)},
                                   {"reason", n.reason},
                                   {"mail", n.mail_state}});
                   next = n.id;
                 }
                 return api::Response::Json(
                     200, {{"notices", std::move(list)}, {"next", std::to_string(next)}});
               });
             });
}

}  // namespace ketenpoort::server
