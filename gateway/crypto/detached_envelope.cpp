#include "gateway/crypto/detached_envelope.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <utility>

#include "gateway/crypto/cms_util.h"
#include "gateway/crypto/openssl_error.h"

namespace ketenpoort::crypto {

namespace {

// Plaintext enters the cipher BIO at most this much at a time, and the memory BIO behind it is
// emptied after each piece, so it never holds more than one piece of ciphertext.
constexpr std::size_t kPieceSize = 64 * 1024;

// Moves everything the memory BIO `sink` holds to the end of `out`.
bool Drain(BIO* sink, Bytes& out) {
  std::size_t pending = BIO_ctrl_pending(sink);
  if (pending == 0)
    return true;
  if (pending > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return false;
  std::size_t at = out.size();
  out.resize(at + pending);
  return BIO_read(sink, out.data() + at, static_cast<int>(pending)) == static_cast<int>(pending);
}

Error Finished() {
  return Internal("sealer_finished", "the sealer has already finished its content");
}

Error Mismatch() {
  return DropOpenSslErrors(
      InvalidArgument("invalid_envelope",
                      "content does not match its envelope: damaged or tampered with, truncated "
                      "or extended, or sealed with another envelope"));
}

}  // namespace

// --- DetachedSealer ---

Result<DetachedSealer> DetachedSealer::Create(const std::vector<Certificate>& recipients) {
  // No content yet (CMS_PARTIAL), and none in the envelope when it is written (CMS_DETACHED).
  // AES-GCM makes CMS_encrypt build AuthEnvelopedData (RFC 5083).
  ossl::Cms cms(
      CMS_encrypt(nullptr, nullptr, EVP_aes_256_gcm(), CMS_BINARY | CMS_PARTIAL | CMS_DETACHED));
  if (!cms)
    return LastOpenSslError("cms_encrypt_failed", "cannot create an envelope");
  KP_RETURN_IF_ERROR(AddRecipients(cms.get(), recipients));
  ossl::Bio sink(BIO_new(BIO_s_mem()));
  if (!sink)
    return LastOpenSslError("cms_encrypt_failed", "cannot set up encryption");
  // Wraps the content key for every recipient and returns the cipher BIO pushed onto `sink`.
  // On failure CMS_dataInit leaves `sink` to us; on success the chain owns it.
  ossl::Bio chain(CMS_dataInit(cms.get(), sink.get()));
  if (!chain)
    return LastOpenSslError("cms_encrypt_failed", "cannot set up encryption");
  DetachedSealer sealer;
  sealer.sink_ = sink.release();
  sealer.chain_ = std::move(chain);
  sealer.cms_ = std::move(cms);
  return sealer;
}

DetachedSealer::DetachedSealer(DetachedSealer&& other) noexcept
    : cms_(std::move(other.cms_)),
      chain_(std::move(other.chain_)),
      sink_(std::exchange(other.sink_, nullptr)),
      finished_(std::exchange(other.finished_, true)) {}

DetachedSealer& DetachedSealer::operator=(DetachedSealer&& other) noexcept {
  if (this != &other) {
    chain_ = std::move(other.chain_);
    cms_ = std::move(other.cms_);
    sink_ = std::exchange(other.sink_, nullptr);
    finished_ = std::exchange(other.finished_, true);
  }
  return *this;
}

DetachedSealer::~DetachedSealer() = default;

Result<Bytes> DetachedSealer::Update(ByteView plaintext) {
  if (finished_ || !chain_)
    return Finished();
  Bytes out;
  out.reserve(plaintext.size());  // GCM: as many ciphertext bytes as plaintext bytes
  while (!plaintext.empty()) {
    std::size_t n = std::min(plaintext.size(), kPieceSize);
    if (BIO_write(chain_.get(), plaintext.data(), static_cast<int>(n)) != static_cast<int>(n) ||
        !Drain(sink_, out)) {
      finished_ = true;  // the cipher state is unknown now: no further use
      return LastOpenSslError("cms_encrypt_failed", "cannot encrypt content");
    }
    plaintext = plaintext.subspan(n);
  }
  return out;
}

Result<DetachedSealer::Sealed> DetachedSealer::Finish() {
  if (finished_ || !chain_)
    return Finished();
  finished_ = true;
  Sealed sealed;
  // The flush ends the cipher (EVP_CipherFinal); CMS_dataFinal then stores the GCM tag in the
  // envelope. The content itself stays out of it (detached).
  if (BIO_flush(chain_.get()) <= 0 || CMS_dataFinal(cms_.get(), chain_.get()) != 1 ||
      !Drain(sink_, sealed.ciphertext_tail)) {
    return LastOpenSslError("cms_encrypt_failed", "cannot finish encryption");
  }
  KP_ASSIGN_OR_RETURN(sealed.envelope_der, CmsToDer(cms_.get()));
  sink_ = nullptr;
  chain_.reset();
  cms_.reset();
  return sealed;
}

// --- DetachedReader ---

Result<DetachedReader> DetachedReader::Open(UnlockedEnvelope key,
                                            const std::string& ciphertext_path) {
  // Errors name no path: the caller knows which file it asked for.
  int fd = ::open(ciphertext_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      return NotFound("content_missing", "the encrypted content is missing");
    return Unavailable("content_unreadable", "the encrypted content cannot be read");
  }
  ossl::Bio file(BIO_new_fd(fd, BIO_CLOSE));
  if (!file) {
    ::close(fd);
    return DropOpenSslErrors(
        Unavailable("content_unreadable", "the encrypted content cannot be read"));
  }
  ossl::Cms cms = std::move(key.cms_);
  if (!cms)
    return Internal("envelope_not_unlocked", "no unlocked envelope given");
  // The decrypting cipher BIO, keyed with the unwrapped content key and expecting the tag, over
  // the file. As for sealing, `file` stays ours unless this succeeds.
  ossl::Bio chain(CMS_dataInit(cms.get(), file.get()));
  if (!chain) {
    return DropOpenSslErrors(
        InvalidArgument("invalid_envelope", "the envelope cannot decrypt content"));
  }
  file.release();
  // An AES-OFB content cipher or a one-byte tag would let changed content through unnoticed.
  KP_RETURN_IF_ERROR(CheckAuthenticatedCipher(chain.get()));
  DetachedReader reader;
  reader.cms_ = std::move(cms);
  reader.chain_ = std::move(chain);
  return reader;
}

DetachedReader::DetachedReader(DetachedReader&&) noexcept = default;
DetachedReader& DetachedReader::operator=(DetachedReader&&) noexcept = default;
DetachedReader::~DetachedReader() = default;

Result<std::size_t> DetachedReader::Read(std::span<std::uint8_t> buffer) {
  if (failed_)
    return failure_;
  if (done_)
    return std::size_t{0};
  if (!chain_)
    return Internal("reader_closed", "the reader has been moved from");
  // 0 means "the end"; a read into no room would say so falsely.
  if (buffer.empty())
    return InvalidArgument("empty_buffer", "a read needs room for at least one byte");
  int want = static_cast<int>(
      std::min(buffer.size(), static_cast<std::size_t>(std::numeric_limits<int>::max())));
  int n = BIO_read(chain_.get(), buffer.data(), want);
  if (n > 0)
    return static_cast<std::size_t>(n);
  failed_ = true;
  if (n == 0) {
    // At the end of the file the cipher BIO runs EVP_CipherFinal, which compares the GCM tag,
    // yet BIO_read returns 0 whether the tag matched or not: only the status tells.
    BIO* cipher = BIO_find_type(chain_.get(), BIO_TYPE_CIPHER);
    if (cipher != nullptr && BIO_get_cipher_status(cipher) == 1) {
      failed_ = false;
      done_ = true;
      ClearOpenSslErrors();
      return std::size_t{0};
    }
    failure_ = Mismatch();
  } else {
    // The file could not be read (the cipher BIO still ran its final check, which says nothing
    // about content it never saw).
    failure_ = DropOpenSslErrors(
        Unavailable("content_unreadable", "the encrypted content cannot be read"));
  }
  return failure_;
}

}  // namespace ketenpoort::crypto
