#include "gateway/securemail/sealing_upload.h"

namespace ketenpoort::server {

Result<SealingUpload> SealingUpload::Begin(const store::BlobStore& blobs,
                                           const std::vector<crypto::Certificate>& readers) {
  KP_ASSIGN_OR_RETURN(crypto::DetachedSealer sealer, crypto::DetachedSealer::Create(readers));
  KP_ASSIGN_OR_RETURN(store::BlobWriter writer, blobs.Create());
  return SealingUpload(std::move(sealer), std::move(writer));
}

Status SealingUpload::Write(ByteView plaintext) {
  hash_.Update(plaintext);
  size_ += plaintext.size();
  KP_ASSIGN_OR_RETURN(Bytes ciphertext, sealer_.Update(plaintext));
  return writer_.Append(ciphertext);
}

Result<SealingUpload::Sealed> SealingUpload::Finish() {
  KP_ASSIGN_OR_RETURN(crypto::DetachedSealer::Sealed s, sealer_.Finish());
  KP_RETURN_IF_ERROR(writer_.Append(s.ciphertext_tail));
  KP_ASSIGN_OR_RETURN(std::string id, writer_.Commit());
  const crypto::Digest digest = hash_.Finish();
  return Sealed{std::move(id), size_, Bytes(digest.begin(), digest.end()),
                std::move(s.envelope_der)};
}

}  // namespace ketenpoort::server
