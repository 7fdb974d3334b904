#include "gateway/workspace/compose_pages.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/kinds/payload_deadline.h"
#include "adapters/kinds/registry.h"
#include "gateway/api/cookies_and_forms.h"
#include "gateway/api/query.h"
#include "gateway/api/url.h"
#include "gateway/client/submission.h"
#include "gateway/core/legal_basis.h"
#include "gateway/core/organisation.h"
#include "gateway/crypto/hash.h"
#include "gateway/crypto/random.h"
#include "gateway/log/log.h"
#include "gateway/workspace/compose_request.h"
#include "gateway/workspace/kind_form.h"
#include "gateway/workspace/sealed_submissions.h"
#include "gateway/workspace/workspace_pages.h"

namespace ketenpoort::workspace {

namespace {

using api::HtmlEscape;
using nlohmann::json;

// 1 to 200 visible ASCII characters, as the gateway takes an Idempotency-Key.
bool IsIdempotencyKey(const std::string& key) {
  return !key.empty() && key.size() <= 200 &&
         std::all_of(key.begin(), key.end(), [](char c) { return c > ' ' && c <= '~'; });
}

std::string Hidden(std::string_view name, std::string_view value) {
  return "<input type=\"hidden\" name=\"" + HtmlEscape(name) + "\" value=\"" + HtmlEscape(value) +
         "\">";
}

std::string KindName(api::Lang lang, const std::string& kind) {
  return std::string(Text(lang, "kind_" + kind));
}

// Everything a compose page shows: the form, what was posted, and, after a preview, who the
// message reaches.
struct ComposeView {
  const MessageKind* kind = nullptr;
  KindForm form{};
  FormValues values{};
  FieldErrors errors{};
  std::string follows{};
  std::string idempotency_key{};
  std::string notice{};       // a Text key for the live region; "" none
  std::string notice_code{};  // the gateway's error code, shown beside a refusal
  bool previewed = false;
  std::vector<std::string> recipients{};        // names, after a preview
  std::vector<std::string> with_legal_basis{};  // names a legal basis would add
  std::string deadline{};
};

std::string RenderCompose(api::Lang lang, const std::string& csrf, const ComposeView& v) {
  const std::string kind = v.kind->name();
  std::string b = "<div class=\"card\" id=\"compose\">";
  b += "<div id=\"status\" aria-live=\"assertive\">";
  if (!v.notice.empty()) {
    b += "<div id=\"notice\" role=\"alert\" class=\"error\" data-notice=\"" + HtmlEscape(v.notice) +
         "\"><p>" + HtmlEscape(Text(lang, v.notice));
    if (!v.notice_code.empty())
      b += " <code id=\"notice-code\">" + HtmlEscape(v.notice_code) + "</code>";
    b += "</p>" + RenderErrorSummary(lang, v.form, v.errors) + "</div>";
  }
  b += "</div>";
  b += "<h2 id=\"kind\" data-kind=\"" + HtmlEscape(kind) + "\">" +
       HtmlEscape(KindName(lang, kind)) + "</h2>";
  if (!v.follows.empty()) {
    b += "<p id=\"follows\">" + HtmlEscape(Text(lang, "follows_note")) + " <a href=\"/messages/" +
         HtmlEscape(v.follows) + "\">" + HtmlEscape(v.follows) + "</a></p>";
  }
  if (v.previewed) {
    b += "<section id=\"preview\" aria-labelledby=\"preview-title\"><h3 id=\"preview-title\">" +
         HtmlEscape(Text(lang, "preview_title")) + "</h3><ul id=\"recipients\">";
    for (const std::string& name : v.recipients)
      b += "<li>" + HtmlEscape(name) + "</li>";
    b += "</ul>";
    if (!v.with_legal_basis.empty()) {
      b += "<p id=\"legal-basis-ask\">" + HtmlEscape(Text(lang, "legal_basis_would_add")) +
           "</p><ul id=\"recipients-with-legal-basis\">";
      for (const std::string& name : v.with_legal_basis)
        b += "<li>" + HtmlEscape(name) + "</li>";
      b += "</ul><p>" + HtmlEscape(Text(lang, "legal_basis_ask")) + "</p>";
    }
    if (!v.deadline.empty()) {
      b += "<p id=\"deadline\">" + HtmlEscape(Text(lang, "deadline_note")) + " <time>" +
           HtmlEscape(v.deadline) + "</time></p>";
    }
    b += "<p>" + HtmlEscape(Text(lang, "preview_intro")) + "</p></section>";
  }
  b += "<form id=\"compose-form\" method=\"post\" action=\"/compose/" + HtmlEscape(kind) +
       "\" novalidate>";
  b += Hidden("csrf", csrf) + Hidden("idempotency_key", v.idempotency_key);
  if (!v.follows.empty())
    b += Hidden("follows", v.follows);
  b += RenderFormFields(lang, v.form, v.values, v.errors);
  b += "<div class=\"actions\"><button type=\"submit\" name=\"compose_step\" value=\"preview\" "
       "id=\"preview-submit\"" +
       std::string(v.previewed ? " class=\"secondary\"" : "") + ">" +
       HtmlEscape(Text(lang, "preview")) + "</button>";
  if (v.previewed) {
    b += "<button type=\"submit\" name=\"compose_step\" value=\"send\" id=\"send-submit\">" +
         HtmlEscape(Text(lang, "send")) + "</button>";
  }
  return b + "</div></form></div>";
}

// The organisation's kind, from its directory entry; nullopt when it cannot be read.
std::optional<OrgKind> OwnOrgKind(const json& directory, const std::string& org) {
  for (const json& entry : directory) {
    if (entry.is_object() && entry.value("id", "") == org)
      return ParseOrgKind(entry.value("kind", ""));
  }
  return std::nullopt;
}

// The regions the directory's organisations serve: CBS codes sorted, then NL.
std::vector<std::string> Regions(const json& directory) {
  std::set<std::string> regions;
  for (const json& entry : directory) {
    if (!entry.is_object() || !entry.contains("regions") || !entry["regions"].is_array())
      continue;
    for (const json& r : entry["regions"]) {
      if (r.is_string() && r.get<std::string>() != "NL")
        regions.insert(r.get<std::string>());
    }
  }
  std::vector<std::string> out(regions.begin(), regions.end());
  out.push_back("NL");
  return out;
}

// Organisations a follow-up of `kind` in `region` may go to: those that accept the kind and
// serve the region (or all of NL), this organisation aside.
std::vector<FormChoice> FollowUpRecipients(const json& directory, const std::string& kind,
                                           const std::string& region, const std::string& self) {
  std::vector<FormChoice> out;
  for (const json& entry : directory) {
    if (!entry.is_object())
      continue;
    const std::string id = entry.value("id", "");
    auto has = [&](const char* key, const std::string& value) {
      return entry.contains(key) && entry[key].is_array() &&
             std::find(entry[key].begin(), entry[key].end(), value) != entry[key].end();
    };
    if (id.empty() || id == self || !has("accepts", kind) ||
        (!has("regions", region) && !has("regions", "NL")))
      continue;
    out.push_back({.value = id, .label = entry.value("name", id)});
  }
  return out;
}

class ComposeSite {
 public:
  explicit ComposeSite(std::shared_ptr<const StaffPages> pages) : pages_(std::move(pages)) {}

