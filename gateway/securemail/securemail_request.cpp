#include "gateway/securemail/securemail_request.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include "adapters/transports/sms_client.h"
#include "adapters/transports/smtp_client.h"
#include "gateway/core/json_fields.h"
#include "gateway/core/legal_basis.h"
#include "gateway/securemail/securemail_codes.h"

namespace ketenpoort::server {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxRecipients = 100;
constexpr std::size_t kMaxSubjectBytes = 500;

Error BadRecipients(std::string message) {
  return InvalidArgument("invalid_recipients", std::move(message), "recipients");
}

// One recipient object; `seen` holds the addresses of those before it.
Result<SecureMailAddress> ReadAddress(const json& r, std::set<std::string>& seen) {
  if (!r.is_object())
    return BadRecipients("each recipient must be an object");
  for (const auto& [k, v] : r.items()) {
    if (k != "email" && k != "verification" && k != "phone" && k != "access_code")
      return InvalidArgument("unknown_field", "unknown key '" + k + "'", "recipients");
    if (!v.is_string())
      return BadRecipients("'" + k + "' must be a string");
  }
  SecureMailAddress in;
  in.email = r.value("email", "");
  in.verification = r.value("verification", "email_code");
  in.phone = r.value("phone", "");
  in.access_code = r.value("access_code", "");
  std::transform(in.email.begin(), in.email.end(), in.email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!transports::IsPlainMailAddress(in.email))
    return BadRecipients("an email is not a plain address like a@example.org");
  if (!seen.insert(in.email).second)
    return BadRecipients("an address appears twice");
  if (VerificationLevel(in.verification) == 0)
    return BadRecipients("verification must be email_code, access_code, sms or account");
  if (in.verification == "access_code" &&
      (in.access_code.size() < 6 || in.access_code.size() > 128)) {
    return BadRecipients("access_code verification needs an access_code of 6 to 128 characters");
  }
  if (in.verification != "access_code" && !in.access_code.empty())
    return BadRecipients("access_code is only for access_code verification");
  if (in.verification == "sms" && !transports::IsE164Phone(in.phone))
    return BadRecipients("sms verification needs a phone number like +31612345678");
  return in;
}

Result<std::vector<Result<SecureMailAddress>>> ReadRecipients(const json& body) {
  auto it = body.find("recipients");
  if (it == body.end())
    return InvalidArgument("invalid_recipients", "is required", "recipients");
  const json& list = *it;
  if (!list.is_array() || list.empty() || list.size() > kMaxRecipients)
    return BadRecipients("must be an array of 1 to 100 recipient objects");
  std::vector<Result<SecureMailAddress>> out;
  std::set<std::string> seen;
  for (const json& r : list) {
    out.push_back(ReadAddress(r, seen));
    if (!out.back())
      break;  // the service answers this one; those after it are not read
  }
  return out;
}

Result<SecureMailPresentation> ReadPresentation(const json& body, const JsonFields& f) {
  SecureMailPresentation p;
  KP_ASSIGN_OR_RETURN(p.subject, f.OptionalString("subject"));
  if (p.subject.size() > kMaxSubjectBytes)
    return InvalidArgument("invalid_subject", "must be at most 500 bytes", "subject");
  if (auto s = body.find("show_subject"); s != body.end() && !s->is_null()) {
    if (!s->is_boolean())
      return InvalidArgument("invalid_request", "must be true or false", "show_subject");
    p.show_subject = s->get<bool>();
  }
  KP_ASSIGN_OR_RETURN(p.lang, f.OptionalString("lang"));
  if (!p.lang.empty() && p.lang != "nl" && p.lang != "en")
    return InvalidArgument("invalid_lang", "must be nl or en", "lang");
  KP_ASSIGN_OR_RETURN(p.sender_email, f.OptionalString("sender_email"));
  if (!p.sender_email.empty() && !transports::IsPlainMailAddress(p.sender_email))
    return InvalidArgument("invalid_sender_email", "is not a plain address", "sender_email");
  return p;
}

Result<std::string> ReadLegalBasis(const JsonFields& f) {
  KP_ASSIGN_OR_RETURN(std::string basis, f.OptionalString("legal_basis"));
  if (!basis.empty() && !ParseLegalBasis(basis))
    return InvalidArgument("invalid_legal_basis", "is not a known legal basis", "legal_basis");
  return basis;
}

Result<SealedPayload> ReadPayload(const JsonFields& f) {
  KP_ASSIGN_OR_RETURN(std::string base64, f.RequiredString("payload"));
  return DecodeSealedPayload(base64);
}

}  // namespace

Result<SecureMailSubmission> SecureMailSubmissionFromJson(const json& body) {
  JsonFields keys(body, "", "unknown_field");
  KP_RETURN_IF_ERROR(
      keys.OnlyKeys({"kind", "recipients", "subject", "show_subject", "lang", "sender_email",
                     "subject_ref", "legal_basis", "deadline", "expires", "payload", "routing"}));
  const JsonFields f(body, "", "invalid_request");
  return SecureMailSubmission{.recipients = ReadRecipients(body),
                              .presentation = ReadPresentation(body, f),
                              .header = delivery::ReadCommonHeader(f),
                              .legal_basis = ReadLegalBasis(f),
                              .payload = ReadPayload(f)};
}

Result<SecureMailReply> SecureMailReplyFromJson(const json& body) {
  JsonFields keys(body, "", "unknown_field");
  KP_RETURN_IF_ERROR(keys.OnlyKeys({"body", "attachments"}));
  const JsonFields f(body, "", "invalid_request");
  auto attachments = [&]() -> Result<std::vector<DocumentAttachment>> {
    auto at = body.find("attachments");
    if (at == body.end() || at->is_null())
      return std::vector<DocumentAttachment>{};
    if (!at->is_array())
      return InvalidArgument("invalid_request", "must be an array", "attachments");
    // Read as a sender's document reads them, so a reply's files are held to the same rules.
    auto parsed = ParseSecureMailDocument(AsBytes(json{{"body", ""}, {"attachments", *at}}.dump()));
    if (!parsed)
      return InvalidArgument("invalid_request", parsed.error().message, "attachments");
    return std::move(parsed->attachments);
  };
  return SecureMailReply{.body = f.OptionalString("body"), .attachments = attachments()};
}

Result<SecureMailResend> SecureMailResendFromJson(const json& body) {
  JsonFields keys(body, "", "unknown_field");
  KP_RETURN_IF_ERROR(keys.OnlyKeys({"recipients"}));
  KP_ASSIGN_OR_RETURN(auto recipients, ReadRecipients(body));
  return SecureMailResend{std::move(recipients)};
}

}  // namespace ketenpoort::server
