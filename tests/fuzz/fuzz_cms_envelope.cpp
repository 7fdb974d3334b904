// Fuzzes what the gateway does with a CMS envelope it cannot open: InspectEnvelope (who a
// submitted message or a secure-mail attachment's detached envelope is for) and
// EnvelopeInfo::IsFor / IsExactlyFor against real certificates, VerifySignedData (what
// `ketenpoort open` and the secure-mail service do with the signed content inside), and the
// certificate parsers a peer's or the directory's PEM goes through. Also the base64 "payload"
// of a message body (server::DecodeSealedPayload).
//
// Input: the DER (or PEM) bytes. Corpus: tests/fuzz/corpus/cms_envelope/ (made with `openssl cms`
// from the synthetic certificates in tests/fuzz/data/).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"
#include "gateway/io/file.h"
#include "gateway/messages/message_fields.h"

namespace {

using ketenpoort::crypto::Certificate;

std::vector<Certificate> LoadChain(const char* path) {
  auto pem = ketenpoort::io::ReadFile(path);
  if (!pem)
    __builtin_trap();
  auto chain = ketenpoort::crypto::ParsePemChain(*pem);
  if (!chain || chain->empty())
    __builtin_trap();
  return *chain;
}

const std::vector<Certificate>& Recipients() {
  static const auto* certs =
      new std::vector<Certificate>(LoadChain(KP_FUZZ_DATA "/cms_recipients.pem"));
  return *certs;
}

const std::vector<Certificate>& Anchors() {
  static const auto* certs =
      new std::vector<Certificate>(LoadChain(KP_FUZZ_DATA "/cms_anchor.pem"));
  return *certs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ketenpoort::ByteView bytes(data, size);
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto info = ketenpoort::crypto::InspectEnvelope(bytes)) {
    for (const Certificate& cert : Recipients())
      (void)info->IsFor(cert);
    (void)info->IsExactlyFor(Recipients());
    (void)info->IsExactlyFor({Recipients()[0], Recipients()[1]});
  }
  (void)ketenpoort::crypto::VerifySignedData(bytes, Anchors());
  if (auto cert = Certificate::FromDer(bytes))
    (void)cert->SubjectCommonName();
  (void)ketenpoort::crypto::ParsePemChain(text);
  (void)ketenpoort::server::DecodeSealedPayload(std::string(text));
  return 0;
}