  api::Response List(api::Request& req) const {
    std::optional<StaffContext> staff;
    if (auto other = Enter(req, &staff))
      return *other;
    auto directory = staff->link->Directory(staff->user());
    if (!directory)
      return GatewayFailure(req, *staff, directory.error());
    const api::Lang lang = staff->lang;
    std::string b = "<div class=\"card\" id=\"compose\"><p>" +
                    HtmlEscape(Text(lang, "compose_intro")) + "</p><ul id=\"kinds\">";
    const auto kinds = SendableKinds(*staff, *directory);
    for (const MessageKind* k : kinds) {
      b += "<li><a id=\"compose-" + HtmlEscape(k->name()) + "\" href=\"/compose/" +
           HtmlEscape(k->name()) + "\">" + HtmlEscape(KindName(lang, k->name())) + "</a> — " +
           HtmlEscape(Text(lang, "kind_" + k->name() + "_about")) + "</li>";
    }
    b += "</ul>";
    if (kinds.empty())
      b += "<p id=\"no-kinds\">" + HtmlEscape(Text(lang, "compose_none")) + "</p>";
    b += "</div>";
    return pages_->Page(req, *staff, 200, Text(lang, "title_compose"), b, "/compose");
  }

  api::Response Form(api::Request& req) const {
    std::optional<StaffContext> staff;
    if (auto other = Enter(req, &staff))
      return *other;
    ComposeView v;
    v.follows = api::QueryValue(req, "follows");
    v.idempotency_key = crypto::RandomToken(24);
    Setup setup;
    if (auto failed = Prepare(req, *staff, req.params.at("kind"), &v, &setup))
      return *failed;
    // A follow-up starts from the message it follows: its routing (a re-referral keeps the
    // case's region and facts; the reason and the content are new).
    for (const auto& [key, value] : setup.followed_routing)
      v.values[key] = {value};
    return Show(req, *staff, 200, v);
  }

