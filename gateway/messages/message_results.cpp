#include "gateway/messages/message_results.h"

#include <string>
#include <utility>

#include "gateway/audit/time_format.h"

namespace ketenpoort::server {

namespace {

using nlohmann::json;

// A header as a list shows it (the inbox, the sent list): with "recalled", "expired", "cursor".
json ListedHeader(const delivery::FederationMessage& header, bool recalled, bool expired,
                  std::int64_t cursor) {
  json h = delivery::HeaderToJson(header);
  h["recalled"] = recalled;
  h["expired"] = expired;
  h["cursor"] = std::to_string(cursor);
  return h;
}

}  // namespace

json ToJson(const Accepted& accepted) {
  return json{{"id", accepted.id}, {"status", "accepted"}, {"recipients", accepted.recipients}};
}

json ToJson(const InboxPage& page) {
  json messages = json::array();
  for (const InboxEntry& entry : page.messages) {
    json h = ListedHeader(entry.header, entry.recalled, entry.expired, entry.cursor);
    h["state"] = entry.state;
    messages.push_back(std::move(h));
  }
  return json{{"messages", std::move(messages)}, {"next", std::to_string(page.next)}};
}

json ToJson(const SentPage& page) {
  json messages = json::array();
  for (const SentEntry& entry : page.messages) {
    json h = ListedHeader(entry.header, entry.recalled, entry.expired, entry.cursor);
    json states = json::object();
    for (const auto& [org, state] : entry.states)
      states[org] = state;
    h["states"] = std::move(states);
    messages.push_back(std::move(h));
  }
  return json{{"messages", std::move(messages)}, {"next", std::to_string(page.next)}};
}

json ToJson(const MessageView& view) {
  json out = delivery::ToJson(view.message);
  out["recalled"] = view.recalled;
  if (view.state)
    out["state"] = *view.state;
  if (view.states) {
    json states = json::object();
    for (const auto& [org, state] : *view.states)
      states[org] = state;
    out["states"] = std::move(states);
  }
  out["codelists"] = CodeListVersionsToJson(view.codelists);
  if (view.link) {
    out["follows"] = view.link->follows;
    out["thread"] = view.link->thread;
  }
  return out;
}

json ToJson(const ConsentWithdrawn& w) {
  return {{"subject_ref", w.subject_ref},
          {"recipient", w.recipient.empty() ? json(nullptr) : json(w.recipient)},
          {"time", audit::FormatTime(w.time_ms)}};
}

json ToJson(const StatusChanged& changed) {
  json out = {{"id", changed.id},
              {"org", changed.org},
              {"state", changed.state},
              {"time", audit::FormatTime(changed.time_ms)}};
  if (changed.recipients)
    out["recipients"] = *changed.recipients;
  return out;
}

json ToJson(const MessageTracking& tracking) {
  json recipients = json::array();
  for (const MessageTracking::Recipient& r : tracking.recipients) {
    json events = json::array();
    for (const MessageTracking::Event& e : r.events) {
      json ev = {{"state", e.state}, {"time", audit::FormatTime(e.time_ms)}, {"by", e.by}};
      if (!e.reason.empty())
        ev["reason"] = e.reason;
      if (!e.code.empty())
        ev["code"] = e.code;
      events.push_back(std::move(ev));
    }
    json out = {{"org", r.org},
                {"state", r.state},
                {"legal_basis", r.legal_basis},
                {"events", std::move(events)}};
    if (r.transfer) {
      const MessageTracking::Transfer& t = *r.transfer;
      out["transfer"] = {{"gateway", t.gateway},
                         {"state", t.state},
                         {"attempts", t.attempts},
                         {"last_error", t.last_error}};
      if (!t.receipt.empty()) {
        json receipt = json::parse(t.receipt, nullptr, /*allow_exceptions=*/false);
        if (!receipt.is_discarded())
          out["transfer"]["receipt"] = std::move(receipt);
      }
    }
    recipients.push_back(std::move(out));
  }
  json notices = json::array();
  for (const MessageTracking::Notice& n : tracking.notices) {
    notices.push_back({{"type", n.type},
                       {"to", n.to},
                       {"about", n.about},
                       {"due", audit::FormatTime(n.due_ms)},
                       {"time", audit::FormatTime(n.time_ms)},
                       {"reason", n.reason},
                       {"mail", n.mail}});
  }
  json out{{"id", tracking.id},
           {"kind", tracking.kind},
           {"legal_basis", tracking.legal_basis},
           {"codelists", CodeListVersionsToJson(tracking.codelists)},
           {"deadline",
            tracking.deadline_ms ? json(audit::FormatTime(*tracking.deadline_ms)) : json(nullptr)},
           {"recalled",
            tracking.recalled_ms ? json(audit::FormatTime(*tracking.recalled_ms)) : json(nullptr)},
           {"recipients", std::move(recipients)},
           {"notices", std::move(notices)}};
  if (tracking.link) {
    out["follows"] = tracking.link->follows;
    out["thread"] = tracking.link->thread;
    out["follow_reason"] = tracking.link->reason;
  }
  if (!tracking.thread_messages.empty())
    out["thread_messages"] = tracking.thread_messages;
  return out;
}

json ToJson(const Recalled& recalled) {
  return json{{"id", recalled.id}, {"status", "recalled"}};
}

}  // namespace ketenpoort::server
