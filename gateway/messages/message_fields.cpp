#include "gateway/messages/message_fields.h"

#include <utility>

namespace ketenpoort::server {

Result<CommonHeader> ReadCommonHeader(const JsonFields& f, std::int64_t now_ms) {
  KP_ASSIGN_OR_RETURN(CommonHeader h, delivery::ReadCommonHeader(f));
  KP_RETURN_IF_ERROR(delivery::CheckNotExpired(h.expires_ms, now_ms));
  return h;
}

Result<CertificateMap> DirectoryCertificates(const Directory& directory) {
  CertificateMap out;
  for (const Organisation& org : directory.all()) {
    if (org.certificate_pem.empty())
      continue;
    auto cert = crypto::Certificate::FromPem(org.certificate_pem);
    if (!cert) {
      return InvalidArgument("invalid_directory",
                             "the certificate of organisation '" + org.id + "' does not parse",
                             "organisations." + org.id + ".certificate");
    }
    out.emplace(org.id, std::move(*cert));
  }
  return out;
}

Result<SealedPayload> DecodeSealedPayload(const std::string& base64) {
  KP_ASSIGN_OR_RETURN(Bytes der, delivery::DecodePayload(base64));
  return InspectSealedPayload(std::move(der));
}

Result<SealedPayload> InspectSealedPayload(Bytes der) {
  auto info = crypto::InspectEnvelope(der);
  if (!info) {
    Error e = std::move(info).error();
    e.kind = ErrorKind::kRefused;
    e.field = "payload";
    return e;
  }
  return SealedPayload{std::move(der), std::move(*info)};
}

}  // namespace ketenpoort::server
