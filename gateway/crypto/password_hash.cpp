#include "gateway/crypto/password_hash.h"

#include <argon2.h>

#include <string>

#include "gateway/crypto/random.h"

namespace ketenpoort::crypto {

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kTagBytes = 32;
// Lower-case letters and digits without the ones read as another (i, l, o, 0, 1): 31 symbols.
constexpr std::string_view kPasswordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";

bool Within(const PasswordCost& c) {
  return c.time_cost >= kMinimumPasswordCost.time_cost &&
         c.time_cost <= kMaximumPasswordCost.time_cost &&
         c.memory_kib >= kMinimumPasswordCost.memory_kib &&
         c.memory_kib <= kMaximumPasswordCost.memory_kib &&
         c.parallelism >= kMinimumPasswordCost.parallelism &&
         c.parallelism <= kMaximumPasswordCost.parallelism;
}

}  // namespace

std::string NewPassword() {
  // Rejection sampling: a byte is used only below the largest multiple of the alphabet's size,
  // so every character is equally likely.
  constexpr unsigned kLimit = 256 - 256 % kPasswordAlphabet.size();
  std::string out;
  std::size_t chosen = 0;
  while (chosen < 20) {
    for (std::uint8_t byte : RandomBytes(32)) {
      if (chosen == 20)
        break;
      if (byte >= kLimit)
        continue;
      if (chosen > 0 && chosen % 5 == 0)
        out += '-';
      out += kPasswordAlphabet[byte % kPasswordAlphabet.size()];
      ++chosen;
    }
  }
  return out;
}

Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost) {
  if (password.size() > kMaxPasswordBytes)
    return InvalidArgument("password_too_long", "a password is at most 1024 bytes");
  if (!Within(cost)) {
    return InvalidArgument("password_cost_invalid",
                           "the Argon2id cost must be t 1..10, m 8192..1048576 KiB, p 1..4");
  }
  Bytes salt = RandomBytes(kSaltBytes);
  std::string encoded(argon2_encodedlen(cost.time_cost, cost.memory_kib, cost.parallelism,
                                        kSaltBytes, kTagBytes, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(cost.time_cost, cost.memory_kib, cost.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kTagBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK)
    return Internal("password_hash_failed", "Argon2id failed (out of memory?)");
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool VerifyPassword(std::string_view encoded, std::string_view password) {
  if (password.size() > kMaxPasswordBytes || encoded.rfind("$argon2id$", 0) != 0)
    return false;
  const std::string terminated(encoded);  // libargon2 reads a C string
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace ketenpoort::crypto
