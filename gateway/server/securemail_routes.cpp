#include "gateway/server/securemail_routes.h"
#include "gateway/api/cookies_and_forms.h"
#include "gateway/api/html_page.h"
#include "gateway/api/query.h"
#include "gateway/api/url.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "gateway/securemail/portal/portal_pages.h"
#include "gateway/securemail/portal/qr_svg.h"
#include "gateway/securemail/securemail_request.h"
#include "gateway/securemail/securemail_results.h"

namespace ketenpoort::server {

namespace {

using nlohmann::json;
using portal::HtmlEscape;
using portal::Lang;
using portal::Text;

constexpr std::string_view kCookie = "kp_portal";

using PortalCredentials = SecureMailService::PortalCredentials;

// What a portal request presents: the link's token from the path, the session's secret from
// the cookie, and `csrf` (a form field or a header; "" where the step takes none).
PortalCredentials Credentials(const api::Request& req, std::string csrf = {}) {
  return PortalCredentials{.token = req.params.at("token"),
                           .session = api::CookieValue(req, kCookie),
                           .csrf = std::move(csrf)};
}

// A streamed attachment's plaintext for the response body.
class PlaintextSource : public api::BodySource {
 public:
  explicit PlaintextSource(std::shared_ptr<crypto::DetachedReader> reader)
      : reader_(std::move(reader)) {}
  Result<std::size_t> Read(std::span<char> buffer) override {
    return reader_->Read(
        std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(buffer.data()), buffer.size()));
  }

 private:
  std::shared_ptr<crypto::DetachedReader> reader_;
};

// Counts the uploads being read; a Slot is one of them, given back when it is destroyed.
class UploadSlots : public std::enable_shared_from_this<UploadSlots> {
 public:
  class Slot {
   public:
    explicit Slot(std::shared_ptr<UploadSlots> owner) : owner_(std::move(owner)) {}
    Slot(Slot&&) noexcept = default;
    Slot& operator=(Slot&&) noexcept = default;
    ~Slot() {
      if (owner_)
        owner_->used_.fetch_sub(1);
    }

   private:
    std::shared_ptr<UploadSlots> owner_;
  };

  explicit UploadSlots(int limit) : limit_(limit) {}
  Result<Slot> Take() {
    if (used_.fetch_add(1) >= limit_) {
      used_.fetch_sub(1);
      return Unavailable("too_many_uploads",
                         "the gateway is receiving as many files as it takes at once; try again "
                         "in a moment");
    }
    return Slot(shared_from_this());
  }

 private:
  std::atomic<int> used_{0};
  const int limit_;
};

// POST /v1/attachments: the body goes to disk as it arrives.
class UploadSink : public api::BodySink {
 public:
  UploadSink(SecureMailService* service, Caller caller, store::BlobWriter writer,
             UploadSlots::Slot slot)
      : service_(service),
        caller_(std::move(caller)),
        writer_(std::move(writer)),
        slot_(std::move(slot)) {}
  Status Write(std::string_view bytes) override { return writer_.Append(AsBytes(bytes)); }
  api::Response Finish() override {
    auto done = service_->FinishUpload(caller_, std::move(writer_));
    if (!done)
      return api::Response::FromError(done.error());
    return api::Response::Json(201, ToJson(*done));
  }

 private:
  SecureMailService* service_;
  Caller caller_;
  store::BlobWriter writer_;
  UploadSlots::Slot slot_;
};

// A reply attachment's upload, sealed as it arrives.
class ReplyUploadSink : public api::BodySink {
 public:
  ReplyUploadSink(SecureMailService* service, SecureMailService::ReplyUpload upload,
                  UploadSlots::Slot slot)
      : service_(service), upload_(std::move(upload)), slot_(std::move(slot)) {}
  Status Write(std::string_view bytes) override { return upload_.sealing.Write(AsBytes(bytes)); }
  api::Response Finish() override {
    auto done = service_->FinishReplyUpload(std::move(upload_));
    if (!done)
      return api::Response::FromError(done.error());
    return api::Response::Json(201, ToJson(*done));
  }

