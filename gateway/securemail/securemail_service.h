// Secure mail to e-mail addresses (docs/DESIGN.md, lessons from practice and security model):
// submission, the notification worker's due work, the sender's tracking and re-send, and every
// step of the portal at /m/TOKEN.
// The routes (server/securemail_routes.cpp, server/message_routes.cpp) only translate HTTP to
// these calls and render pages: they read the body (securemail_request.h), the cookie, the form
// and the headers, and set the cookie; this takes typed values and reads no request.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(auto mail, SecureMailService::Create(deps));  // db, directory, keyring
//                                                      //   ("portal" key), a mailer
//   KP_ASSIGN_OR_RETURN(Accepted accepted,
//                       mail->Submit(caller, SecureMailSubmissionFromJson(body)));
//                                                      // ToJson: 202 {"id","status","recipients"}
//   mail->RunDueWork();                                // worker: notify, warn, expire, delete
//                                                      //   unneeded uploads (no db lock held
//                                                      //   while mail goes out)
//   KP_ASSIGN_OR_RETURN(Visit visit, mail->Enter({token}, ip));  // the link's /m/TOKEN
//   PortalCredentials who{token, visit.new_session, visit.csrf};  // later: the cookie, the form
//   KP_RETURN_IF_ERROR(mail->RequestCode(who, ip));    // mails or texts a one-time code
//   KP_ASSIGN_OR_RETURN(std::string session, mail->Verify(who, code, ip));  // a verified session
//   KP_ASSIGN_OR_RETURN(Content content, mail->Read({token, session}, ip));  // decrypted with
//                                                      //   the portal key: "opened"
//   KP_ASSIGN_OR_RETURN(SecureMailTracking t, mail->Tracking(caller, accepted.id));
//                                                      // ToJson: GET .../tracking (results.h)
//
// Submission body: {"kind":"securemail", "recipients":[{"email", "verification":
// "email_code|access_code|sms|account", "phone"?, "access_code"?}], "subject"?, "show_subject"?,
// "lang"? ("nl"|"en"), "sender_email"?, "subject_ref"?, "legal_basis"?, "deadline"?, "expires"?,
// "payload"} where payload is base64 CMS encrypted to the `portal` organisation's certificate
// (and optionally the sender's own, nobody else) around a SignedData by the sender organisation
// whose content is the document of securemail_document.h: the body and the attachments, inline
// or uploaded beforehand (POST /v1/attachments, streamed to disk: BeginUpload, FinishUpload).
// Refusals, in this order (the form is SecureMailSubmissionFromJson's, taken up in its place):
// unknown keys 400 unknown_field; the token's organisation not in the directory 403
// unknown_sender; a gateway without a mail relay (Deps::mailer empty) 422 mail_unavailable,
// since no recipient could ever get the link; bad recipients 400 invalid_recipients (access_code
// without a code of 6..128 characters, sms without an E.164 phone), each in turn, or an sms
// recipient on a gateway without an SMS provider 422 sms_unavailable; subject, lang, sender_email
// 400; subject_ref, deadline, expires malformed or an expiry past 400; legal_basis 400; payload 400
// / 422 as for any message; payload not for the portal or for someone else 422
// envelope_recipient_mismatch; a payload the portal cannot open,
// not signed by the sender organisation, or not a secure-mail document 422; an attachment_id
// that is not an unclaimed upload of the sender's organisation 422 attachment_unknown; an
// upload that does not decrypt under its envelope to the signed size and SHA-256 422
// attachment_mismatch. So whatever is accepted, every recipient can open: the sender learns of
// a broken attachment now, not after the meeting it was for.
// In one transaction: the message (kind securemail, no organisation deliveries), the settings,
// one row per address with the access code as a salted hash and a notification due now, and
// the audit entries. The worker then mints each recipient's link token (256 bits; only its hash
// is stored; a re-send mints a new one, so an older link stops working) and mails it. The
// notification stays due until the relay took it (across restarts: it is a committed row); a
// failure is tried again 2 s later, doubling up to 10 minutes, until the message expires (a
// message without an expiry gives up after 12 attempts: event "notify_dead").
//
// Portal rules: codes are 6 digits, valid options.code_ttl_ms, stored salted and hashed,
// compared in constant time; after options.max_attempts wrong codes the recipient is locked
// out; for email_code and sms a new code (at most options.max_codes per notification) unlocks,
// for access_code and an enrolled account only the sender's re-send does. `account` is an
// authenticator app (TOTP, RFC 6238) kept per address across messages: the first message
// proves the address with a mailed code and sets up the app (Enrol); later ones ask for the
// app's code, each time step once only. A recalled or expired message shows as such at once. Every
// step is an event in the tracking and an audit entry.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/transports/smtp_client.h"
#include "gateway/audit/audit_entry.h"
#include "gateway/core/bytes.h"
#include "gateway/core/directory.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/detached_envelope.h"
#include "gateway/crypto/keyring.h"
#include "gateway/messages/live_directory.h"
#include "gateway/messages/message_request.h"
#include "gateway/messages/message_results.h"
#include "gateway/messages/message_service.h"
#include "gateway/securemail/sealing_upload.h"
#include "gateway/securemail/securemail_document.h"
#include "gateway/securemail/securemail_request.h"
#include "gateway/securemail/securemail_results.h"
#include "gateway/store/blob_repository.h"
#include "gateway/store/blob_store.h"
#include "gateway/store/database.h"
#include "gateway/store/guarded_database.h"
#include "gateway/store/message_repository.h"

