#include "gateway/client/sealed_content.h"

#include <utility>

#include "gateway/core/organisation.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"

namespace ketenpoort::client {

Result<Bytes> SealContent(const crypto::Keyring& keyring, const std::string& key_id,
                          const crypto::Certificate& own, ByteView content,
                          std::vector<crypto::Certificate> recipients) {
  bool own_included = false;
  for (const crypto::Certificate& c : recipients)
    own_included = own_included || c == own;
  if (!own_included)
    recipients.push_back(own);  // so the sender can open what it sent
  KP_ASSIGN_OR_RETURN(Bytes signed_der, keyring.SignCms(key_id, own, content));
  return crypto::SealCms(signed_der, recipients);
}

Result<Bytes> OpenContent(const crypto::Keyring& keyring, const std::string& key_id,
                          const crypto::Certificate& own, const nlohmann::json& message,
                          const std::vector<crypto::Certificate>& anchors,
                          const crypto::Certificate& sender) {
  auto payload = message.find("payload");
  auto from = message.find("from");
  if (payload == message.end() || !payload->is_string() || from == message.end() ||
      !from->is_string() || !IsValidOrgId(from->get<std::string>())) {
    return Internal("invalid_response", "the message has no payload or no valid sender");
  }
  auto der = crypto::Base64Decode(payload->get<std::string>());
  if (!der)
    return InvalidArgument("invalid_envelope", "the payload is not base64", "payload");
  KP_ASSIGN_OR_RETURN(Bytes inner, keyring.DecryptCms(key_id, own, *der));
  KP_ASSIGN_OR_RETURN(crypto::SignedContent signed_content,
                      crypto::VerifySignedData(inner, anchors));
  if (!(signed_content.signer == sender)) {
    return Refused("signer_not_sender",
                   "the content is not signed with the directory certificate of sender '" +
                       from->get<std::string>() + "'",
                   "payload");
  }
  return std::move(signed_content.content);
}

}  // namespace ketenpoort::client