  api::Response Post(api::Request& req) const {
    api::Response login;
    auto staff = pages_->Begin(req, &login);
    if (!staff)
      return login;
    auto posted = api::FormFieldLists(req);
    std::map<std::string, std::string> first;
    if (posted) {
      for (const auto& [name, values] : *posted)
        first[name] = values.empty() ? std::string() : values.front();
    }
    if (!posted || !StaffPages::CsrfOk(*staff, first))
      return pages_->ErrorPage(req, *staff, 403, "form_expired");
    if (auto refused = Refusal(req, *staff))
      return *refused;
    ComposeView v;
    v.values = std::move(*posted);
    v.follows = first["follows"];
    v.idempotency_key = first["idempotency_key"];
    const bool send = first["compose_step"] == "send";
    if (!IsIdempotencyKey(v.idempotency_key)) {
      if (send)
        return pages_->ErrorPage(req, *staff, 403, "form_expired");
      v.idempotency_key = crypto::RandomToken(24);
    }
    for (std::string_view control : kComposeControls)
      v.values.erase(std::string(control));
    Setup setup;
    if (auto failed = Prepare(req, *staff, req.params.at("kind"), &v, &setup))
      return *failed;

    ComposeReading reading = ReadComposeForm(v.form, *v.kind, Lists(), v.values);
    if (!reading.ok())
      return Invalid(req, *staff, std::move(v), std::move(reading.errors));
    ComposeRequest& q = reading.request;
    const StaffContext& s = *staff;

    // The client's pseudonym: made here from the client number, never typed, never logged.
    std::string subject_ref = setup.subject_ref;
    if (v.follows.empty() && !q.client_number.empty()) {
      auto ref = s.link->Pseudonym(q.client_number);
      if (!ref && ref.error().code == "invalid_client_number")
        return Invalid(req, s, std::move(v), {{"client_number", "err_invalid_client_number"}});
      if (!ref)
        return pages_->ErrorPage(req, s, 503, "no_pseudonym_secret");
      subject_ref = std::move(*ref);
    }

    // Who it reaches: the other party of the followed message, a follow-up's own choice, or
    // the routing rules.
    std::vector<std::string> recipients;
    if (v.kind->spec().audience == KindAudience::kCaseParty) {
      recipients = {setup.followed_from};
    } else if (!q.recipients.empty()) {
      recipients = q.recipients;
    } else {
      auto resolved = Resolve(s, q.routing);
      if (!resolved)
        return Refused(req, s, std::move(v), resolved.error());
      recipients = std::move(*resolved);
      if (recipients.empty())
        return Notice(req, s, std::move(v), 422, "no_recipients");
    }
    auto deadline = kinds::PayloadDeadline(v.kind->name(), q.payload, {});
    if (!deadline)
      return Invalid(req, s, std::move(v), {{deadline.error().field, "err_invalid_date"}});

    if (!send) {
      v.previewed = true;
      for (const std::string& org : recipients)
        v.recipients.push_back(s.link->OrganisationName(s.user(), org));
      v.deadline = *deadline;
      if (!q.routing.legal_basis && v.form.Find("legal_basis") != nullptr && q.recipients.empty()) {
        // Ask for a legal basis where a rule needs one: who would it add?
        RoutingInput with = q.routing;
        with.legal_basis = LegalBasis::kConsent;
        if (auto more = Resolve(s, with)) {
          for (const std::string& org : *more) {
            if (std::find(recipients.begin(), recipients.end(), org) == recipients.end())
              v.with_legal_basis.push_back(s.link->OrganisationName(s.user(), org));
          }
        }
      }
      return Show(req, s, 200, v);
    }

    // Send: sealed here, in memory, for the recipients and this organisation; posted once per
    // Idempotency-Key however often the form is sent.
    client::Submission submission{.routing = q.routing,
                                  .recipients = recipients,
                                  .subject_ref = subject_ref,
                                  .deadline = *deadline,
                                  .follows = v.follows,
                                  .follow_reason = q.follow_reason};
    const std::string payload = q.payload.dump();
    json asked = client::SubmissionBody(submission);
    asked["payload"] = payload;  // for the digest only: what was asked, not how it was sealed
    const std::string asked_text = asked.dump();
    const crypto::Digest digest = crypto::Sha256(AsBytes(asked_text));
    const std::string org = s.account().org;
    auto body = submissions_.BodyFor(org, v.idempotency_key, digest, [&]() -> Result<json> {
      KP_ASSIGN_OR_RETURN(submission.envelope,
                          s.link->Seal(s.user(), AsBytes(payload), recipients));
      return client::SubmissionBody(submission);
    });
    if (!body)
      return Refused(req, s, std::move(v), body.error());
    auto answer =
        s.link->Post(s.user(), "/v1/messages", *body, {"Idempotency-Key: " + v.idempotency_key});
    if (!answer) {
      submissions_.Forget(org, v.idempotency_key);
      return Refused(req, s, std::move(v), answer.error());
    }
    auto accepted = client::AcceptedMessage(*answer);
    if (!accepted)
      return Refused(req, s, std::move(v), accepted.error());
    log::Info("message_composed", {{"staff_id", std::to_string(s.account().id)},
                                   {"message_id", accepted->id},
                                   {"kind", v.kind->name()}});
    return Redirect("/messages/" + accepted->id + "?notice=sent");
  }

