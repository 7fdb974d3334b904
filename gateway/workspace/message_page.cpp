#include "gateway/workspace/message_page.h"

#include <optional>
#include <utility>

#include "adapters/kinds/registry.h"
#include "gateway/api/cookies_and_forms.h"
#include "gateway/api/query.h"
#include "gateway/client/api_client.h"
#include "gateway/crypto/encoding.h"
#include "gateway/log/log.h"
#include "gateway/workspace/gateway_lists.h"
#include "gateway/workspace/labels.h"
#include "gateway/workspace/local_time.h"
#include "gateway/workspace/page_notices.h"
#include "gateway/workspace/staff_rights.h"
#include "gateway/workspace/workspace_pages.h"

namespace ketenpoort::workspace {

namespace {

using api::HtmlEscape;
using nlohmann::json;

std::string Str(const json& j, const char* key) {
  return StringOf(j, key);
}

std::string T(api::Lang lang, std::string_view key) {
  return HtmlEscape(Text(lang, key));
}

std::string MessagePath(const std::string& id) {
  return "/messages/" + client::PercentEncode(id);
}

void Row(std::string& out, api::Lang lang, std::string_view key, const std::string& value,
         std::string_view field) {
  if (value.empty())
    return;
  out += "<dt>" + T(lang, key) + "</dt><dd data-field=\"" + std::string(field) + "\">" +
         HtmlEscape(value) + "</dd>";
}

std::string HeaderHtml(api::Lang lang, const MessageFacts& f, const OrgNames& names) {
  const json& m = f.message;
  std::string out = "<dl id=\"header\" class=\"rows\">";
  Row(out, lang, "kind", Label(lang, "kind", Str(m, "kind")), "kind");
  std::string from = names(Str(m, "from"));
  if (f.verified)
    from += " (" + std::string(Text(lang, "signature_checked")) + ")";
  Row(out, lang, "from", from, "from");
  std::string to;
  if (m.contains("recipients") && m["recipients"].is_array()) {
    for (const json& r : m["recipients"]) {
      if (!r.is_string())
        continue;
      if (!to.empty())
        to += ", ";
      to += names(r.get<std::string>());
    }
  }
  Row(out, lang, "to", to, "recipients");
  Row(out, lang, "state", Str(m, "state").empty() ? "" : Label(lang, "state", Str(m, "state")),
      "state");
  Row(out, lang, "legal_basis",
      Str(m, "legal_basis").empty() ? std::string(Text(lang, "legal_basis_none"))
                                    : Label(lang, "basis", Str(m, "legal_basis")),
      "legal_basis");
  Row(out, lang, "deadline", LocalTimeText(lang, Str(m, "deadline")), "deadline");
  if (m.contains("routing") && m["routing"].is_object()) {
    const std::string urgency = Str(m["routing"], "urgency");
    if (!urgency.empty())
      Row(out, lang, "urgency", Label(lang, "enum.urgency", urgency), "urgency");
  }
  Row(out, lang, "created", LocalTimeText(lang, Str(m, "created")), "created");
  Row(out, lang, "expires", LocalTimeText(lang, Str(m, "expires")), "expires");
  if (m.value("recalled", false))
    Row(out, lang, "recalled_label", std::string(Text(lang, "badge_recalled")), "recalled");
  return out + "</dl>";
}

std::string AttachmentsHtml(api::Lang lang, const MessageFacts& f) {
  if (!f.attachments.is_array() || f.attachments.empty())
    return "";
  const std::string id = Str(f.message, "id");
  std::string out = "<section class=\"card\" id=\"attachments\"><h2>" +
                    T(lang, "attachments_title") + "</h2><ul class=\"files\">";
  for (std::size_t i = 0; i < f.attachments.size(); ++i) {
    const json& a = f.attachments[i];
    std::string name = Str(a, "name");
    if (name.empty())
      name = std::string(Text(lang, "attachment")) + " " + std::to_string(i + 1);
    out += "<li><a href=\"" + HtmlEscape(MessagePath(id)) + "/attachments/" + std::to_string(i) +
           "\" download>" + HtmlEscape(name) + "</a></li>";
  }
  return out + "</ul></section>";
}

std::string ThreadHtml(api::Lang lang, const MessageFacts& f) {
  const std::string id = Str(f.message, "id");
  std::vector<std::pair<std::string, std::string>> links;  // id, Text key or ""
  const std::string follows = Str(f.message, "follows");
  const std::string thread = Str(f.message, "thread");
  const json* list = f.tracking.is_object() && f.tracking.contains("thread_messages")
                         ? &f.tracking["thread_messages"]
                         : nullptr;
  std::string out;
  if (list != nullptr && list->is_array() && list->size() > 1) {
    out += "<ol class=\"thread\">";
    int n = 0;
    for (const json& t : *list) {
      if (!t.is_string())
        continue;
      ++n;
      const std::string tid = t.get<std::string>();
      std::string label = std::string(Text(lang, "thread_message")) + " " + std::to_string(n);
      if (tid == id) {
        out += "<li aria-current=\"page\">" + HtmlEscape(label) + " (" + T(lang, "this_message") +
               ")</li>";
      } else {
        out += "<li><a href=\"" + HtmlEscape(MessagePath(tid)) + "\">" + HtmlEscape(label) +
               "</a></li>";
      }
    }
    out += "</ol>";
  } else {
    if (!follows.empty())
      out += "<p><a id=\"follows\" href=\"" + HtmlEscape(MessagePath(follows)) + "\">" +
             T(lang, "follows_link") + "</a></p>";
    if (!thread.empty() && thread != follows && thread != id)
      out += "<p><a id=\"thread-start\" href=\"" + HtmlEscape(MessagePath(thread)) + "\">" +
             T(lang, "thread_start_link") + "</a></p>";
  }
  if (out.empty())
    return "";
  return "<section class=\"card\" id=\"thread\"><h2>" + T(lang, "thread_title") + "</h2>" + out +
         "</section>";
}

// The code list a state's reason code belongs to, for any kind ("" for none).
std::string CodeListOf(const std::string& kind, const std::string& state) {
  const StateRule* rule = kinds::BuiltinKinds().LifecycleFor(kind).RuleFor(state);
  return rule != nullptr ? rule->code_list : std::string();
}

// "org/user" or "org" or "gateway" in words.
std::string ByWhom(api::Lang lang, const std::string& by, const OrgNames& names) {
  if (by == "gateway")
    return std::string(Text(lang, "by_gateway"));
  const auto slash = by.find('/');
  if (slash == std::string::npos)
    return names(by);
  return names(by.substr(0, slash)) + " (" + by.substr(slash + 1) + ")";
}

std::string TrackingHtml(api::Lang lang, const MessageFacts& f, const OrgNames& names) {
  if (!f.tracking_error.empty()) {
    return "<section class=\"card\" id=\"tracking\"><h2>" + T(lang, "tracking_title") +
           "</h2><p class=\"error\">" + T(lang, f.tracking_error) + "</p></section>";
  }
  if (!f.tracking.is_object() || !f.tracking.contains("recipients"))
    return "";
  const std::string kind = Str(f.message, "kind");
  std::string out =
      "<section class=\"card\" id=\"tracking\"><h2>" + T(lang, "tracking_title") + "</h2>";
  for (const json& r : f.tracking["recipients"]) {
    // An organisation, or for secure mail a person's address with the portal's events.
    const std::string org = Str(r, "org");
    const std::string email = Str(r, "email");
    const char* group = org.empty() ? "mail" : "state";
    out += "<h3 data-org=\"" + HtmlEscape(org.empty() ? email : org) + "\">" +
           HtmlEscape(org.empty() ? email : names(org)) + ": " +
           HtmlEscape(Label(lang, group, Str(r, "state"))) + "</h3><ol class=\"timeline\">";
    if (r.contains("events") && r["events"].is_array()) {
      for (const json& e : r["events"]) {
        const std::string state = org.empty() ? Str(e, "event") : Str(e, "state");
        out += "<li data-state=\"" + HtmlEscape(state) + "\"><span class=\"meta\">" +
               HtmlEscape(LocalTimeText(lang, Str(e, "time"))) + "</span> <strong>" +
               HtmlEscape(Label(lang, group, state)) + "</strong> ";
        if (!org.empty())
          out += HtmlEscape(ByWhom(lang, Str(e, "by"), names));
        const std::string code = Str(e, "code");
        if (!code.empty()) {
          const std::string list = CodeListOf(kind, state);
          out += " · <span class=\"code\">" +
                 HtmlEscape(list.empty() ? code : Label(lang, "code." + list, code)) + "</span>";
        }
        const std::string reason = Str(e, "reason");
        if (!reason.empty())
          out += " · <q class=\"reason\">" + HtmlEscape(reason) + "</q>";
        out += "</li>";
      }
    }
    out += "</ol>";
  }
  return out + "</section>";
}

// The words on a state's button: "Afwijzen" for declined; the state's name when none.
std::string DoLabel(api::Lang lang, const std::string& state) {
  return HasLabel("do", state) ? Label(lang, "do", state) : Label(lang, "state", state);
}

std::string CsrfField(const std::string& csrf) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + HtmlEscape(csrf) + "\">";
}

std::string CodeSelect(api::Lang lang, const std::string& state, const std::string& list) {
  const CodeLists& lists = kinds::BuiltinKinds().code_lists();
  const std::string id = "code-" + state;
  std::string out = "<label for=\"" + id + "\">" + T(lang, "reason_code") +
                    "</label><select id=\"" + id + "\" name=\"code\" required><option value=\"\">" +
                    T(lang, "choose") + "</option>";
  for (const std::string& code : lists.Codes(list, lists.Latest(list))) {
    out += "<option value=\"" + HtmlEscape(code) + "\">" +
           HtmlEscape(Label(lang, "code." + list, code)) + "</option>";
  }
  return out + "</select>";
}

std::string ReasonField(api::Lang lang, const std::string& state, bool coded) {
  const std::string id = "reason-" + state;
  return "<label for=\"" + id + "\">" + T(lang, coded ? "reason_text_other" : "reason_text") +
         "</label><textarea class=\"short\" id=\"" + id +
         "\" name=\"reason\" maxlength=\"2000\"></textarea>";
}

std::string StateForm(api::Lang lang, const std::string& id, const std::string& state,
                      const MessageActions& a, const std::vector<std::string>* targets,
                      const OrgNames& names, const std::string& csrf) {
  std::string out = "<form class=\"action\" id=\"action-" + HtmlEscape(state) +
                    "\" method=\"post\" action=\"" + HtmlEscape(MessagePath(id)) + "/status\">" +
                    CsrfField(csrf) + "<input type=\"hidden\" name=\"state\" value=\"" +
                    HtmlEscape(state) + "\"><h3>" + HtmlEscape(DoLabel(lang, state)) + "</h3>";
  auto list = a.code_lists.find(state);
  if (list != a.code_lists.end())
    out += CodeSelect(lang, state, list->second);
  if (targets != nullptr) {
    const std::string sid = "recipient-" + state;
    out += "<label for=\"" + sid + "\">" + T(lang, "for_recipient") + "</label><select id=\"" +
           sid + "\" name=\"recipient\"><option value=\"\">" + T(lang, "all_recipients") +
           "</option>";
    for (const std::string& org : *targets)
      out += "<option value=\"" + HtmlEscape(org) + "\">" + HtmlEscape(names(org)) + "</option>";
    out += "</select>";
  }
  out += ReasonField(lang, state, list != a.code_lists.end());
  out += "<button type=\"submit\">" + HtmlEscape(DoLabel(lang, state)) + "</button></form>";
  return out;
}

std::string ActionsHtml(api::Lang lang, const MessageFacts& f, const OrgNames& names,
                        const std::string& csrf) {
  const MessageActions& a = f.actions;
  if (!a.Any())
    return "";
  const std::string id = Str(f.message, "id");
  std::string out =
      "<section class=\"card\" id=\"actions\"><h2>" + T(lang, "actions_title") + "</h2>";
  for (const std::string& state : a.states)
    out += StateForm(lang, id, state, a, nullptr, names, csrf);
  for (const auto& [state, targets] : a.sender_targets)
    out += StateForm(lang, id, state, a, a.per_recipient ? &targets : nullptr, names, csrf);
  std::string links;
  const std::string follows = client::PercentEncode(id);
  if (a.ask_question)
    links += "<li><a id=\"ask-question\" href=\"/compose/question?follows=" + HtmlEscape(follows) +
             "\">" + T(lang, "ask_question") + "</a></li>";
  if (a.answer)
    links += "<li><a id=\"answer\" href=\"/compose/answer?follows=" + HtmlEscape(follows) + "\">" +
             T(lang, "answer_question") + "</a></li>";
  if (a.re_refer)
    links += "<li><a id=\"re-refer\" href=\"/compose/referral?follows=" + HtmlEscape(follows) +
             "\">" + T(lang, "re_refer") + "</a></li>";
  if (!links.empty())
    out += "<ul class=\"links\">" + links + "</ul>";
  if (a.recall) {
    out += "<form class=\"action\" id=\"action-recall\" method=\"post\" action=\"" +
           HtmlEscape(MessagePath(id)) + "/recall\">" + CsrfField(csrf) + "<h3>" +
           T(lang, "recall") + "</h3><p class=\"meta\">" + T(lang, "recall_explained") +
           "</p><button type=\"submit\" class=\"secondary\">" + T(lang, "recall") +
           "</button></form>";
  }
  return out + "</section>";
}

// ---- the handlers

struct Loaded {
  MessageFacts facts;
  json document;  // the decrypted payload, parsed; null when it could not be
};

std::optional<OrgKind> OwnKind(const StaffContext& staff) {
  auto directory = staff.link->Directory(staff.user());
  if (!directory)
    return std::nullopt;
  for (const json& entry : *directory) {
    if (Str(entry, "id") == staff.account().org)
      return ParseOrgKind(Str(entry, "kind"));
  }
  return std::nullopt;
}

// Fetches and opens message `id` as the person logged in; an error is the gateway's.
Result<Loaded> Load(const StaffContext& staff, const std::string& id, bool with_tracking) {
  KP_ASSIGN_OR_RETURN(json m,
                      staff.link->Get(staff.user(), "/v1/messages/" + client::PercentEncode(id)));
  Loaded l;
  auto content = staff.link->Open(staff.user(), m);
  if (content) {
    try {
      l.document = json::parse(content->begin(), content->end());
      l.facts.verified = true;
    } catch (const json::exception&) {
      l.facts.payload_error = "error_unreadable";
    }
  } else {
    l.facts.payload_error = "error_unreadable";
    log::Warn("message_unreadable", {{"message_id", id}, {"code", content.error().code}});
  }
  m.erase("payload");  // sealed bytes: nothing a page shows
  const std::string kind = Str(m, "kind");
  if (l.facts.verified) {
    l.facts.rows = PayloadRows(staff.lang, kinds::BuiltinKinds(), kind, l.document);
    const MessageKind* k = kinds::BuiltinKinds().Find(kind);
    // A document without a schema (a secure-mail reply) lists its files apart from its rows.
    if ((k == nullptr || !k->spec().payload) && l.document.is_object() &&
        l.document.contains("attachments") && l.document["attachments"].is_array()) {
      l.facts.attachments = l.document["attachments"];
      std::erase_if(l.facts.rows, [](const ViewRow& r) { return r.field == "attachments"; });
    }
  }
  const bool is_sender = Str(m, "from") == staff.account().org;
  if (is_sender && with_tracking) {
    auto tracking =
        staff.link->Get(staff.user(), "/v1/messages/" + client::PercentEncode(id) + "/tracking");
    if (tracking)
      l.facts.tracking = std::move(*tracking);
    else
      l.facts.tracking_error = std::string(NoticeFor(tracking.error()));
  }
  MessageSituation s{.kind = kind,
                     .state = Str(m, "state"),
                     .is_sender = is_sender,
                     .is_recipient = m.contains("state"),
                     .org_kind = OwnKind(staff).value_or(OrgKind::kCare),
                     .may_act = MayAct(staff),
                     .recalled = m.value("recalled", false)};
  if (m.contains("states") && m["states"].is_object()) {
    for (const auto& [org, state] : m["states"].items()) {
      if (state.is_string())
        s.states[org] = state.get<std::string>();
    }
  }
  l.facts.actions = ActionsFor(kinds::BuiltinKinds(), s);
  l.facts.message = std::move(m);
  return l;
}

int StatusOf(const Error& e) {
  switch (e.kind) {
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kGone:
      return 410;
    case ErrorKind::kPermissionDenied:
      return 403;
    case ErrorKind::kUnavailable:
      return 503;
    default:
      return 502;
  }
}

// The start of a GET: the session, the right to read, and message {id} loaded. nullopt with
// `*done` set (a 303 to /login, or an error page) when the request ends here.
struct Reading {
  StaffContext staff;
  Loaded loaded;
};
std::optional<Reading> BeginRead(const StaffPages& pages, api::Request& req, bool with_tracking,
                                 api::Response* done) {
  auto staff = pages.Begin(req, done);
  if (!staff)
    return std::nullopt;
  if (!MayRead(*staff)) {
    *done = pages.ErrorPage(req, *staff, 403, "not_allowed");
    return std::nullopt;
  }
  if (staff->link == nullptr) {
    *done = pages.ErrorPage(req, *staff, 503, "no_gateway_link");
    return std::nullopt;
  }
  auto loaded = Load(*staff, req.params.at("id"), with_tracking);
  if (!loaded) {
    *done = pages.ErrorPage(req, *staff, StatusOf(loaded.error()), NoticeFor(loaded.error()));
    return std::nullopt;
  }
  return Reading{std::move(*staff), std::move(*loaded)};
}

api::Response Show(const StaffPages& pages, api::Request& req) {
  api::Response done;
  auto reading = BeginRead(pages, req, /*with_tracking=*/true, &done);
  if (!reading)
    return done;
  const StaffContext* staff = &reading->staff;
  const std::string& id = req.params.at("id");
  const MessageFacts& f = reading->loaded.facts;
  std::string body = NoticeHtml(staff->lang, api::QueryValue(req, "notice"));
  body += "<div id=\"message\">" +
          MessageHtml(staff->lang, f, DirectoryNames(*staff), staff->csrf()) + "</div>";
  return pages.Page(req, *staff, 200, Label(staff->lang, "kind", Str(f.message, "kind")), body,
                    MessagePath(id));
}

// The start of a POST: the session, the form and its CSRF token, the role. nullopt with
// `*done` set when the request ends here.
std::optional<std::pair<StaffContext, std::map<std::string, std::string>>> BeginPost(
    const StaffPages& pages, api::Request& req, api::Response* done) {
  auto staff = pages.Begin(req, done);
  if (!staff)
    return std::nullopt;
  const std::string back = MessagePath(req.params.at("id"));
  auto form = api::FormFields(req);
  if (!form || !StaffPages::CsrfOk(*staff, *form)) {
    *done = Redirect(back + "?notice=form_expired");
    return std::nullopt;
  }
  if (!MayAct(*staff)) {
    *done = Redirect(back + "?notice=not_allowed");
    return std::nullopt;
  }
  if (staff->link == nullptr) {
    *done = Redirect(back + "?notice=no_gateway_link");
    return std::nullopt;
  }
  return std::make_pair(std::move(*staff), std::move(*form));
}

api::Response SetStatus(const StaffPages& pages, api::Request& req) {
  api::Response done;
  auto begun = BeginPost(pages, req, &done);
  if (!begun)
    return done;
  auto& [staff, form] = *begun;
  const std::string& id = req.params.at("id");
  json body = {{"state", form["state"]}};
  for (const char* key : {"reason", "code", "recipient"}) {
    auto it = form.find(key);
    if (it != form.end() && !it->second.empty())
      body[key] = it->second;
  }
  auto set =
      staff.link->Post(staff.user(), "/v1/messages/" + client::PercentEncode(id) + "/status", body);
  if (!set) {
    log::Info("status_refused", {{"staff_id", std::to_string(staff.account().id)},
                                 {"message_id", id},
                                 {"code", set.error().code}});
    return Redirect(MessagePath(id) + "?notice=" + std::string(NoticeFor(set.error())));
  }
  log::Info("status_set", {{"staff_id", std::to_string(staff.account().id)}, {"message_id", id}});
  return Redirect(MessagePath(id) + "?notice=status_saved");
}

api::Response Recall(const StaffPages& pages, api::Request& req) {
  api::Response done;
  auto begun = BeginPost(pages, req, &done);
  if (!begun)
    return done;
  auto& staff = begun->first;
  const std::string& id = req.params.at("id");
  auto recalled = staff.link->Post(
      staff.user(), "/v1/messages/" + client::PercentEncode(id) + "/recall", json::object());
  if (!recalled)
    return Redirect(MessagePath(id) + "?notice=" + std::string(NoticeFor(recalled.error())));
  log::Info("recalled", {{"staff_id", std::to_string(staff.account().id)}, {"message_id", id}});
  return Redirect(MessagePath(id) + "?notice=recalled");
}

// A file name safe in a Content-Disposition header: printable ASCII without quotes and
// separators; the rest becomes '_'.
std::string SafeFileName(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '/' && c != ';';
    out += ok ? c : '_';
  }
  return out.empty() ? "attachment" : out;
}

