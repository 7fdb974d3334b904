#include "gateway/cli/send_securemail.h"
#include "gateway/client/api_client.h"
#include "gateway/client/directory_certificates.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/transports/sms_client.h"
#include "adapters/transports/smtp_client.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/org_session.h"
#include "gateway/crypto/detached_envelope.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"
#include "gateway/crypto/hash.h"
#include "gateway/io/file.h"

namespace ketenpoort::cli {

namespace {

using nlohmann::json;

std::string TypeOf(const std::string& name) {
  std::string ext = std::filesystem::path(name).extension().string();
  for (char& c : ext)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".pdf")
    return "application/pdf";
  if (ext == ".png")
    return "image/png";
  if (ext == ".jpg" || ext == ".jpeg")
    return "image/jpeg";
  if (ext == ".gif")
    return "image/gif";
  if (ext == ".txt")
    return "text/plain";
  return "application/octet-stream";
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t comma = s.find(',', start);
    std::string part =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty())
      out.push_back(part);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return out;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// Seals the file at `path` to `certs` while uploading it to POST /v1/attachments, a piece at a
// time (neither the plaintext nor the ciphertext is ever whole in memory or on disk), and
// returns its entry for the signed document (securemail_document.h).
Result<json> UploadAttachment(const client::ApiClient& client,
                              const std::vector<crypto::Certificate>& certs,
                              const std::string& path) {
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec)
    return NotFound("file_unreadable", "cannot read the attachment", path);
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file)
    return NotFound("file_unreadable", "cannot read the attachment", path);
  KP_ASSIGN_OR_RETURN(crypto::DetachedSealer sealer, crypto::DetachedSealer::Create(certs));
  crypto::Sha256Stream hash;
  std::uint64_t read_total = 0;
  Bytes pending;  // ciphertext made but not yet handed to curl
  std::size_t offset = 0;
  bool at_end = false;
  std::optional<crypto::DetachedSealer::Sealed> sealed;
  std::vector<std::uint8_t> plain(256 * 1024);
  auto finish = [&]() -> Status {
    KP_ASSIGN_OR_RETURN(crypto::DetachedSealer::Sealed s, sealer.Finish());
    pending.insert(pending.end(), s.ciphertext_tail.begin(), s.ciphertext_tail.end());
    sealed = std::move(s);
    return Ok();
  };
  client::ApiClient::BodyReader read = [&](std::span<char> out) -> Result<std::size_t> {
    while (offset == pending.size() && !sealed) {
      pending.clear();
      offset = 0;
      if (at_end) {
        KP_RETURN_IF_ERROR(finish());
        break;
      }
      const std::size_t n = std::fread(plain.data(), 1, plain.size(), file.get());
      if (n < plain.size()) {
        if (std::ferror(file.get()))
          return Unavailable("file_unreadable", "reading the attachment " + path + " failed");
        at_end = true;
      }
      read_total += n;
      hash.Update(ByteView(plain.data(), n));
      KP_ASSIGN_OR_RETURN(Bytes c, sealer.Update(ByteView(plain.data(), n)));
      pending = std::move(c);
    }
    const std::size_t n = std::min(out.size(), pending.size() - offset);
    std::copy_n(pending.begin() + static_cast<std::ptrdiff_t>(offset), n,
                reinterpret_cast<std::uint8_t*>(out.data()));
    offset += n;
    return n;
  };
  // AES-GCM: the ciphertext is exactly as long as the plaintext.
  KP_ASSIGN_OR_RETURN(json answer,
                      client.PostStream("/v1/attachments", "application/octet-stream", size, read));
  if (!sealed) {
    // curl took `size` bytes and did not ask again: the file must be at its end now.
    if (std::fgetc(file.get()) != EOF)
      return Refused("file_changed", "the attachment grew while it was sent", path);
    KP_RETURN_IF_ERROR(finish());
  }
  if (read_total != size || offset != pending.size())
    return Refused("file_changed", "the attachment changed while it was sent", path);
  auto id = answer.find("attachment_id");
  if (id == answer.end() || !id->is_string())
    return Internal("invalid_response", "the gateway's answer has no attachment_id");
  const std::string name = std::filesystem::path(path).filename().string();
  return json{{"name", name},
              {"type", TypeOf(name)},
              {"attachment_id", *id},
              {"size", size},
              {"sha256", crypto::HexEncode(hash.Finish())},
              {"envelope", crypto::Base64Encode(sealed->envelope_der)}};
}

}  // namespace

std::vector<Flag> SecureMailSendFlags() {
  return {{"attach", "FILE", "securemail: a file to attach (repeatable)", Flag::kRepeatable},
          {"verify", "METHOD", "securemail: email_code (default), access_code, sms or account"},
          {"access-code-file", "FILE", "securemail: file holding the access code (access_code)"},
          {"phone", "+31...", "securemail: the recipients' phone for sms verification"},
          {"subject", "S", "securemail: subject, shown in the portal only"},
          {"show-subject", "", "securemail: also show the subject in the notification mail"},
          {"lang", "nl|en", "securemail: language of the mail and the portal"},
          {"expires", "RFC3339", "securemail: the message is unavailable from then on"}};
}