 private:
  // What the followed message gives a follow-up.
  struct Setup {
    std::string subject_ref{};
    std::string followed_from{};
    std::map<std::string, std::string> followed_routing{};
  };

  static const CodeLists& Lists() { return kinds::BuiltinKinds().code_lists(); }

  // The person behind a GET, in *staff when they may compose here; else the page to answer
  // (the log-in, or a refusal).
  std::optional<api::Response> Enter(const api::Request& req,
                                     std::optional<StaffContext>* staff) const {
    api::Response login;
    *staff = pages_->Begin(req, &login);
    if (!*staff)
      return login;
    return Refusal(req, **staff);
  }

  // The refusal page for someone who may not compose here; nullopt when they may.
  std::optional<api::Response> Refusal(const api::Request& req, const StaffContext& s) const {
    if (!s.Has(StaffRole::kCoordinator) && !s.Has(StaffRole::kCaseworker))
      return pages_->ErrorPage(req, s, 403, "compose_not_allowed");
    if (s.link == nullptr)
      return pages_->ErrorPage(req, s, 503, "no_gateway_link");
    return std::nullopt;
  }

  api::Response GatewayFailure(const api::Request& req, const StaffContext& s,
                               const Error& e) const {
    if (e.kind == ErrorKind::kNotFound || e.kind == ErrorKind::kGone)
      return pages_->ErrorPage(req, s, 404, "not_found");
    return pages_->ErrorPage(req, s, 503, "gateway_unavailable");
  }

  // The kinds routed to organisations that this organisation may start.
  static std::vector<const MessageKind*> SendableKinds(const StaffContext& s,
                                                       const json& directory) {
    std::vector<const MessageKind*> out;
    const std::optional<OrgKind> own = OwnOrgKind(directory, s.account().org);
    for (const MessageKind* k : kinds::BuiltinKinds().All()) {
      if (k->spec().audience != KindAudience::kOrganisations)
        continue;
      if (!k->spec().sender_kinds.empty() && (!own || !k->CheckSender(*own)))
        continue;
      out.push_back(k);
    }
    return out;
  }