namespace ketenpoort::server {

struct SecureMailOptions {
  std::string base_url;     // "https://gw.example.org:8443" (links are BASE/m/TOKEN)
  std::string fingerprint;  // SHA-256 of the gateway's TLS certificate, colon hex
  std::int64_t max_attempts = 5;
  std::int64_t max_codes = 10;
  std::int64_t code_ttl_ms = 10 * 60 * 1000;
  std::int64_t session_ttl_ms = 60 * 60 * 1000;
  std::int64_t deadline_warning_ms = 24 * 60 * 60 * 1000;
  std::int64_t upload_ttl_ms = 24 * 60 * 60 * 1000;  // an unclaimed upload is deleted after this
  std::string default_lang = "nl";
};

class SecureMailService {
 public:
  using Clock = std::function<std::int64_t()>;
  using Mailer = std::function<Status(const transports::MailMessage&)>;
  using SmsSender = std::function<Status(const std::string& phone, const std::string& text)>;

  struct Deps {
    store::GuardedDatabase* db = nullptr;
    const LiveDirectory* directory = nullptr;  // the portal's entry is read once, at Create
    const crypto::Keyring* keyring = nullptr;  // holds `portal_key_id`
    std::string portal_key_id = "portal";
    std::vector<crypto::Certificate> trust_anchors;  // the deployment CA(s)
    SecureMailOptions options;
    Clock clock;
    const store::BlobStore* blobs = nullptr;  // null: POST /v1/attachments answers 503
    Mailer mailer;  // empty: no relay, so submissions are refused (422 mail_unavailable)
    SmsSender sms;  // empty: sms verification is refused at submission
  };

  static Result<std::unique_ptr<SecureMailService>> Create(Deps deps);

  // --- the sender (API) ---
  // `submission` as SecureMailSubmissionFromJson read it, or the error it answered, which is
  // refused and audited like every other refusal. With an Idempotency-Key: the same key and
  // body answer the first result; another body 409 idempotency_conflict (per organisation,
  // shared with MessageService's keys). The recipients of the answer are addresses.
  Result<Accepted> Submit(const Caller& caller, Result<SecureMailSubmission> submission,
                          std::optional<IdempotencyKey> idempotency_key = std::nullopt);
  bool IsSecureMail(std::string_view message_id);
  // POST /v1/attachments: the writer the upload's body (ciphertext) is streamed into, then
  // FinishUpload makes it durable and records it for the caller's organisation, with the time
  // an unclaimed upload is deleted. Audited as a submit of the attachment id.
  Result<store::BlobWriter> BeginUpload(const Caller& caller);
  Result<UploadAccepted> FinishUpload(const Caller& caller, store::BlobWriter writer);
  // The sender's view of its secure mail `id`: per address every event, the first time of each
  // step and the state reached; 404 message_not_found for anyone else's or another kind.
  // Audited as a fetch.
  Result<SecureMailTracking> Tracking(const Caller& caller, std::string_view id);
  // POST /v1/messages/{id}/resend {"recipients":[{"email","verification",...}]}: only
  // addresses of the message, each with the same or a stronger verification (422
  // verification_weaker otherwise).
  // The body is read by SecureMailResendFromJson (securemail_request.h).
  Result<Resent> Resend(const Caller& caller, std::string_view id, SecureMailResend request);