api::Response Attachment(const StaffPages& pages, api::Request& req) {
  api::Response done;
  auto reading = BeginRead(pages, req, /*with_tracking=*/false, &done);
  if (!reading)
    return done;
  const StaffContext* staff = &reading->staff;
  const std::string& id = req.params.at("id");
  const json& files = reading->loaded.facts.attachments;
  std::size_t n = 0;
  const std::string& text = req.params.at("n");
  if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos)
    return pages.ErrorPage(req, *staff, 404, "not_found");
  n = std::stoul(text);
  if (!files.is_array() || n >= files.size())
    return pages.ErrorPage(req, *staff, 404, "not_found");
  const json& a = files[n];
  Result<Bytes> content = Internal("invalid_document", "an attachment without content");
  if (a.contains("data") && a["data"].is_string()) {
    content = crypto::Base64Decode(a["data"].get<std::string>());
  } else if (!Str(a, "attachment_id").empty()) {
    auto envelope = crypto::Base64Decode(Str(a, "envelope"));
    auto cipher = staff->link->Download(
        staff->user(), "/v1/messages/" + client::PercentEncode(id) + "/attachments/" +
                           client::PercentEncode(Str(a, "attachment_id")));
    if (!envelope)
      content = envelope.error();
    else if (!cipher)
      content = cipher.error();
    else
      content = staff->link->OpenDetached(*envelope, *cipher);
  }
  if (!content) {
    log::Warn("attachment_unreadable", {{"message_id", id}, {"code", content.error().code}});
    return pages.ErrorPage(req, *staff, 502, "error_attachment");
  }
  api::Response r;
  r.status = 200;
  r.content_type = "application/octet-stream";
  r.body.assign(content->begin(), content->end());
  api::SetPageHeaders(r, kWorkspacePolicy);
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"" + SafeFileName(Str(a, "name")) + "\"");
  return r;
}

}  // namespace

