#include "gateway/securemail/securemail_document.h"

#include <nlohmann/json.hpp>

#include <set>

#include "gateway/crypto/encoding.h"
#include "gateway/store/blob_store.h"

namespace ketenpoort::server {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxNameBytes = 255;
constexpr std::size_t kMaxTypeBytes = 255;

Error Bad(const std::string& what) {
  return Refused("invalid_securemail_payload", "the document " + what);
}

Error BadAttachment(std::size_t i, const std::string& what) {
  return Bad("has an attachment (number " + std::to_string(i + 1) + ") " + what);
}

bool IsFileName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameBytes || name == "." || name == "..")
    return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
      return false;
  }
  return true;
}

bool IsMediaType(const std::string& type) {
  if (type.empty() || type.size() > kMaxTypeBytes || type.find('/') == std::string::npos)
    return false;
  for (unsigned char c : type) {
    if (c < 0x20 || c >= 0x7f)  // printable ASCII only: it becomes a Content-Type header
      return false;
  }
  return true;
}

std::string StringOr(const json& o, const char* key, const std::string& fallback) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace

Result<SecureMailDocument> ParseSecureMailDocument(ByteView content) {
  json doc = json::parse(content.begin(), content.end(), nullptr, false);
  if (!doc.is_object())
    return Bad("is not a JSON object");
  auto body = doc.find("body");
  if (body == doc.end() || !body->is_string())
    return Bad("has no text 'body'");
  SecureMailDocument out;
  out.body = body->get<std::string>();
  auto list = doc.find("attachments");
  if (list == doc.end() || list->is_null())
    return out;
  if (!list->is_array())
    return Bad("has 'attachments' that is not an array");
  std::set<std::string> blobs;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& a = (*list)[i];
    if (!a.is_object())
      return BadAttachment(i, "that is not an object");
    DocumentAttachment d;
    d.name = StringOr(a, "name", "");
    if (!IsFileName(d.name))
      return BadAttachment(i, "without a usable file name");
    d.type = StringOr(a, "type", "application/octet-stream");
    if (!IsMediaType(d.type))
      return BadAttachment(i, "whose type is not a media type like text/plain");
    const bool has_data = a.contains("data");
    const bool has_id = a.contains("attachment_id");
    if (has_data == has_id)
      return BadAttachment(i, "that needs either 'data' or 'attachment_id'");
    if (has_data) {
      if (!a["data"].is_string())
        return BadAttachment(i, "whose data is not base64");
      auto data = crypto::Base64Decode(a["data"].get<std::string>());
      if (!data)
        return BadAttachment(i, "whose data is not base64");
      d.data = std::move(*data);
      d.size = d.data.size();
      out.attachments.push_back(std::move(d));
      continue;
    }
    d.blob_id = StringOr(a, "attachment_id", "");
    if (!store::BlobStore::IsValidId(d.blob_id))
      return BadAttachment(i, "whose attachment_id is not one POST /v1/attachments gives");
    if (!blobs.insert(d.blob_id).second)
      return BadAttachment(i, "that uses an attachment_id twice");
    auto size = a.find("size");
    if (size == a.end() || !size->is_number_unsigned())
      return BadAttachment(i, "without a 'size' in bytes");
    d.size = size->get<std::uint64_t>();
    auto sha = crypto::HexDecode(StringOr(a, "sha256", ""));
    if (!sha || sha->size() != 32)
      return BadAttachment(i, "without a 'sha256' of 64 hex digits");
    d.sha256 = std::move(*sha);
    auto envelope = crypto::Base64Decode(StringOr(a, "envelope", ""));
    if (!envelope || envelope->empty())
      return BadAttachment(i, "without an 'envelope' (base64)");
    d.envelope_der = std::move(*envelope);
    out.attachments.push_back(std::move(d));
  }
  return out;
}

}  // namespace ketenpoort::server