  // GET /v1/messages/{id}/attachments/{attachment_id}: where the ciphertext of an uploaded
  // attachment of message `id` is, for an organisation that received the message (a portal
  // reply); it opens it with the envelope in the message's document. 404 otherwise.
  struct StoredFile {
    std::string path;
    std::uint64_t size = 0;
  };
  Result<StoredFile> AttachmentCiphertext(const Caller& caller, std::string_view message_id,
                                          std::string_view attachment_id);

  // --- the worker: due notifications, deadline warnings, expiry. Returns the actions taken.
  // Checks `stop` between items and returns early once it is requested.
  int RunDueWork(std::stop_token stop = {});
  // Called after a commit that made notifications due (submission, re-send): the daemon wakes
  // the worker that calls RunDueWork with it, so mail goes out now, not at the next interval.
  // Set before the first request.
  void OnWorkCreated(std::function<void()> wake) { work_created_ = std::move(wake); }
  // Called after the commit of each new message of kind securemail (a submission, not an
  // Idempotency-Key replay: delivered 0, it reaches addresses, not organisations) and of each
  // portal reply (delivered 1, to the sender's organisation): the daemon counts them as
  // MessageService::OnStored's (GET /metrics). Set before the first request.
  void OnStored(std::function<void(const MessageService::Stored&)> counted) {
    stored_ = std::move(counted);
  }

  // --- the portal ---
  // What a portal request presents, as the routes read it from the request: the link's token
  // (the path /m/TOKEN), the session's secret (the kp_portal cookie) and the CSRF token (the
  // form's csrf field, or the X-CSRF-Token header). Each is checked against what is stored:
  // the token and the session by their hashes, the CSRF token, in constant time, against the
  // session's own, by every step that changes something (RequestCode, Verify, Enrol,
  // BeginReplyUpload, Reply).
  struct PortalCredentials {
    std::string token{};
    std::string session{};  // "" for none
    std::string csrf{};     // "" for none
  };
  struct Visit {
    std::string message_id;
    std::string new_session;  // set when a session was created: the secret the cookie carries
    std::string csrf;
    bool verified = false;
    bool locked = false;
    bool code_active = false;  // a one-time code was sent and has not expired
    std::int64_t attempts_left = 0;
    bool can_request_code = false;
    std::string verification;
    std::string sender;  // organisation name
    std::string lang;
    // Verification `account` (an authenticator app, TOTP): the address has an enrolled app,
    // so the page asks for the app's code; or, not yet, and then the recipient first proves
    // the address with a mailed code and then sets up the app (needs_enrolment, with the key
    // to show: base32 and the otpauth:// URI). Content is shown only once enrolled.
    bool account_enrolled = false;
    bool needs_enrolment = false;
    std::string enrol_key;
    std::string enrol_uri;
  };
  struct Attachment {
    std::string name;
    std::string type;
    std::uint64_t size = 0;
    Bytes data;  // an inline attachment's bytes
    // A streamed attachment, set by Download only: its plaintext as it is decrypted from disk.
    // Bytes before the end are not yet authenticated: stream them on, but stop (cut the
    // connection) when Read fails.
    std::shared_ptr<crypto::DetachedReader> stream;
  };
  struct Content {
    std::string sender;
    std::string subject;  // empty unless the sender set one
    std::string created;
    std::string deadline;
    std::string body;
    std::vector<Attachment> attachments;
    // The same attachments as the sender described them (inline, or where an upload is): the
    // service's own bookkeeping for Download.
    std::vector<DocumentAttachment> document_attachments;
  };