std::string MessageHtml(api::Lang lang, const MessageFacts& f, const OrgNames& names,
                        const std::string& csrf) {
  std::string out = "<section class=\"card\" id=\"summary\"><h2>" + T(lang, "message_facts") +
                    "</h2>" + HeaderHtml(lang, f, names) + "</section>";
  out += "<section class=\"card\" id=\"content\"><h2>" + T(lang, "content_title") + "</h2>";
  if (!f.payload_error.empty())
    out += "<p id=\"payload-error\" class=\"error\">" + T(lang, f.payload_error) + "</p>";
  else
    out += RowsHtml(f.rows, "payload");
  out += "</section>";
  out += AttachmentsHtml(lang, f);
  out += ThreadHtml(lang, f);
  out += TrackingHtml(lang, f, names);
  out += ActionsHtml(lang, f, names, csrf);
  return out;
}

void RegisterMessagePage(api::Router& router, std::shared_ptr<const StaffPages> pages) {
  router.Add("GET", "/messages/{id}", api::Access::Public(),
             [pages](api::Request& req) { return Show(*pages, req); });
  router.Add("POST", "/messages/{id}/status", api::Access::Public(),
             [pages](api::Request& req) { return SetStatus(*pages, req); });
  router.Add("POST", "/messages/{id}/recall", api::Access::Public(),
             [pages](api::Request& req) { return Recall(*pages, req); });
  router.Add("GET", "/messages/{id}/attachments/{n}", api::Access::Public(),
             [pages](api::Request& req) { return Attachment(*pages, req); });
}

}  // namespace ketenpoort::workspace
