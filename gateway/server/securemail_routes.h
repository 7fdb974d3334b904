// The HTTP face of secure mail: the portal pages under /m/ (public: the link token and a
// session cookie are the credentials) and the sender's POST /v1/messages/{id}/resend.
// Submission and tracking arrive through message_routes.cpp, which hands securemail to
// SecureMailService.
//
//   // (compiled in examples_test.cpp)
//   RegisterSecureMailRoutes(router, *securemail, fingerprint, limits);
//
//   GET  /m/verify-gateway          the gateway certificate's fingerprint (is this mail genuine?)
//   GET  /m/assets/portal.css|js    compiled-in assets
//   GET  /m/{token}                 verification form, or the message once verified
//   POST /m/{token}/code            send a one-time code (form: csrf)          -> 303 /m/{token}
//   POST /m/{token}/verify          check a code (form: csrf, code)            -> 303 /m/{token}
//   POST /m/{token}/enrol           verification `account`: the first code of the newly set-up
//                                   authenticator app (form: csrf, code)       -> 303 /m/{token}
//   GET  /m/{token}/files/{n}       attachment n: download, or ?inline=1 preview for PDF,
//                                   images and plain text
//   POST /m/{token}/reply           JSON {"body","attachments"} with header X-CSRF-Token
//   POST /m/{token}/files           a reply attachment (raw bytes, header X-CSRF-Token), sealed
//                                   to the sender organisation as it arrives -> 201
//                                   {"attachment_id","size","sha256","envelope"} for the reply
//   GET  /v1/messages/{id}/attachments/{attachment_id}   (role recipient) an uploaded
//                                   attachment's ciphertext, for the organisation that
//                                   received message {id} (a reply); its envelope is inside
//   POST /v1/attachments            (role sender) an attachment's ciphertext, streamed to disk,
//                                   at most max_attachment_bytes -> 201 {"attachment_id",...}
//
// Every portal response carries a strict Content-Security-Policy (portal_pages.h),
// Referrer-Policy: no-referrer (the token is in the URL) and X-Frame-Options; the session
// cookie is `kp_portal`, HttpOnly, Secure, SameSite=Strict, Path=/m/{token}; it is the only
// cookie.
#pragma once

#include <cstdint>

#include "gateway/api/router.h"
#include "gateway/securemail/securemail_service.h"

namespace ketenpoort::server {

struct UploadLimits {
  std::uint64_t max_attachment_bytes = std::uint64_t{1} << 30;
  // Uploads read at once (both routes together); more get 503 too_many_uploads, so that a
  // burst of large files cannot take every worker thread and the disk at once.
  int max_concurrent = 16;
};

void RegisterSecureMailRoutes(api::Router& router, SecureMailService& service,
                              std::string fingerprint, UploadLimits limits);

}  // namespace ketenpoort::server
