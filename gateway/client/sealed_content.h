// What an organisation does with a message's content on its own side, where its key is: sign
// and seal it before it is submitted, open and verify it after it is fetched. `ketenpoort send`
// and `open` and the workspace (gateway/workspace/) use the same two calls, so a message sealed
// by one opens in the other.
//
//   // (compiled in examples_test.cpp)
//   auto envelope = SealContent(keys, "org:shop-denhaag", shop_cert, AsBytes(payload),
//                               {comensha_cert});          // also sealed for shop_cert itself
//   // ... submitted as base64 in POST /v1/messages, fetched by comensha with GET /v1/messages/ID
//   auto content = OpenContent(comensha_keys, "org:comensha", comensha_cert, message,
//                              anchors, shop_cert);          // Result<Bytes>: the payload
//
// Contract:
// - SealContent signs `content` (CMS SignedData) with the key `key_id` of `keyring` and its
//   certificate `own`, then seals the signed data (CMS AuthEnvelopedData, AES-256-GCM) for every
//   certificate of `recipients` and for `own` when it is not among them, so the sender can open
//   what it sent. The key never leaves the keyring.
// - OpenContent takes the gateway's answer for one message (its "payload", base64, and "from")
//   and returns the content when (1) it decrypts with `key_id`, (2) the signature chains to
//   `anchors`, and (3) the signer is `sender`, the certificate the directory lists for "from":
//   content signed by any other organisation is refused (kRefused "signer_not_sender") even when
//   its signature is valid. A message without payload or a valid "from": kInternal
//   "invalid_response"; a payload that is not base64: kInvalidArgument "invalid_envelope"; the
//   errors of Keyring::DecryptCms and crypto::VerifySignedData otherwise. Nothing is written to
//   disk.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"

namespace ketenpoort::client {

Result<Bytes> SealContent(const crypto::Keyring& keyring, const std::string& key_id,
                          const crypto::Certificate& own, ByteView content,
                          std::vector<crypto::Certificate> recipients);

Result<Bytes> OpenContent(const crypto::Keyring& keyring, const std::string& key_id,
                          const crypto::Certificate& own, const nlohmann::json& message,
                          const std::vector<crypto::Certificate>& anchors,
                          const crypto::Certificate& sender);

}  // namespace ketenpoort::client
