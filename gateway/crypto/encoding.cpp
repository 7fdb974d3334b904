#include "gateway/crypto/encoding.h"

#include <openssl/evp.h>

#include <algorithm>

namespace ketenpoort::crypto {

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

namespace {

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

Error BadBase64() {
  return InvalidArgument("invalid_base64", "not valid base64");
}

}  // namespace

std::string HexEncode(ByteView data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (std::uint8_t b : data) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

Result<Bytes> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0)
    return InvalidArgument("invalid_hex", "hex text has odd length");
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = HexDigitValue(hex[2 * i]);
    int lo = HexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return InvalidArgument("invalid_hex", "text is not hexadecimal");
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string Base64Encode(ByteView data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                          static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<Bytes> Base64Decode(std::string_view text) {
  // EVP_DecodeBlock tolerates whitespace and miscounts padding; check the alphabet ourselves so
  // that only canonical, padded base64 is accepted.
  if (text.size() % 4 != 0)
    return BadBase64();
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=')
    pad = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
  for (std::size_t i = 0; i < text.size() - pad; ++i) {
    if (!IsBase64Char(text[i]))
      return BadBase64();
  }
  Bytes out(3 * (text.size() / 4));
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0)
    return BadBase64();
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string Base64UrlEncode(ByteView data) {
  std::string s = Base64Encode(data);
  while (!s.empty() && s.back() == '=')
    s.pop_back();
  std::replace(s.begin(), s.end(), '+', '-');
  std::replace(s.begin(), s.end(), '/', '_');
  return s;
}

Result<Bytes> Base64UrlDecode(std::string_view text) {
  std::string s(text);
  for (char& c : s) {
    if (c == '+' || c == '/' || c == '=')
      return BadBase64();
    if (c == '-')
      c = '+';
    if (c == '_')
      c = '/';
  }
  while (s.size() % 4 != 0)
    s.push_back('=');
  return Base64Decode(s);
}

}  // namespace ketenpoort::crypto
