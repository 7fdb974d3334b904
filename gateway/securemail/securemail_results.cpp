#include "gateway/securemail/securemail_results.h"

#include <utility>

#include "gateway/audit/time_format.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::server {

namespace {

using nlohmann::json;

// An optional time: RFC 3339, or null.
json TimeOrNull(const std::optional<std::int64_t>& ms) {
  return ms ? json(audit::FormatTime(*ms)) : json(nullptr);
}

json RecipientToJson(const SecureMailTracking::Recipient& r) {
  json downloads = json::array();
  for (const SecureMailTracking::Download& d : r.downloads) {
    downloads.push_back({{"file", d.file},
                         {"time", audit::FormatTime(d.time_ms)},
                         {"how", d.preview ? "preview" : "download"}});
  }
  json events = json::array();
  for (const SecureMailTracking::Event& e : r.events) {
    json ev = {{"event", e.event}, {"time", audit::FormatTime(e.time_ms)}};
    if (!e.detail.empty())
      ev["detail"] = e.detail;
    events.push_back(std::move(ev));
  }
  return json{{"email", r.email},
              {"verification", r.verification},
              {"state", r.state},
              {"notified", TimeOrNull(r.notified_ms)},
              {"verified", TimeOrNull(r.verified_ms)},
              {"opened", TimeOrNull(r.opened_ms)},
              {"replied", TimeOrNull(r.replied_ms)},
              {"locked", r.locked},
              {"failed_attempts", r.failed_attempts},
              {"downloads", std::move(downloads)},
              {"events", std::move(events)}};
}

}  // namespace

json ToJson(const UploadAccepted& upload) {
  return json{{"attachment_id", upload.attachment_id},
              {"size", upload.size},
              {"expires", audit::FormatTime(upload.expires_ms)}};
}

json ToJson(const ReplyUploaded& upload) {
  return json{{"attachment_id", upload.attachment_id},
              {"size", upload.size},
              {"sha256", crypto::HexEncode(upload.sha256)},
              {"envelope", crypto::Base64Encode(upload.envelope_der)}};
}

json ToJson(const Resent& resent) {
  return json{{"id", resent.id}, {"status", "resent"}, {"recipients", resent.recipients}};
}

json ToJson(const SecureMailTracking& tracking) {
  json warnings = json::array();
  for (const SecureMailTracking::Warning& w : tracking.warnings) {
    warnings.push_back(
        {{"email", w.email}, {"time", audit::FormatTime(w.time_ms)}, {"reason", w.reason}});
  }
  json recipients = json::array();
  for (const SecureMailTracking::Recipient& r : tracking.recipients)
    recipients.push_back(RecipientToJson(r));
  return json{{"id", tracking.id},
              {"kind", "securemail"},
              {"deadline", TimeOrNull(tracking.deadline_ms)},
              {"expires", TimeOrNull(tracking.expires_ms)},
              {"expired", tracking.expired},
              {"recalled", TimeOrNull(tracking.recalled_ms)},
              {"show_subject", tracking.show_subject},
              {"warnings", std::move(warnings)},
              {"recipients", std::move(recipients)}};
}

}  // namespace ketenpoort::server
