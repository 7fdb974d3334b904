// Envelopes whose encrypted content travels apart from them: how a large attachment is sealed
// and opened a piece at a time, in memory that does not grow with its size.
//
// The envelope is a CMS AuthEnvelopedData (RFC 5083, AES-256-GCM) without its encrypted
// content ("detached"): a few hundred bytes naming the recipients and carrying the wrapped
// content key, the nonce and the GCM tag. The ciphertext is stored and sent on its own, as
// plain bytes. Any `openssl cms` opens the pair:
//
//   # (run in examples_test.cpp, as is the C++ below)
//   openssl cms -decrypt -binary -inform DER -in envelope.der -content ciphertext.bin
//       -recip portal.cert.pem -inkey portal.key.pem -out plain.bin        (one command line)
//
// Sealing needs only certificates:
//
//   KP_ASSIGN_OR_RETURN(DetachedSealer sealer, DetachedSealer::Create({portal_cert, own_cert}));
//   while (/* more plaintext in `piece` */) {
//     KP_ASSIGN_OR_RETURN(Bytes c, sealer.Update(piece));   // ciphertext so far (may be empty)
//     write(out, c);
//   }
//   KP_ASSIGN_OR_RETURN(DetachedSealer::Sealed s, sealer.Finish());
//   write(out, s.ciphertext_tail);                           // the last ciphertext bytes
//   s.envelope_der;                                          // goes with the message
//
// Opening needs the recipient's key, so it starts in the keyring (Keyring::UnlockEnvelope),
// which hands back an UnlockedEnvelope: the parsed envelope with its content key unwrapped,
// never the private key. DetachedReader then decrypts the ciphertext file as it is read:
//
//   KP_ASSIGN_OR_RETURN(UnlockedEnvelope key, keyring.UnlockEnvelope("portal", cert, env_der));
//   KP_ASSIGN_OR_RETURN(DetachedReader reader, DetachedReader::Open(std::move(key), path));
//   for (;;) {
//     KP_ASSIGN_OR_RETURN(std::size_t n, reader.Read(buffer));   // 0: the end, tag checked
//     if (n == 0) break;
//     use(buffer.first(n));
//   }
//
// GCM authenticates the whole content only at its end: the bytes Read returns before it
// returns 0 are not yet known to be genuine. A caller that must not act on forged bytes reads
// to the end first (the gateway does so once, when a message is submitted); a caller that
// streams them on (a download) cuts the stream when Read fails.
//
// Errors: no recipients -> kInvalidArgument "no_recipients"; an unusable certificate ->
// kInvalidArgument "invalid_recipient"; ciphertext file missing or unreadable -> kNotFound
// "content_missing" / kUnavailable "content_unreadable" (naming no path); ciphertext changed,
// truncated or extended, or a wrong envelope for it -> kInvalidArgument "invalid_envelope";
// an envelope whose content cipher is not AES-GCM with a 12 to 16 byte tag (RFC 5084), which
// OpenSSL 3.0 would decrypt without checking anything -> kRefused "unauthenticated_envelope"
// (Open); an empty buffer -> kInvalidArgument "empty_buffer" (Read).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/openssl_handles.h"

namespace ketenpoort::crypto {

class DetachedSealer {
 public:
  struct Sealed {
    Bytes ciphertext_tail;  // ciphertext not yet returned by Update
    Bytes envelope_der;     // AuthEnvelopedData without content, DER
  };

  // One key-agreement (EC) or key-transport (RSA) recipient per certificate, as SealCms.
  static Result<DetachedSealer> Create(const std::vector<Certificate>& recipients);

  DetachedSealer(DetachedSealer&&) noexcept;
  DetachedSealer& operator=(DetachedSealer&&) noexcept;
  ~DetachedSealer();

  // Encrypts `plaintext` (any size, any number of calls) and returns the ciphertext produced.
  Result<Bytes> Update(ByteView plaintext);
  // Ends the content; the sealer cannot be used afterwards (kInternal "sealer_finished").
  Result<Sealed> Finish();

 private:
  DetachedSealer() = default;
  ossl::Cms cms_;
  ossl::Bio chain_;      // cipher BIO over a memory BIO that collects the ciphertext
  BIO* sink_ = nullptr;  // the memory BIO at the end of chain_ (owned by chain_)
  bool finished_ = false;
};

// An AuthEnvelopedData whose content key the keyring has unwrapped (Keyring::UnlockEnvelope).
// Holds no private key. Move-only.
class UnlockedEnvelope {
 public:
  explicit UnlockedEnvelope(ossl::Cms cms) : cms_(std::move(cms)) {}
  CMS_ContentInfo* native() const { return cms_.get(); }

 private:
  friend class DetachedReader;  // takes the envelope over
  ossl::Cms cms_;
};

class DetachedReader {
 public:
  // Opens the ciphertext file at `ciphertext_path` for decryption under `key`.
  static Result<DetachedReader> Open(UnlockedEnvelope key, const std::string& ciphertext_path);

  DetachedReader(DetachedReader&&) noexcept;
  DetachedReader& operator=(DetachedReader&&) noexcept;
  ~DetachedReader();

  // Up to buffer.size() bytes of plaintext. 0 only at the end, after the GCM tag matched; a
  // mismatch (or a read error) is an error, and so is every later call.
  Result<std::size_t> Read(std::span<std::uint8_t> buffer);

 private:
  DetachedReader() = default;
  ossl::Cms cms_;
  ossl::Bio chain_;  // cipher BIO over the file BIO
  bool done_ = false;
  bool failed_ = false;
  Error failure_;  // what every Read returns once failed_
};

}  // namespace ketenpoort::crypto
