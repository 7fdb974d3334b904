#include "gateway/workspace/inbox_page.h"

#include <algorithm>
#include <vector>

#include "adapters/kinds/registry.h"
#include "gateway/api/query.h"
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

// Pages of 100 fetched per list, at most 10: 1000 messages, more than a page should show.
constexpr PageBounds kBounds{.page_size = 100, .max_pages = 10};

std::string Str(const json& j, const char* key) {
  return StringOf(j, key);
}

long long Cursor(const json& j) {
  try {
    return std::stoll(Str(j, "cursor"));
  } catch (...) {
    return 0;
  }
}

// Newest first: by the list's cursor, which grows with each entry.
std::vector<json> NewestFirst(const json& list) {
  std::vector<json> items;
  if (list.is_array())
    items.assign(list.begin(), list.end());
  std::stable_sort(items.begin(), items.end(),
                   [](const json& a, const json& b) { return Cursor(a) > Cursor(b); });
  return items;
}

// Whether a delivery in `state` still owes an answer.
bool Waiting(const std::string& kind, const std::string& state) {
  const KindRegistry& kinds = kinds::BuiltinKinds();
  const Lifecycle& lc = kinds.LifecycleFor(kind);
  if (lc.IsFinal(state))
    return false;
  if (const MessageKind* k = kinds.Find(kind)) {
    const auto& answers = k->spec().answer_states;
    if (std::find(answers.begin(), answers.end(), state) != answers.end())
      return false;
  }
  return true;
}

bool Overdue(const json& m, const std::string& state, std::int64_t now_ms) {
  auto deadline = ParseUtcTime(Str(m, "deadline"));
  return deadline && *deadline < now_ms && Waiting(Str(m, "kind"), state);
}

std::string Meta(api::Lang lang, std::string_view key, const std::string& value,
                 std::string_view cls) {
  return "<span class=\"" + std::string(cls) + "\">" + HtmlEscape(Text(lang, key)) + ": " +
         HtmlEscape(value) + "</span> ";
}

std::string Badges(api::Lang lang, bool is_new, bool overdue, bool recalled) {
  std::string b;
  if (is_new)
    b += "<strong class=\"badge new\">" + HtmlEscape(Text(lang, "badge_new")) + "</strong> ";
  if (overdue)
    b +=
        "<strong class=\"badge overdue\">" + HtmlEscape(Text(lang, "badge_overdue")) + "</strong> ";
  if (recalled)
    b += "<strong class=\"badge\">" + HtmlEscape(Text(lang, "badge_recalled")) + "</strong> ";
  return b;
}

// Deadline and urgency, shared by both lists.
std::string Timing(api::Lang lang, const json& m) {
  std::string out;
  const std::string deadline = Str(m, "deadline");
  if (!deadline.empty())
    out += Meta(lang, "deadline", LocalTimeText(lang, deadline), "deadline");
  if (m.contains("routing") && m["routing"].is_object()) {
    const std::string urgency = Str(m["routing"], "urgency");
    if (!urgency.empty())
      out += Meta(lang, "urgency", Label(lang, "enum.urgency", urgency), "urgency");
  }
  return out;
}

std::string ReceivedItem(api::Lang lang, const json& m, const OrgNames& names,
                         std::int64_t now_ms) {
  const std::string id = Str(m, "id");
  const std::string state = Str(m, "state");
  const bool is_new = state == "delivered";
  const bool overdue = Overdue(m, state, now_ms);
  const bool recalled = m.value("recalled", false);
  std::string cls = "message";
  if (is_new)
    cls += " new";
  if (overdue)
    cls += " overdue";
  std::string li = "<li class=\"" + cls + "\" id=\"msg-" + HtmlEscape(id) + "\" data-state=\"" +
                   HtmlEscape(state) + "\">";
  li += Badges(lang, is_new, overdue, recalled);
  li += "<a href=\"/messages/" + HtmlEscape(id) + "\">" +
        HtmlEscape(Label(lang, "kind", Str(m, "kind"))) + "</a> ";
  li += "<span class=\"meta\">";
  li += Meta(lang, "from", names(Str(m, "from")), "from");
  li += Meta(lang, "state", Label(lang, "state", state), "state");
  li += Timing(lang, m);
  li += Meta(lang, "created", LocalTimeText(lang, Str(m, "created")), "created");
  return li + "</span></li>";
}