  // The kind of the path, the message followed and the form; a page to answer instead when
  // they do not fit.
  std::optional<api::Response> Prepare(const api::Request& req, const StaffContext& s,
                                       const std::string& kind, ComposeView* v,
                                       Setup* setup) const {
    auto directory = s.link->Directory(s.user());
    if (!directory)
      return GatewayFailure(req, s, directory.error());
    const MessageKind* k = kinds::BuiltinKinds().Find(kind);
    const bool case_party = k != nullptr && k->spec().audience == KindAudience::kCaseParty;
    if (k == nullptr)
      return pages_->ErrorPage(req, s, 404, "unknown_kind");
    if (case_party && v->follows.empty())
      return pages_->ErrorPage(req, s, 404, "follows_required");
    if (!case_party) {
      auto sendable = SendableKinds(s, *directory);
      if (std::find(sendable.begin(), sendable.end(), k) == sendable.end())
        return pages_->ErrorPage(req, s, 403, "kind_not_allowed");
    }
    v->kind = k;
    FormContext context{.regions = Regions(*directory), .follow_up = !v->follows.empty()};
    if (!v->follows.empty()) {
      auto followed = s.link->Get(s.user(), "/v1/messages/" + api::PercentEncode(v->follows));
      if (!followed)
        return GatewayFailure(req, s, followed.error());
      setup->subject_ref = followed->value("subject_ref", "");
      setup->followed_from = followed->value("from", "");
      if (auto r = followed->find("routing"); r != followed->end() && r->is_object()) {
        for (const auto& [key, value] : r->items()) {
          if (value.is_string())
            setup->followed_routing[key] = value.get<std::string>();
        }
      }
      if (!case_party) {
        // A re-referral is of the kind it follows; it may go to any organisation of the
        // case's region that takes the kind.
        if (followed->value("kind", "") != kind)
          return pages_->ErrorPage(req, s, 422, "follow_up_kind_mismatch");
        auto region = setup->followed_routing.find("region");
        context.recipient_choices = FollowUpRecipients(
            *directory, kind,
            region == setup->followed_routing.end() ? std::string() : region->second,
            s.account().org);
      }
    }
    v->form = FormForKind(*k, Lists(), context);
    return std::nullopt;
  }

  api::Response Show(const api::Request& req, const StaffContext& s, int status,
                     const ComposeView& v) const {
    const std::string title =
        std::string(Text(s.lang, "title_compose")) + ": " + KindName(s.lang, v.kind->name());
    return pages_->Page(req, s, status, title, RenderCompose(s.lang, s.csrf(), v),
                        "/compose/" + v.kind->name());
  }

  api::Response Invalid(const api::Request& req, const StaffContext& s, ComposeView v,
                        FieldErrors errors) const {
    v.errors = std::move(errors);
    v.notice = "form_invalid";
    return Show(req, s, 422, v);
  }

  api::Response Notice(const api::Request& req, const StaffContext& s, ComposeView v, int status,
                       std::string notice) const {
    v.notice = std::move(notice);
    return Show(req, s, status, v);
  }

  // A refusal of the gateway, or no gateway: the form again with what happened; nothing sent.
  api::Response Refused(const api::Request& req, const StaffContext& s, ComposeView v,
                        const Error& e) const {
    log::Warn("compose_refused", {{"staff_id", std::to_string(s.account().id)}, {"code", e.code}});
    if (e.kind == ErrorKind::kUnavailable)
      return Notice(req, s, std::move(v), 503, "gateway_unavailable");
    if (e.code == "legal_basis_required" || e.code == "consent_withdrawn") {
      v.errors["legal_basis"] = "err_" + e.code;
      v.notice = "form_invalid";
      return Show(req, s, 422, v);
    }
    // A refusal people can act on has words of its own ("gw_CODE"); any other the general
    // sentence. The code is shown beside either, for the people who support them.
    const std::string own = "gw_" + e.code;
    v.notice = Text(s.lang, own) != own ? own : "gateway_refused";
    v.notice_code = e.code;
    return Show(req, s, e.kind == ErrorKind::kInternal ? 502 : 422, v);
  }

  static Result<std::vector<std::string>> Resolve(const StaffContext& s, const RoutingInput& in) {
    KP_ASSIGN_OR_RETURN(
        json answer, s.link->Post(s.user(), "/v1/routes/resolve", client::ResolveRequestBody(in)));
    return client::ResolvedRecipients(answer);
  }

  std::shared_ptr<const StaffPages> pages_;
  mutable SealedSubmissions submissions_;
};

}  // namespace

void RegisterComposePages(api::Router& router, std::shared_ptr<const StaffPages> pages) {
  auto site = std::make_shared<const ComposeSite>(std::move(pages));
  router.Add("GET", "/compose", api::Access::Public(),
             [site](api::Request& req) { return site->List(req); });
  router.Add("GET", "/compose/{kind}", api::Access::Public(),
             [site](api::Request& req) { return site->Form(req); });
  router.Add("POST", "/compose/{kind}", api::Access::Public(),
             [site](api::Request& req) { return site->Post(req); });
}

}  // namespace ketenpoort::workspace
