#include "gateway/server/audit_routes.h"
#include "gateway/api/query.h"

#include <string>

#include "gateway/audit/audit_log.h"
#include "gateway/audit/audit_view.h"
#include "gateway/audit/time_format.h"
#include "gateway/audit/witness_store.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::server {

namespace {

using nlohmann::json;

Result<std::optional<std::int64_t>> Time(const api::Request& req, const std::string& name) {
  std::string text = api::QueryValue(req, name);
  if (text.empty())
    return std::optional<std::int64_t>();
  KP_ASSIGN_OR_RETURN(std::int64_t ms, audit::ParseUserTime(text, name));
  return std::optional<std::int64_t>(ms);
}

json Hashes(const std::vector<crypto::Digest>& proof) {
  json out = json::array();
  for (const auto& d : proof)
    out.push_back(crypto::Base64Encode(d));
  return out;
}

api::Response Fail(const Error& e) {
  return api::Response::FromError(e);
}

}  // namespace

void RegisterAuditRoutes(api::Router& router, store::GuardedDatabase& db,
                         std::string certificate_pem) {
  store::GuardedDatabase* gdb = &db;

  router.Add("GET", "/v1/audit", api::Access::Roles({Role::kAuditor}), [gdb](api::Request& req) {
    const Principal& who = *req.principal;
    audit::AuditQuery q;
    q.subject_ref = api::QueryValue(req, "subject_ref");
    q.user = api::QueryValue(req, "actor");
    q.organisation = who.org;
    std::string org = api::QueryValue(req, "org");
    if (!org.empty() && org != who.org) {
      return Fail(PermissionDenied("forbidden",
                                   "an auditor reads the entries of its own organisation only"));
    }
    auto from = Time(req, "from");
    auto to = Time(req, "to");
    auto after = api::QueryInteger(req, "after", 0, 0, INT64_MAX);
    auto limit = api::QueryInteger(req, "limit", 1000, 1, 10000);
    for (const Status& s :
         {from ? Ok() : Status(from.error()), to ? Ok() : Status(to.error()),
          after ? Ok() : Status(after.error()), limit ? Ok() : Status(limit.error())}) {
      if (!s)
        return Fail(s.error());
    }
    q.from_ms = *from;
    q.to_ms = *to;
    q.after_seq = *after;
    q.limit = static_cast<int>(*limit);
    std::string format = api::QueryValue(req, "format");
    auto language = audit::ParseLanguage(api::QueryValue(req, "lang"));
    if (!language)
      return Fail(InvalidArgument("invalid_query", "must be en or nl", "lang"));
    if (!format.empty() && format != "json" && format != "text")
      return Fail(InvalidArgument("invalid_query", "must be json or text", "format"));

    std::vector<audit::StoredEntry> entries;
    {
      Status recorded = gdb->Write([&](store::Database& db) -> Status {
        auto found = audit::AuditLog().Query(db, q);
        if (!found)
          return found.error();
        entries = std::move(*found);
        // Reading the trail is itself an entry, naming whose file was asked about.
        audit::AuditEntry read;
        read.time_ms = audit::NowMs();
        read.event = std::string(audit::event::kAuditRead);
        read.subject_ref = q.subject_ref;
        read.user = who.user;
        read.organisation = who.org;
        read.role = std::string(RoleName(who.role));
        read.action = std::string(audit::action::kRead);
        read.object = "audit";
        read.authorisation_basis = "auditor";
        read.outcome = std::string(audit::kOutcomeSuccess);
        read.source_address = req.remote_address;
        KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
        KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, std::move(read)));
        return tx.Commit();
      });
      if (!recorded)
        return Fail(recorded.error());
    }
    std::int64_t next = q.after_seq;
    if (!entries.empty())
      next = entries.back().entry.seq;
    if (format == "text") {
      std::vector<audit::AuditEntry> plain;
      for (const auto& e : entries)
        plain.push_back(e.entry);
      api::Response r;
      r.status = 200;
      r.content_type = "text/plain; charset=utf-8";
      r.body = audit::RenderView(plain, *language);
      return r;
    }
    json out = json::array();
    for (const auto& e : entries)
      out.push_back(audit::ToJson(e.entry));
    return api::Response::Json(200, {{"entries", std::move(out)}, {"next", std::to_string(next)}});
  });

  router.Add("GET", "/v1/audit/checkpoint", api::Access::AnyToken(),
             [gdb, certificate_pem](api::Request&) {
               return gdb->Read([&](store::Database& db) -> api::Response {
                 auto head = audit::AuditLog().LatestSignedHead(db);
                 if (!head)
                   return Fail(head.error());
                 if (!*head)
                   return Fail(NotFound("no_checkpoint", "no tree head has been signed yet"));
                 json out = audit::ToJson(**head);
                 out["certificate"] = certificate_pem;
                 return api::Response::Json(200, out);
               });
             });

  router.Add("GET", "/v1/audit/witness", api::Access::Roles({Role::kAuditor}),
             [gdb](api::Request&) {
               return gdb->Read([&](store::Database& db) -> api::Response {
                 auto all = audit::WitnessStore(db).All();
                 if (!all)
                   return Fail(all.error());
                 json peers = json::array();
                 for (const audit::WitnessState& w : *all) {
                   json p = {{"peer", w.peer},
                             {"status", w.status},
                             {"checked", audit::FormatTime(w.checked_ms)}};
                   if (!w.problem.empty())
                     p["problem"] = w.problem;
                   if (w.latest)
                     p["head"] = audit::ToJson(*w.latest);
                   peers.push_back(std::move(p));
                 }
                 return api::Response::Json(200, {{"peers", std::move(peers)}});
               });
             });

  router.Add("GET", "/v1/audit/proof/inclusion", api::Access::Roles({Role::kAuditor, Role::kPeer}),
             [gdb](api::Request& req) {
               auto seq = api::QueryInteger(req, "seq", 0, 1, INT64_MAX);
               auto size = api::QueryInteger(req, "size", 0, 1, INT64_MAX);
               if (!seq)
                 return Fail(seq.error());
               if (!size)
                 return Fail(size.error());
               return gdb->Read([&](store::Database& db) -> api::Response {
                 audit::AuditLog log;
                 auto proof = log.InclusionProof(db, *seq, *size);
                 if (!proof)
                   return Fail(proof.error());
                 auto leaf = log.LeafHashOf(db, *seq);
                 auto root = log.RootAt(db, *size);
                 if (!leaf)
                   return Fail(leaf.error());
                 if (!root)
                   return Fail(root.error());
                 return api::Response::Json(200, {{"seq", *seq},
                                                  {"size", *size},
                                                  {"leaf_hash", crypto::Base64Encode(*leaf)},
                                                  {"root", crypto::Base64Encode(*root)},
                                                  {"proof", Hashes(*proof)}});
               });
             });

  router.Add("GET", "/v1/audit/proof/consistency",
             api::Access::Roles({Role::kAuditor, Role::kPeer}), [gdb](api::Request& req) {
               auto first = api::QueryInteger(req, "first", 0, 0, INT64_MAX);
               auto second = api::QueryInteger(req, "second", 0, 1, INT64_MAX);
               if (!first)
                 return Fail(first.error());
               if (!second)
                 return Fail(second.error());
               return gdb->Read([&](store::Database& db) -> api::Response {
                 audit::AuditLog log;
                 auto proof = log.ConsistencyProof(db, *first, *second);
                 if (!proof)
                   return Fail(proof.error());
                 auto first_root = log.RootAt(db, *first);
                 auto second_root = log.RootAt(db, *second);
                 if (!first_root)
                   return Fail(first_root.error());
                 if (!second_root)
                   return Fail(second_root.error());
                 return api::Response::Json(200,
                                            {{"first", *first},
                                             {"second", *second},
                                             {"first_root", crypto::Base64Encode(*first_root)},
                                             {"second_root", crypto::Base64Encode(*second_root)},
                                             {"proof", Hashes(*proof)}});
               });
             });
}

}  // namespace ketenpoort::server