int RunSendSecureMail(const ParsedFlags& f) {
  if (!f.Has("to"))
    return Fail(InvalidArgument("missing_option", "securemail needs e-mail addresses", "--to"));
  const std::string verify = f.Has("verify") ? f.Get("verify") : "email_code";
  if (verify != "email_code" && verify != "access_code" && verify != "sms" && verify != "account") {
    return Fail(InvalidArgument("invalid_option", "must be email_code, access_code, sms or account",
                                "--verify"));
  }
  if (verify == "sms" && !transports::IsE164Phone(f.Get("phone")))
    return Fail(InvalidArgument("invalid_option", "sms needs --phone +31612345678", "--phone"));
  const std::vector<std::string> emails = SplitComma(f.Get("to"));
  if (emails.empty())
    return Fail(InvalidArgument("invalid_option", "needs at least one e-mail address", "--to"));
  for (const std::string& email : emails) {
    if (!transports::IsPlainMailAddress(email)) {
      return Fail(InvalidArgument(
          "invalid_option", "securemail goes to e-mail addresses like a@example.org", "--to"));
    }
  }
  std::string access_code;
  if (verify == "access_code") {
    if (!f.Has("access-code-file"))
      return Fail(InvalidArgument("missing_option", "access_code needs --access-code-file",
                                  "--access-code-file"));
    auto code = io::ReadFile(f.Get("access-code-file"));
    if (!code)
      return Fail(code.error());
    access_code = *code;
    while (!access_code.empty() && (access_code.back() == '\n' || access_code.back() == '\r'))
      access_code.pop_back();
  }
  auto body = io::ReadFile(f.Get("payload"));
  if (!body)
    return Fail(body.error());
  json recipients = json::array();
  for (const std::string& email : emails) {
    json r = {{"email", email}, {"verification", verify}};
    if (verify == "access_code")
      r["access_code"] = access_code;
    if (f.Has("phone"))
      r["phone"] = f.Get("phone");
    recipients.push_back(std::move(r));
  }
  auto session = OrgSession::Open(OrgSessionOptions::FromFlags(f), /*need_key=*/true);
  if (!session)
    return Fail(session.error());
  const OrgSession& s = **session;
  auto certs = client::FetchDirectoryCertificates(s.client(), {"portal"});
  if (!certs)
    return FailProblem(certs.error());
  certs->push_back(s.certificate());
  // Every attachment is uploaded on its own, streamed; the document names the uploads.
  json attachments = json::array();
  for (const std::string& path : f.GetAll("attach")) {
    auto entry = UploadAttachment(s.client(), *certs, path);
    if (!entry)
      return FailProblem(entry.error());
    attachments.push_back(std::move(*entry));
  }
  const std::string doc = json{{"body", *body}, {"attachments", std::move(attachments)}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  auto signed_der = s.keyring().SignCms(s.key_id(), s.certificate(), AsBytes(doc));
  if (!signed_der)
    return Fail(signed_der.error());
  auto envelope = crypto::SealCms(*signed_der, *certs);
  if (!envelope)
    return FailProblem(envelope.error());
  json submit = {{"kind", f.Get("kind")},  // a kind for e-mail addresses (send_command.cpp)
                 {"recipients", std::move(recipients)},
                 {"payload", crypto::Base64Encode(*envelope)}};
  for (const char* key : {"subject", "lang", "deadline", "expires", "subject-ref"}) {
    if (f.Has(key)) {
      std::string field = key;
      if (field == "subject-ref")
        field = "subject_ref";
      submit[field] = f.Get(key);
    }
  }
  if (f.Has("show-subject"))
    submit["show_subject"] = true;
  if (f.Has("legal-basis"))
    submit["legal_basis"] = f.Get("legal-basis");
  std::vector<std::string> headers;
  if (f.Has("idempotency-key"))
    headers.push_back("Idempotency-Key: " + f.Get("idempotency-key"));
  auto answer = s.client().Post("/v1/messages", submit, headers);
  if (!answer)
    return FailProblem(answer.error());
  auto id = answer->find("id");
  if (id == answer->end() || !id->is_string())
    return FailProblem(Internal("invalid_response", "the gateway's answer has no message id"));
  if (auto to = answer->find("recipients"); to != answer->end() && to->is_array()) {
    for (const json& email : *to) {
      if (email.is_string())
        std::printf("recipient %s\n", email.get<std::string>().c_str());
    }
  }
  std::printf("%s\n", id->get<std::string>().c_str());
  return kExitOk;
}

}  // namespace ketenpoort::cli
