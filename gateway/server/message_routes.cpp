#include "gateway/server/message_routes.h"
#include "gateway/api/query.h"

#include <string>

#include "gateway/messages/message_request.h"
#include "gateway/messages/message_results.h"
#include "gateway/securemail/securemail_request.h"
#include "gateway/securemail/securemail_results.h"
#include "gateway/securemail/securemail_service.h"
#include "gateway/server/pending_response.h"

namespace ketenpoort::server {

namespace {

using nlohmann::json;

Caller CallerOf(const api::Request& req) {
  return Caller{*req.principal, req.remote_address};
}

// `result` as the response with `status`: the service's typed answer written by its ToJson
// (messages/message_results.h, securemail/securemail_results.h), or the error.
template <typename T>
api::Response Answer(int status, const Result<T>& result) {
  if (!result)
    return api::Response::FromError(result.error());
  return api::Response::Json(status, ToJson(*result));
}

// Whether a submission's kind is for people by e-mail address (secure mail) rather than for
// organisations; the registry says so, not the kind's name.
bool ForEmailAddresses(const KindRegistry& kinds, const json& body) {
  const json* kind = body.is_object() && body.contains("kind") ? &body["kind"] : nullptr;
  if (kind == nullptr || !kind->is_string())
    return false;
  const MessageKind* k = kinds.Find(kind->get_ref<const std::string&>());
  return k != nullptr && k->spec().audience == KindAudience::kEmailAddresses;
}

// One page of GET /v1/inbox or /v1/sent: `order` oldest (the default, paged on with `after`)
// or newest (paged on with `before`; none: from the newest), and `limit`.
struct ListPage {
  std::int64_t cursor = 0;
  std::int64_t limit = 0;
  store::ListOrder order = store::ListOrder::kOldestFirst;
};

Result<ListPage> ListPageOf(const api::Request& req) {
  ListPage page;
  const std::string order = api::QueryValue(req, "order");
  if (order == "newest")
    page.order = store::ListOrder::kNewestFirst;
  else if (!order.empty() && order != "oldest")
    return InvalidArgument("invalid_query", "order must be oldest or newest", "order");
  const bool newest = page.order == store::ListOrder::kNewestFirst;
  const char* cursor = newest ? "before" : "after";
  const char* other = newest ? "after" : "before";
  if (!api::QueryValue(req, other).empty()) {
    return InvalidArgument(
        "invalid_query", std::string(other) + " does not go with this order; use " + cursor, other);
  }
  KP_ASSIGN_OR_RETURN(page.cursor, api::QueryInteger(req, cursor, 0, 0, INT64_MAX));
  KP_ASSIGN_OR_RETURN(page.limit,
                      api::QueryInteger(req, "limit", MessageService::kDefaultInboxLimit, 1,
                                        MessageService::kMaxInboxLimit));
  return page;
}

}  // namespace

void RegisterMessageRoutes(api::Router& router, MessageService& service, const KindRegistry& kinds,
                           SecureMailService* securemail) {
  MessageService* s = &service;
  SecureMailService* mail = securemail;
  const KindRegistry* k = &kinds;
  // Runs on the server's I/O thread (kNonBlocking): a message is checked from memory alone
  // (directory, routing rules, kinds, the envelope) and answered when the group commit has it
  // on disk, with no thread held meanwhile. Secure mail, follow-ups and hand-offs on consent
  // read the database first (SubmissionReadsStore), so they are handed on to a worker.
  router.Add(
      "POST", "/v1/messages", api::Access::Roles({Role::kSender}),
      [s, mail, k](api::Request& req) {
        auto body = api::ParseJsonBody(req);
        if (!body)
          return api::Response::FromError(body.error());
        std::optional<std::string> key = req.Header("Idempotency-Key");
        std::optional<IdempotencyKey> idempotency;
        if (key) {
          auto read = ReadIdempotencyKey(std::move(*key), req.body);
          if (!read)
            return api::Response::FromError(read.error());
          idempotency = std::move(*read);
        }
        if (mail != nullptr && ForEmailAddresses(*k, *body)) {
          return api::Response::OnWorker(
              [mail, caller = CallerOf(req), body = std::move(*body), idempotency] {
                return Answer(
                    202, mail->Submit(caller, SecureMailSubmissionFromJson(body), idempotency));
              });
        }
        const bool reads_store = SubmissionReadsStore(*body);
        auto submit = [s, caller = CallerOf(req), body = std::move(*body), idempotency]() mutable {
          auto pending = PendingResponse::Create();
          s->Submit(
              caller, SubmissionFromJson(body), std::move(idempotency),
              [pending](Result<Accepted> accepted) { pending->Complete(Answer(202, accepted)); });
          return pending->Later();
        };
        if (reads_store)
          return api::Response::OnWorker(std::move(submit));
        return submit();
      },
      api::HandlerCost::kNonBlocking);
  router.Add("GET", "/v1/inbox", api::Access::Roles({Role::kRecipient}), [s](api::Request& req) {
    auto page = ListPageOf(req);
    if (!page)
      return api::Response::FromError(page.error());
    return Answer(200, s->Inbox(CallerOf(req), page->cursor, page->limit, page->order));
  });
  router.Add("GET", "/v1/sent", api::Access::Roles({Role::kSender}), [s](api::Request& req) {
    auto page = ListPageOf(req);
    if (!page)
      return api::Response::FromError(page.error());
    return Answer(200, s->Sent(CallerOf(req), page->cursor, page->limit, page->order));
  });
  router.Add(
      "GET", "/v1/messages/{id}", api::Access::Roles({Role::kSender, Role::kRecipient}),
      [s](api::Request& req) { return Answer(200, s->Get(CallerOf(req), req.params.at("id"))); });
  router.Add("POST", "/v1/messages/{id}/status",
             api::Access::Roles({Role::kSender, Role::kRecipient}), [s](api::Request& req) {
               auto body = api::ParseJsonBody(req);
               if (!body)
                 return api::Response::FromError(body.error());
               auto change = StatusChangeFromJson(*body);
               if (!change)
                 return api::Response::FromError(change.error());
               return Answer(200, s->SetStatus(CallerOf(req), req.params.at("id"), *change));
             });
  router.Add("GET", "/v1/messages/{id}/tracking", api::Access::Roles({Role::kSender}),
             [s, mail](api::Request& req) {
               if (mail != nullptr && mail->IsSecureMail(req.params.at("id")))
                 return Answer(200, mail->Tracking(CallerOf(req), req.params.at("id")));
               return Answer(200, s->Tracking(CallerOf(req), req.params.at("id")));
             });
  router.Add("POST", "/v1/messages/{id}/recall", api::Access::Roles({Role::kSender}),
             [s](api::Request& req) {
               return Answer(200, s->Recall(CallerOf(req), req.params.at("id")));
             });
  router.Add("POST", "/v1/consents/withdraw", api::Access::Roles({Role::kSender}),
             [s](api::Request& req) {
               auto body = api::ParseJsonBody(req);
               if (!body)
                 return api::Response::FromError(body.error());
               auto request = ConsentWithdrawalFromJson(*body);
               if (!request)
                 return api::Response::FromError(request.error());
               return Answer(200, s->WithdrawConsent(CallerOf(req), *request));
             });
}

}  // namespace ketenpoort::server
