#include "gateway/crypto/totp.h"

#include <liboath/oath.h>

#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>

#include "gateway/crypto/hash.h"
#include "gateway/crypto/random.h"

namespace ketenpoort::crypto {

namespace {

// liboath returns base32 in memory from malloc.
struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using MallocString = std::unique_ptr<char, FreeDeleter>;

// oath_init once per process; false when it failed (then no code is ever accepted).
bool OathReady() {
  static std::once_flag once;
  static bool ready = false;
  std::call_once(once, [] { ready = oath_init() == OATH_OK; });
  return ready;
}

bool IsSixDigits(std::string_view code) {
  if (code.size() != static_cast<std::size_t>(kTotpDigits))
    return false;
  for (char c : code) {
    if (c < '0' || c > '9')
      return false;
  }
  return true;
}

// liboath's strcmp-like callback: 0 when `candidate` (a generated code) equals the presented
// code, compared in constant time; positive otherwise.
int CompareCode(void* handle, const char* candidate) {
  const std::string_view presented = *static_cast<const std::string_view*>(handle);
  const std::string_view generated(candidate);
  return ConstantTimeEqual(AsBytes(presented), AsBytes(generated)) ? 0 : 1;
}

void AppendPercentEncoded(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '@';
    if (keep) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    }
  }
}

}  // namespace

Bytes NewTotpSecret() {
  return RandomBytes(kTotpSecretBytes);
}

std::string TotpSecretBase32(ByteView secret) {
  char* raw = nullptr;
  std::size_t length = 0;
  const int rc = oath_base32_encode(reinterpret_cast<const char*>(secret.data()), secret.size(),
                                    &raw, &length);
  MallocString encoded(raw);
  if (rc != OATH_OK || (encoded == nullptr && !secret.empty()))
    std::abort();  // out of memory; like RandomBytes, never go on with a half-made key
  std::string out = encoded ? std::string(encoded.get(), length) : std::string();
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  return out;
}

std::string OtpAuthUri(std::string_view issuer, std::string_view account, ByteView secret) {
  std::string uri = "otpauth://totp/";
  AppendPercentEncoded(uri, issuer);
  uri += ':';
  AppendPercentEncoded(uri, account);
  uri += "?secret=" + TotpSecretBase32(secret) + "&issuer=";
  AppendPercentEncoded(uri, issuer);
  uri += "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpStepSeconds);
  return uri;
}

std::optional<std::int64_t> MatchTotp(ByteView secret, std::string_view code,
                                      std::int64_t unix_seconds, std::int64_t last_used_step) {
  if (!IsSixDigits(code) || secret.empty() || unix_seconds < 0 || !OathReady())
    return std::nullopt;
  int position = 0;
  std::uint64_t step = 0;
  const int rc = oath_totp_validate3_callback(
      reinterpret_cast<const char*>(secret.data()), secret.size(),
      static_cast<std::time_t>(unix_seconds), static_cast<unsigned>(kTotpStepSeconds),
      OATH_TOTP_DEFAULT_START_TIME, static_cast<unsigned>(kTotpDigits), /*window=*/1, &position,
      &step, CompareCode, &code);
  if (rc < 0)
    return std::nullopt;  // OATH_INVALID_OTP, or an internal failure: refuse either way
  const auto matched = static_cast<std::int64_t>(step);
  if (matched <= last_used_step)
    return std::nullopt;  // replayed, or older than a code already used
  return matched;
}

}  // namespace ketenpoort::crypto