 private:
  SecureMailService* service_;
  SecureMailService::ReplyUpload upload_;
  UploadSlots::Slot slot_;
};

// A stored file (ciphertext) for the response body.
class FileSource : public api::BodySource {
 public:
  static Result<std::shared_ptr<FileSource>> Open(const std::string& path) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f)
      return Unavailable("content_unreadable", "the stored file cannot be read");
    return std::make_shared<FileSource>(std::move(f));
  }
  explicit FileSource(std::unique_ptr<std::FILE, int (*)(std::FILE*)> file)
      : file_(std::move(file)) {}
  Result<std::size_t> Read(std::span<char> buffer) override {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file_.get());
    if (n == 0 && std::ferror(file_.get()))
      return Unavailable("content_unreadable", "the stored file cannot be read");
    return n;
  }

 private:
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
};

void PortalHeaders(api::Response& r, std::string_view csp = portal::kContentSecurityPolicy) {
  api::SetPageHeaders(r, csp, /*framable=*/csp != portal::kContentSecurityPolicy);
}

void SetCookie(api::Response& r, const std::string& token, const std::string& value) {
  r.headers.emplace_back("Set-Cookie", api::SessionCookie(kCookie, value, "/m/" + token));
}

api::Response Html(int status, std::string body) {
  return api::HtmlPage(status, std::move(body), portal::kContentSecurityPolicy);
}

api::Response Redirect(const std::string& location) {
  return api::SeeOther(location, portal::kContentSecurityPolicy);
}

Lang RequestLang(const api::Request& req, std::string_view fallback) {
  std::string q = api::QueryValue(req, "lang");
  if (q == "en" || q == "nl")
    return portal::ParseLang(q);
  if (!fallback.empty())
    return portal::ParseLang(fallback);
  return portal::ParseLang("", req.Header("Accept-Language").value_or(""));
}

api::Response ErrorPage(const api::Request& req, const Error& e, const std::string& self) {
  Lang lang = RequestLang(req, "");
  std::string key = "unknown";
  std::string title = "title_unknown";
  if (e.code == "message_recalled" || e.code == "message_expired") {
    key = e.code == "message_recalled" ? "recalled" : "expired";
    title = "title_gone";
  } else if (e.code == "session_invalid" || e.code == "csrf_invalid" || e.code == "not_verified") {
    key = "session_expired";
    title = "title_message";
  }
  std::string body = "<div class=\"card\"><p class=\"notice\" id=\"status\" data-code=\"" +
                     HtmlEscape(e.code) + "\">" + HtmlEscape(Text(lang, key)) + "</p></div>";
  return Html(e.kind == ErrorKind::kGone ? 410 : (e.kind == ErrorKind::kNotFound ? 404 : 403),
              portal::Layout(lang, Text(lang, title), body, self));
}

std::string FormatSize(std::size_t n) {
  if (n < 1024)
    return std::to_string(n) + " B";
  if (n < 1024 * 1024)
    return std::to_string((n + 512) / 1024) + " KB";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / (1024.0 * 1024.0));
  return buf;
}

bool Previewable(std::string_view type) {
  return type == "application/pdf" || type == "image/png" || type == "image/jpeg" ||
         type == "image/gif" || type == "image/webp" || type == "text/plain";
}

// Content-Disposition with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 5987).
std::string Disposition(std::string_view kind, std::string_view name) {
  std::string ascii;
  for (unsigned char c : name)
    ascii +=
        (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '/') ? static_cast<char>(c) : '_';
  if (ascii.empty())
    ascii = "file";
  return std::string(kind) + "; filename=\"" + ascii + "\"; filename*=UTF-8''" +
         api::PercentEncode(name);
}

std::string Notice(Lang lang, const std::string& notice, const SecureMailService::Visit& v) {
  if (notice.empty())
    return {};
  std::string cls = "notice";
  std::string text;
  if (notice == "code_sent") {
    cls = "ok";
    text = std::string(Text(lang, "code_sent"));
  } else if (notice == "code_send_failed") {
    cls = "error";
    text = std::string(Text(lang, "code_send_failed"));
  } else if (notice == "wrong_code") {
    cls = "error";
    text = std::string(Text(lang, v.account_enrolled ? "wrong_app_code" : "wrong_code")) + " " +
           std::string(Text(lang, "attempts_left")) + ": " + std::to_string(v.attempts_left) + ".";
  } else if (notice == "wrong_app_code") {
    cls = "error";
    text = std::string(Text(lang, "wrong_app_code"));
  } else {
    return {};
  }
  return "<p class=\"" + cls + "\" id=\"notice\" data-notice=\"" + HtmlEscape(notice) + "\">" +
         HtmlEscape(text) + "</p>";
}