std::string SentItem(api::Lang lang, const json& m, const OrgNames& names, std::int64_t now_ms) {
  const std::string id = Str(m, "id");
  std::string states;
  bool overdue = false;
  if (m.contains("states") && m["states"].is_object()) {
    for (const auto& [org, state] : m["states"].items()) {
      if (!states.empty())
        states += "; ";
      const std::string s = state.is_string() ? state.get<std::string>() : std::string();
      states += names(org) + ": " + Label(lang, "state", s);
      overdue = overdue || Overdue(m, s, now_ms);
    }
  }
  const bool recalled = m.value("recalled", false);
  std::string li = "<li class=\"message" + std::string(overdue ? " overdue" : "") + "\" id=\"msg-" +
                   HtmlEscape(id) + "\">";
  li += Badges(lang, false, overdue, recalled);
  li += "<a href=\"/messages/" + HtmlEscape(id) + "\">" +
        HtmlEscape(Label(lang, "kind", Str(m, "kind"))) + "</a> <span class=\"meta\">";
  li += Meta(lang, "recipients_states", states, "states");
  li += Timing(lang, m);
  li += Meta(lang, "created", LocalTimeText(lang, Str(m, "created")), "created");
  return li + "</span></li>";
}

// A notice's reason in words: a recipient's answer reads "declined (no_place)".
std::string NoticeReason(api::Lang lang, const json& n) {
  const std::string type = Str(n, "type");
  if (type != "status")
    return "";
  std::string reason = Str(n, "reason");
  std::string code;
  if (auto open = reason.find(" ("); open != std::string::npos && reason.back() == ')') {
    code = reason.substr(open + 2, reason.size() - open - 3);
    reason = reason.substr(0, open);
  }
  std::string out = Label(lang, "state", reason);
  if (!code.empty()) {
    const KindRegistry& kinds = kinds::BuiltinKinds();
    std::string list;
    for (const MessageKind* k : kinds.All()) {
      if (const StateRule* rule = k->lifecycle().RuleFor(reason); rule && !rule->code_list.empty())
        list = rule->code_list;
    }
    out += " (" + (list.empty() ? code : Label(lang, "code." + list, code)) + ")";
  }
  return out;
}

std::string NoticeItem(api::Lang lang, const json& n, const OrgNames& names) {
  const std::string type = Str(n, "type");
  std::string li = "<li class=\"notice-item\" data-type=\"" + HtmlEscape(type) + "\">";
  li += "<strong>" + HtmlEscape(Label(lang, "notice", type)) + "</strong> ";
  const std::string about = Str(n, "about");
  if (!about.empty())
    li += HtmlEscape(names(about)) + " ";
  const std::string reason = NoticeReason(lang, n);
  if (!reason.empty())
    li += "<span class=\"reason\">" + HtmlEscape(reason) + "</span> ";
  li += "<span class=\"meta\">";
  const std::string due = Str(n, "due");
  if (!due.empty() && type != "status")
    li += Meta(lang, "deadline", LocalTimeText(lang, due), "due");
  li += Meta(lang, "time", LocalTimeText(lang, Str(n, "time")), "time") + "</span>";
  const std::string id = Str(n, "message_id");
  if (!id.empty()) {
    li += " <a href=\"/messages/" + HtmlEscape(id) + "\">" +
          HtmlEscape(Text(lang, "open_message")) + "</a>";
  }
  return li + "</li>";
}

std::string Section(api::Lang lang, std::string_view id, std::string_view title_key,
                    const std::string& error, const std::string& older_href,
                    const std::vector<std::string>& items, std::string_view empty_key) {
  std::string s = "<section class=\"card\" id=\"" + std::string(id) + "\" aria-labelledby=\"" +
                  std::string(id) + "-title\"><h2 id=\"" + std::string(id) + "-title\">" +
                  HtmlEscape(Text(lang, title_key)) + "</h2>";
  if (!error.empty()) {
    s += "<p class=\"error\">" + HtmlEscape(Text(lang, error)) + "</p>";
  } else if (items.empty()) {
    s += "<p class=\"meta\">" + HtmlEscape(Text(lang, empty_key)) + "</p>";
  } else {
    s += "<ul class=\"messages\">";
    for (const std::string& item : items)
      s += item;
    s += "</ul>";
    if (!older_href.empty()) {
      s += "<p><a id=\"" + std::string(id) + "-older\" href=\"" + HtmlEscape(older_href) + "\">" +
           HtmlEscape(Text(lang, "older_messages")) + "</a></p>";
    }
  }
  return s + "</section>";
}

}  // namespace