  // Unknown token: 404 link_unknown; recalled / expired: 410 message_recalled / message_expired.
  // Without a valid session, starts one (Visit::new_session).
  Result<Visit> Enter(const PortalCredentials& who, const std::string& source);
  // Sends a new one-time code (email_code, sms). 403 session_invalid / csrf_invalid,
  // 429 too_many_codes, 409 no_code_needed, 503 when the mail or SMS cannot go out.
  Status RequestCode(const PortalCredentials& who, const std::string& source);
  // Checks a code; returns the new (verified) session's secret, which replaces the old
  // session. 422 wrong_code, 429 locked.
  Result<std::string> Verify(const PortalCredentials& who, std::string_view code,
                             const std::string& source);
  // Verification `account`, after the mailed code: checks the first code of the newly set-up
  // app and enrols it for the address (every later message to it asks for the app's code).
  // 403 session_invalid / csrf_invalid / not_verified, 409 already_enrolled, 422 wrong_code.
  Status Enrol(const PortalCredentials& who, std::string_view code, const std::string& source);
  // Needs a verified session. The first Read is the "opened" event.
  Result<Content> Read(const PortalCredentials& who, const std::string& source);
  // `preview`: shown inside the page (event "previewed") rather than saved ("downloaded").
  Result<Attachment> Download(const PortalCredentials& who, std::size_t index,
                              const std::string& source, bool preview = false);
  // POST /m/{token}/files: one reply attachment, sealed to the sender organisation and the
  // portal as it arrives (a verified session and the CSRF token are needed first).
  // FinishReplyUpload records it for this recipient and answers what the reply then lists
  // beside name and type (ReplyUploaded).
  struct ReplyUpload {
    SealingUpload sealing;
    std::string owner;  // the blob's owner: this recipient of this message
    store::MessageRecord message;
    std::string email;
    std::string source;
  };
  Result<ReplyUpload> BeginReplyUpload(const PortalCredentials& who, const std::string& source);
  Result<ReplyUploaded> FinishReplyUpload(ReplyUpload upload);
  // The reply {"body", "attachments":[...]}, as SecureMailReplyFromJson read it (or the error
  // it answered, answered after the credentials are checked), becomes a message from `portal`
  // to the sender's organisation, sealed by the gateway to that organisation and to the portal.
  // Attachments are inline {"name","type","data"} or uploads {"name","type","attachment_id",
  // "size","sha256","envelope"} from FinishReplyUpload, checked as a sender's uploads are.
  // The answer names the new message and the sender's organisation as its recipient.
  Result<Accepted> Reply(const PortalCredentials& who, Result<SecureMailReply> request,
                         const std::string& source);

 private:
  explicit SecureMailService(Deps deps) : d_(std::move(deps)) {}
  struct Access;
  Result<SecureMailDocument> OpenDocument(const std::string& sender_org, ByteView payload);
  Status CheckUpload(const std::string& org, std::size_t index, const DocumentAttachment& a,
                     const std::vector<crypto::Certificate>& allowed, bool may_be_claimed);
  int DeleteUnneededBlobs(std::int64_t now);
  // Records a committed blob and its audit entry in one transaction; on failure deletes the file.
  Status RecordBlob(const store::BlobRecord& blob, const audit::AuditEntry& entry);
  // The caller is inside d_.db->Write or Read, which lends `db`.
  // The link, the session (required when `need_verified` or `check_csrf`) and, with
  // `check_csrf`, the CSRF token presented.
  Result<Access> Authorize(store::Database& db, const PortalCredentials& who, bool need_verified,
                           bool check_csrf, std::int64_t now);
  Result<Content> Decrypt(const std::string& message_id);
  Status NotifyOne(std::int64_t recipient_id);

  Deps d_;
  std::function<void()> work_created_;
  std::function<void(const MessageService::Stored&)> stored_;
  std::optional<crypto::Certificate> portal_cert_;  // set by Create
};

}  // namespace ketenpoort::server