std::string VerifyBody(Lang lang, const std::string& self, const SecureMailService::Visit& v,
                       const std::string& notice) {
  std::string b = "<div class=\"card\">";
  b += "<p>" + HtmlEscape(Text(lang, "from")) + ": <strong>" + HtmlEscape(v.sender) +
       "</strong></p>";
  if (v.locked) {
    b += "<p class=\"error\" id=\"status\" data-code=\"locked\">" +
         HtmlEscape(Text(lang, "locked")) + " " +
         HtmlEscape(Text(lang, v.can_request_code ? "locked_new_code" : "locked_ask_sender")) +
         "</p>";
  } else {
    b += Notice(lang, notice, v);
    // An address without an app yet proves itself with a mailed code first.
    const bool app = v.verification == "account" && v.account_enrolled;
    const std::string intro = v.verification == "account" && !app ? "email_code" : v.verification;
    b += "<p>" + HtmlEscape(Text(lang, "intro_" + intro)) + "</p>";
  }
  const std::string csrf =
      "<input type=\"hidden\" name=\"csrf\" value=\"" + HtmlEscape(v.csrf) + "\">";
  if (v.verification != "access_code" && v.can_request_code) {
    b += "<form method=\"post\" action=\"" + HtmlEscape(self) + "/code\">" + csrf +
         "<button type=\"submit\" id=\"send-code\" class=\"" + (v.code_active ? "secondary" : "") +
         "\">" + HtmlEscape(Text(lang, v.code_active || v.locked ? "send_new_code" : "send_code")) +
         "</button></form>";
  }
  if (!v.locked && (v.verification == "access_code" || v.code_active)) {
    const bool access = v.verification == "access_code";
    const bool app = v.verification == "account" && v.account_enrolled;
    b += "<form method=\"post\" action=\"" + HtmlEscape(self) + "/verify\">" + csrf;
    b += "<label for=\"code\">" +
         HtmlEscape(Text(lang, access ? "access_code" : (app ? "app_code" : "code"))) + "</label>";
    b += std::string("<input type=\"") + (access ? "password" : "text") +
         "\" id=\"code\" name=\"code\" autocomplete=\"one-time-code\" " +
         (access ? "" : "inputmode=\"numeric\" ") + "required>";
    b += "<button type=\"submit\" id=\"confirm\">" + HtmlEscape(Text(lang, "confirm")) +
         "</button></form>";
  }
  b += "</div>";
  return b;
}

std::string MessageBody(Lang lang, const std::string& self, const SecureMailService::Visit& v,
                        const SecureMailService::Content& c, std::uint64_t max_file_bytes) {
  std::string b = "<div class=\"card\" id=\"message\">";
  b += "<p class=\"meta\">" + HtmlEscape(Text(lang, "from")) + ": <strong>" + HtmlEscape(c.sender) +
       "</strong><br>" + HtmlEscape(Text(lang, "sent")) + ": " + HtmlEscape(c.created);
  if (!c.deadline.empty())
    b += "<br>" + HtmlEscape(Text(lang, "deadline")) + ": " + HtmlEscape(c.deadline);
  b += "</p>";
  if (!c.subject.empty())
    b += "<h2 id=\"subject\">" + HtmlEscape(c.subject) + "</h2>";
  b += "<div class=\"body\" id=\"body\">" + HtmlEscape(c.body) + "</div></div>";
  b += "<div class=\"card\"><h2>" + HtmlEscape(Text(lang, "attachments")) + "</h2>";
  if (c.attachments.empty())
    b += "<p>" + HtmlEscape(Text(lang, "no_attachments")) + "</p>";
  b += "<ul class=\"files\">";
  for (std::size_t i = 0; i < c.attachments.size(); ++i) {
    const auto& a = c.attachments[i];
    const std::string url = self + "/files/" + std::to_string(i);
    b += "<li class=\"file\" data-index=\"" + std::to_string(i) + "\"><strong class=\"name\">" +
         HtmlEscape(a.name) + "</strong> <span class=\"meta\"><span class=\"size\">" +
         HtmlEscape(FormatSize(a.size)) + "</span> · <span class=\"type\">" + HtmlEscape(a.type) +
         "</span></span><br><a class=\"download\" href=\"" + HtmlEscape(url) + "\" download>" +
         HtmlEscape(Text(lang, "download")) + "</a>";
    if (Previewable(a.type)) {
      if (a.type.rfind("image/", 0) == 0) {
        b += "<img class=\"preview\" alt=\"" + HtmlEscape(a.name) + "\" src=\"" + HtmlEscape(url) +
             "?inline=1\">";
      } else {
        b += "<iframe class=\"preview\" sandbox title=\"" + HtmlEscape(a.name) + "\" src=\"" +
             HtmlEscape(url) + "?inline=1\"></iframe>";
      }
    }
    b += "</li>";
  }
  b += "</ul></div>";
  b += "<div class=\"card\"><h2>" + HtmlEscape(Text(lang, "reply")) + "</h2>";
  // The page's script refuses a file above the gateway's limit before sending anything: the
  // gateway would cut such an upload off without a readable answer.
  b += "<form id=\"reply\" data-action=\"" + HtmlEscape(self) + "/reply\" data-csrf=\"" +
       HtmlEscape(v.csrf) + "\" data-sent=\"" + HtmlEscape(Text(lang, "reply_sent")) +
       "\" data-failed=\"" + HtmlEscape(Text(lang, "reply_failed")) + "\" data-max-bytes=\"" +
       std::to_string(max_file_bytes) + "\" data-too-large=\"" +
       HtmlEscape(Text(lang, "reply_too_large")) + " (" + HtmlEscape(FormatSize(max_file_bytes)) +
       ")\">";
  b += "<label for=\"reply-body\">" + HtmlEscape(Text(lang, "reply_body")) +
       "</label><textarea id=\"reply-body\" name=\"body\"></textarea>";
  b += "<label for=\"reply-files\">" + HtmlEscape(Text(lang, "reply_files")) +
       "</label><input type=\"file\" id=\"reply-files\" multiple>";
  b += "<button type=\"submit\" id=\"reply-send\">" + HtmlEscape(Text(lang, "reply_send")) +
       "</button></form><p id=\"reply-status\" hidden></p></div>";
  return b;
}

}  // namespace