std::string InboxHtml(api::Lang lang, const InboxLists& lists, const OrgNames& names,
                      std::int64_t now_ms) {
  std::vector<std::string> notices;
  std::vector<json> sorted_notices;
  if (lists.notices.is_array())
    sorted_notices.assign(lists.notices.begin(), lists.notices.end());
  std::stable_sort(sorted_notices.begin(), sorted_notices.end(),
                   [](const json& a, const json& b) { return Str(a, "time") > Str(b, "time"); });
  for (const json& n : sorted_notices)
    notices.push_back(NoticeItem(lang, n, names));
  std::vector<std::string> received;
  for (const json& m : NewestFirst(lists.received))
    received.push_back(ReceivedItem(lang, m, names, now_ms));
  std::vector<std::string> sent;
  for (const json& m : NewestFirst(lists.sent))
    sent.push_back(SentItem(lang, m, names, now_ms));
  std::string b =
      Section(lang, "notices", "notices_title", lists.notices_error, "", notices, "notices_none");
  b += Section(lang, "received", "received_title", lists.received_error, lists.received_older,
               received, "received_none");
  b += Section(lang, "sent", "sent_title", lists.sent_error, lists.sent_older, sent, "sent_none");
  return b;
}

api::Response ServeInbox(const StaffPages& pages, api::Request& req) {
  api::Response login;
  auto staff = pages.Begin(req, &login);
  if (!staff)
    return login;
  std::string body = NoticeHtml(staff->lang, api::QueryValue(req, "notice"));
  if (!MayRead(*staff) || staff->link == nullptr) {
    body += "<p class=\"error\" id=\"inbox-error\">" +
            HtmlEscape(Text(staff->lang, MayRead(*staff) ? "no_gateway_link" : "not_allowed")) +
            "</p>";
    return pages.Page(req, *staff, 200, Text(staff->lang, "title_inbox"), body, "/inbox");
  }
  InboxLists lists;
  bool notices_cut = false;  // notices are shown as fetched; none is older than the bound
  if (auto got = FetchPages(*staff, "/v1/notices", {}, "notices", kBounds, &notices_cut))
    lists.notices = std::move(*got);
  else
    lists.notices_error = std::string(NoticeFor(got.error()));
  // One page of a list, newest first, below `before` (the query parameter `param`); the link to
  // the next older page when this one is full.
  auto page = [&](const std::string& path, const char* param, json* into, std::string* older,
                  std::string* error) {
    std::vector<client::QueryParam> query = {{"order", "newest"},
                                             {"limit", std::to_string(kListPage)}};
    const std::string before = api::QueryValue(req, param);
    if (!before.empty() && before.find_first_not_of("0123456789") == std::string::npos)
      query.emplace_back("before", before);
    auto got = staff->link->Get(staff->user(), path, query);
    if (!got) {
      *error = std::string(NoticeFor(got.error()));
      return;
    }
    auto items = got->find("messages");
    if (items == got->end() || !items->is_array()) {
      *error = "gateway_unavailable";
      return;
    }
    *into = std::move(*items);
    if (static_cast<int>(into->size()) == kListPage)
      *older = "/inbox?" + std::string(param) + "=" + StringOf(*got, "next");
  };
  page("/v1/inbox", "received_before", &lists.received, &lists.received_older,
       &lists.received_error);
  page("/v1/sent", "sent_before", &lists.sent, &lists.sent_older, &lists.sent_error);
  body += "<div id=\"inbox\">" +
          InboxHtml(staff->lang, lists, DirectoryNames(*staff), pages.NowMs()) + "</div>";
  return pages.Page(req, *staff, 200, Text(staff->lang, "title_inbox"), body, "/inbox");
}

}  // namespace ketenpoort::workspace
