// A file the gateway receives in the clear (a portal recipient's reply attachment), sealed as it
// arrives and kept as a blob: encrypted to the organisations that may read it, a piece at a
// time, so that neither memory nor the disk ever holds it readable.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(SealingUpload up, SealingUpload::Begin(blobs, {org_cert, portal_cert}));
//   KP_RETURN_IF_ERROR(up.Write(AsBytes(piece)));          // as the request body arrives
//   KP_ASSIGN_OR_RETURN(SealingUpload::Sealed s, up.Finish());
//   s.blob_id; s.size; s.sha256; s.envelope_der;             // the attachment's description
//
// The description is the one a sender gives for an uploaded attachment (securemail_document.h):
// the detached envelope (crypto/detached_envelope.h), the plaintext's size and SHA-256. Dropped
// without Finish, nothing remains. The caller records the blob (store/blob_repository.h).
#pragma once

#include <cstdint>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/detached_envelope.h"
#include "gateway/crypto/hash.h"
#include "gateway/store/blob_store.h"

namespace ketenpoort::server {

class SealingUpload {
 public:
  struct Sealed {
    std::string blob_id;
    std::uint64_t size = 0;  // of the plaintext, and of the ciphertext (AES-GCM)
    Bytes sha256;            // of the plaintext
    Bytes envelope_der;
  };

  static Result<SealingUpload> Begin(const store::BlobStore& blobs,
                                     const std::vector<crypto::Certificate>& readers);

  Status Write(ByteView plaintext);
  Result<Sealed> Finish();

 private:
  SealingUpload(crypto::DetachedSealer sealer, store::BlobWriter writer)
      : sealer_(std::move(sealer)), writer_(std::move(writer)) {}

  crypto::DetachedSealer sealer_;
  store::BlobWriter writer_;
  crypto::Sha256Stream hash_;
  std::uint64_t size_ = 0;
};

}  // namespace ketenpoort::server