void RegisterSecureMailRoutes(api::Router& router, SecureMailService& service,
                              std::string fingerprint, UploadLimits limits) {
  SecureMailService* s = &service;
  const std::uint64_t max_attachment_bytes = limits.max_attachment_bytes;
  auto slots = std::make_shared<UploadSlots>(limits.max_concurrent);
  router.Add("GET", "/m/verify-gateway", api::Access::Public(), [fingerprint](api::Request& req) {
    Lang lang = RequestLang(req, "");
    std::string body = "<div class=\"card\"><p>" + HtmlEscape(Text(lang, "verify_gateway_intro")) +
                       "</p><p><code class=\"fp\" id=\"fingerprint\">" + HtmlEscape(fingerprint) +
                       "</code></p><p>" + HtmlEscape(Text(lang, "verify_gateway_how")) +
                       "</p></div>";
    return Html(
        200, portal::Layout(lang, Text(lang, "title_verify_gateway"), body, "/m/verify-gateway"));
  });
  router.Add("GET", "/m/assets/{name}", api::Access::Public(), [](api::Request& req) {
    const std::string& name = req.params.at("name");
    api::Response r;
    if (name == "portal.css") {
      r.content_type = "text/css; charset=utf-8";
      r.body = std::string(portal::StyleSheet());
    } else if (name == "favicon.svg") {
      r.content_type = "image/svg+xml";
      r.body = std::string(portal::Favicon());
    } else if (name == "portal.js") {
      r.content_type = "text/javascript; charset=utf-8";
      r.body = std::string(portal::Script());
    } else {
      return api::Response::FromError(NotFound("not_found", "no such asset"));
    }
    PortalHeaders(r);
    return r;
  });
  router.Add(
      "GET", "/m/{token}", api::Access::Public(), [s, max_attachment_bytes](api::Request& req) {
        const std::string& token = req.params.at("token");
        const std::string self = "/m/" + token;
        // A click in a webmail page is a cross-site navigation: the SameSite=Strict session cookie
        // is not sent with it. Answer with a same-site reload (no script) instead of starting a new
        // session that would replace a verified one.
        if (req.Header("Sec-Fetch-Site").value_or("") == "cross-site" && !req.query.count("lang")) {
          std::string html =
              "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" "
              "content=\"no-referrer\"><meta http-equiv=\"refresh\" content=\"0;url=" +
              HtmlEscape(self) + "?lang=" + std::string(portal::LangCode(RequestLang(req, ""))) +
              "\"></head><body></body></html>";
          return Html(200, std::move(html));
        }
        auto visit = s->Enter(Credentials(req), req.remote_address);
        if (!visit)
          return ErrorPage(req, visit.error(), self);
        Lang lang = RequestLang(req, visit->lang);
        api::Response r;
        if (visit->needs_enrolment) {
          portal::EnrolmentFacts facts;
          facts.secret_base32 = visit->enrol_key;
          facts.otpauth_uri = visit->enrol_uri;
          auto qr = portal::QrSvg(visit->enrol_uri);
          if (qr)
            facts.qr_svg = std::move(*qr);  // without it the key and the link still do
          facts.csrf = visit->csrf;
          facts.action = self + "/enrol";
          r = Html(200, portal::Layout(lang, Text(lang, "title_enrol"),
                                       Notice(lang, api::QueryValue(req, "notice"), *visit) +
                                           portal::EnrolmentCard(lang, facts),
                                       self));
        } else if (visit->verified) {
          // A session started just now is not verified: Read is only reached with the cookie's.
          auto content = s->Read(Credentials(req), req.remote_address);
          if (!content)
            return ErrorPage(req, content.error(), self);
          r = Html(200, portal::Layout(
                            lang, Text(lang, "title_message"),
                            MessageBody(lang, self, *visit, *content, max_attachment_bytes), self));
        } else {
          r = Html(200, portal::Layout(
                            lang, Text(lang, "title_verify"),
                            VerifyBody(lang, self, *visit, api::QueryValue(req, "notice")), self));
        }
        if (!visit->new_session.empty())
          SetCookie(r, token, visit->new_session);
        return r;
      });
  router.Add("POST", "/m/{token}/code", api::Access::Public(), [s](api::Request& req) {
    const std::string& token = req.params.at("token");
    auto form = api::FormFields(req);
    if (!form)
      return ErrorPage(req, form.error(), "/m/" + token);
    Status sent = s->RequestCode(Credentials(req, (*form)["csrf"]), req.remote_address);
    if (!sent) {
      if (sent.error().kind == ErrorKind::kUnavailable)
        return Redirect("/m/" + token + "?notice=code_send_failed");
      if (sent.error().kind == ErrorKind::kRateLimited || sent.error().kind == ErrorKind::kConflict)
        return Redirect("/m/" + token);
      return ErrorPage(req, sent.error(), "/m/" + token);
    }
    return Redirect("/m/" + token + "?notice=code_sent");
  });
  router.Add("POST", "/m/{token}/verify", api::Access::Public(), [s](api::Request& req) {
    const std::string& token = req.params.at("token");
    auto form = api::FormFields(req);
    if (!form)
      return ErrorPage(req, form.error(), "/m/" + token);
    auto session =
        s->Verify(Credentials(req, (*form)["csrf"]), (*form)["code"], req.remote_address);
    if (!session) {
      if (session.error().code == "wrong_code")
        return Redirect("/m/" + token + "?notice=wrong_code");
      if (session.error().code == "locked")
        return Redirect("/m/" + token);
      return ErrorPage(req, session.error(), "/m/" + token);
    }
    api::Response r = Redirect("/m/" + token);
    SetCookie(r, token, *session);
    return r;
  });
  router.Add("POST", "/m/{token}/enrol", api::Access::Public(), [s](api::Request& req) {
    const std::string& token = req.params.at("token");
    auto form = api::FormFields(req);
    if (!form)
      return ErrorPage(req, form.error(), "/m/" + token);
    Status enrolled =
        s->Enrol(Credentials(req, (*form)["csrf"]), (*form)["code"], req.remote_address);
    if (!enrolled && enrolled.error().code == "wrong_code")
      return Redirect("/m/" + token + "?notice=wrong_app_code");
    if (!enrolled)
      return ErrorPage(req, enrolled.error(), "/m/" + token);
    return Redirect("/m/" + token);
  });
  router.Add("GET", "/m/{token}/files/{n}", api::Access::Public(), [s](api::Request& req) {
    const std::string& token = req.params.at("token");
    const std::string& n = req.params.at("n");
    if (n.empty() || n.size() > 4 || n.find_first_not_of("0123456789") != std::string::npos)
      return ErrorPage(req, NotFound("attachment_not_found", "no such attachment"), "/m/" + token);
    const bool preview = api::QueryValue(req, "inline") == "1";
    auto file = s->Download(Credentials(req), std::stoul(n), req.remote_address, preview);
    if (!file)
      return ErrorPage(req, file.error(), "/m/" + token);
    api::Response r;
    if (file->stream) {
      r.stream = std::make_shared<PlaintextSource>(file->stream);
      r.stream_length = file->size;
    } else {
      r.body.assign(file->data.begin(), file->data.end());
    }
    if (preview && Previewable(file->type)) {
      r.content_type = file->type == "text/plain" ? "text/plain; charset=utf-8" : file->type;
      r.headers.emplace_back("Content-Disposition", Disposition("inline", file->name));
      PortalHeaders(r, portal::kInlineFilePolicy);
    } else {
      r.content_type = "application/octet-stream";
      r.headers.emplace_back("Content-Disposition", Disposition("attachment", file->name));
      PortalHeaders(r, "default-src 'none'; sandbox");
    }
    return r;
  });
  router.Add("POST", "/m/{token}/reply", api::Access::Public(), [s](api::Request& req) {
    auto body = api::ParseJsonBody(req);
    if (!body)
      return api::Response::FromError(body.error());
    auto r = s->Reply(Credentials(req, req.Header("X-CSRF-Token").value_or("")),
                      SecureMailReplyFromJson(*body), req.remote_address);
    if (!r)
      return api::Response::FromError(r.error());
    return api::Response::Json(202, ToJson(*r));
  });
  router.AddUpload(
      "POST", "/m/{token}/files", api::Access::Public(), max_attachment_bytes,
      [s, slots](api::Request& req) -> Result<std::unique_ptr<api::BodySink>> {
        KP_ASSIGN_OR_RETURN(UploadSlots::Slot slot, slots->Take());
        KP_ASSIGN_OR_RETURN(
            SecureMailService::ReplyUpload upload,
            s->BeginReplyUpload(Credentials(req, req.Header("X-CSRF-Token").value_or("")),
                                req.remote_address));
        return std::unique_ptr<api::BodySink>(
            std::make_unique<ReplyUploadSink>(s, std::move(upload), std::move(slot)));
      });
  router.Add("GET", "/v1/messages/{id}/attachments/{attachment_id}",
             api::Access::Roles({Role::kRecipient}), [s](api::Request& req) {
               auto file =
                   s->AttachmentCiphertext(Caller{*req.principal, req.remote_address},
                                           req.params.at("id"), req.params.at("attachment_id"));
               if (!file)
                 return api::Response::FromError(file.error());
               auto source = FileSource::Open(file->path);
               if (!source)
                 return api::Response::FromError(source.error());
               api::Response r;
               r.content_type = "application/octet-stream";
               r.stream = *source;
               r.stream_length = file->size;
               return r;
             });
  router.AddUpload(
      "POST", "/v1/attachments", api::Access::Roles({Role::kSender}), max_attachment_bytes,
      [s, slots](api::Request& req) -> Result<std::unique_ptr<api::BodySink>> {
        auto type = req.Header("Content-Type");
        if (!type ||
            !api::EqualsIgnoreCase(api::TrimHttpWhitespace(*type), "application/octet-stream")) {
          return InvalidArgument("unsupported_media_type",
                                 "send the attachment's ciphertext as 'Content-Type: "
                                 "application/octet-stream'",
                                 "Content-Type");
        }
        KP_ASSIGN_OR_RETURN(UploadSlots::Slot slot, slots->Take());
        Caller caller{*req.principal, req.remote_address};
        KP_ASSIGN_OR_RETURN(store::BlobWriter writer, s->BeginUpload(caller));
        return std::unique_ptr<api::BodySink>(
            std::make_unique<UploadSink>(s, std::move(caller), std::move(writer), std::move(slot)));
      });
  router.Add("POST", "/v1/messages/{id}/resend", api::Access::Roles({Role::kSender}),
             [s](api::Request& req) {
               auto body = api::ParseJsonBody(req);
               if (!body)
                 return api::Response::FromError(body.error());
               auto request = SecureMailResendFromJson(*body);
               if (!request)
                 return api::Response::FromError(request.error());
               auto r = s->Resend(Caller{*req.principal, req.remote_address}, req.params.at("id"),
                                  std::move(*request));
               if (!r)
                 return api::Response::FromError(r.error());
               return api::Response::Json(200, ToJson(*r));
             });
}

}  // namespace ketenpoort::server
