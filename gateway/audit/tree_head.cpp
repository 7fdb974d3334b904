#include "gateway/audit/tree_head.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "gateway/audit/byte_writer.h"
#include "gateway/audit/time_format.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::audit {

namespace {

using json = nlohmann::json;

constexpr std::string_view kTag = "ketenpoort-tree-head-v1\n";
static_assert(kTag.size() + 8 + 8 + 32 == kSignedTreeHeadBytes);

Error Bad(std::string field, std::string message) {
  return InvalidArgument("invalid_tree_head", std::move(message), std::move(field));
}

Result<Bytes> Base64Field(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end())
    return Bad(key, "is required");
  if (!it->is_string())
    return Bad(key, "must be a base64 string");
  auto bytes = crypto::Base64Decode(it->get<std::string>());
  if (!bytes)
    return Bad(key, "must be standard base64");
  return std::move(bytes).value();
}

}  // namespace

Bytes SignedBytes(const TreeHead& head) {
  ByteWriter out(kSignedTreeHeadBytes);
  out.Raw(kTag);
  out.U64(head.size);
  out.U64(static_cast<std::uint64_t>(head.time_ms));
  out.Raw(ByteView(head.root));
  return std::move(out).Take();
}

json ToJson(const TreeHead& head) {
  json out = json::object();
  out["size"] = head.size;
  out["root"] = crypto::Base64Encode(head.root);
  out["signature"] = crypto::Base64Encode(head.signature);
  out["time"] =
      head.time_ms >= 0 && head.time_ms <= kMaxTimeMs ? FormatTime(head.time_ms) : std::string();
  return out;
}

Result<TreeHead> TreeHeadFromJson(const json& value) {
  if (!value.is_object())
    return Bad("", "a tree head must be a JSON object");
  for (const auto& [key, v] : value.items()) {
    if (key != "size" && key != "root" && key != "signature" && key != "time") {
      return Bad(key, "unknown key");
    }
  }
  TreeHead head;
  auto size = value.find("size");
  if (size == value.end())
    return Bad("size", "is required");
  if (size->is_number_unsigned()) {
    head.size = size->get<std::uint64_t>();
  } else if (size->is_number_integer() && size->get<std::int64_t>() >= 0) {
    head.size = static_cast<std::uint64_t>(size->get<std::int64_t>());
  } else {
    return Bad("size", "must be a non-negative integer");
  }

  KP_ASSIGN_OR_RETURN(Bytes root, Base64Field(value, "root"));
  if (root.size() != head.root.size())
    return Bad("root", "must be 32 bytes");
  std::copy(root.begin(), root.end(), head.root.begin());

  KP_ASSIGN_OR_RETURN(head.signature, Base64Field(value, "signature"));
  if (head.signature.empty())
    return Bad("signature", "must not be empty");

  auto time = value.find("time");
  if (time == value.end())
    return Bad("time", "is required");
  if (!time->is_string())
    return Bad("time", "must be a string");
  auto ms = ParseTime(time->get<std::string>());
  if (!ms)
    return Bad("time", ms.error().message);
  head.time_ms = *ms;
  return head;
}

}  // namespace ketenpoort::audit
