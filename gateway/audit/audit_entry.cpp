#include "gateway/audit/audit_entry.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <limits>
#include <utility>

#include "gateway/audit/byte_writer.h"
#include "gateway/audit/time_format.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::audit {

namespace {

using json = nlohmann::json;

constexpr std::string_view kEntryTag = "ketenpoort-audit-entry-v1\n";
constexpr std::string_view kCode = "invalid_audit_entry";

constexpr std::array<std::string_view, 24> kEvents = {
    event::kSubmit,          event::kDeliver,      event::kFetch,      event::kOpen,
    event::kDownload,        event::kStatusChange, event::kRecall,     event::kExpire,
    event::kPurge,           event::kPortalVerify, event::kTokenIssue, event::kTokenRevoke,
    event::kAuthFailed,      event::kConfigChange, event::kKeyChange,  event::kAuditRead,
    event::kAuditExport,     event::kReminder,     event::kWitness,    event::kReport,
    event::kConsentWithdraw, event::kStatusReport, event::kBackup,     event::kRestore,
};

constexpr std::array<std::string_view, 5> kActions = {
    action::kCreate, action::kRead, action::kUpdate, action::kDelete, action::kExecute};

// The string fields in canonical order, with their JSON keys.
struct StringField {
  std::string_view key;
  std::string AuditEntry::*member;
};
constexpr std::array<StringField, 11> kStringFields = {{
    {"event", &AuditEntry::event},
    {"subject_ref", &AuditEntry::subject_ref},
    {"user", &AuditEntry::user},
    {"responsible_user", &AuditEntry::responsible_user},
    {"organisation", &AuditEntry::organisation},
    {"role", &AuditEntry::role},
    {"action", &AuditEntry::action},
    {"object", &AuditEntry::object},
    {"authorisation_basis", &AuditEntry::authorisation_basis},
    {"outcome", &AuditEntry::outcome},
    {"source_address", &AuditEntry::source_address},
}};

Error Bad(std::string_view field, std::string message) {
  return InvalidArgument(std::string(kCode), std::move(message), std::string(field));
}

// Well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) without
// C0 control characters or DEL.
bool IsCleanUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f)
        return false;
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size())
      return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

const json* Find(const json& obj, std::string_view key) {
  auto it = obj.find(std::string(key));
  return it == obj.end() ? nullptr : &*it;
}

Result<std::string> RequiredString(const json& obj, std::string_view key) {
  const json* v = Find(obj, key);
  if (v == nullptr)
    return Bad(key, "is required");
  if (!v->is_string())
    return Bad(key, "must be a string");
  return v->get<std::string>();
}

Result<std::int64_t> RequiredInt(const json& obj, std::string_view key) {
  const json* v = Find(obj, key);
  if (v == nullptr)
    return Bad(key, "is required");
  if (v->is_number_unsigned()) {
    if (v->get<std::uint64_t>() >
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return Bad(key, "is too large");
    }
    return static_cast<std::int64_t>(v->get<std::uint64_t>());
  }
  if (!v->is_number_integer())
    return Bad(key, "must be an integer");
  return v->get<std::int64_t>();
}

Result<bool> RequiredBool(const json& obj, std::string_view key) {
  const json* v = Find(obj, key);
  if (v == nullptr)
    return Bad(key, "is required");
  if (!v->is_boolean())
    return Bad(key, "must be true or false");
  return v->get<bool>();
}

bool IsEntryKey(std::string_view key) {
  if (key == "seq" || key == "time" || key == "break_glass")
    return true;
  for (const auto& f : kStringFields) {
    if (f.key == key)
      return true;
  }
  return false;
}

// Reads the entry's keys from `obj`; `extra_key` (may be empty) is also allowed.
Result<AuditEntry> ReadEntry(const json& obj, std::string_view extra_key) {
  if (!obj.is_object())
    return Bad("", "an audit entry must be a JSON object");
  for (const auto& [key, value] : obj.items()) {
    if (!IsEntryKey(key) && key != extra_key)
      return Bad(key, "unknown key");
  }
  AuditEntry e;
  KP_ASSIGN_OR_RETURN(e.seq, RequiredInt(obj, "seq"));
  KP_ASSIGN_OR_RETURN(std::string time, RequiredString(obj, "time"));
  auto time_ms = ParseTime(time);
  if (!time_ms)
    return Bad("time", time_ms.error().message);
  e.time_ms = *time_ms;
  for (const auto& f : kStringFields) {
    KP_ASSIGN_OR_RETURN(e.*(f.member), RequiredString(obj, f.key));
  }
  KP_ASSIGN_OR_RETURN(e.break_glass, RequiredBool(obj, "break_glass"));
  KP_RETURN_IF_ERROR(Validate(e));
  return e;
}

}  // namespace

bool IsKnownEvent(std::string_view name) {
  for (std::string_view e : kEvents) {
    if (e == name)
      return true;
  }
  return false;
}

Status Validate(const AuditEntry& e) {
  if (e.seq < 1)
    return Bad("seq", "must be 1 or more");
  if (e.time_ms < 0 || e.time_ms > kMaxTimeMs)
    return Bad("time", "is out of range");
  for (const auto& f : kStringFields) {
    const std::string& s = e.*(f.member);
    if (s.size() > kMaxFieldBytes) {
      return Bad(f.key, "is longer than " + std::to_string(kMaxFieldBytes) + " bytes");
    }
    if (!IsCleanUtf8(s))
      return Bad(f.key, "must be UTF-8 text without control characters");
  }
  if (!IsKnownEvent(e.event))
    return Bad("event", "is not a known audit event");
  bool known_action = false;
  for (std::string_view a : kActions)
    known_action = known_action || a == e.action;
  if (!known_action)
    return Bad("action", "must be one of C, R, U, D, E");
  if (e.outcome.empty())
    return Bad("outcome", "must not be empty");
  return Ok();
}

Bytes CanonicalBytes(const AuditEntry& e) {
  std::size_t size = kEntryTag.size() + 8 + 8 + 1;
  for (const auto& f : kStringFields)
    size += 4 + (e.*(f.member)).size();
  ByteWriter out(size);
  out.Raw(kEntryTag);
  out.U64(static_cast<std::uint64_t>(e.seq));
  out.U64(static_cast<std::uint64_t>(e.time_ms));
  out.U8(e.break_glass ? 1 : 0);
  for (const auto& f : kStringFields) {
    const std::string& s = e.*(f.member);
    // Precondition: no field reaches 4 GiB (Validate caps them far lower).
    if (s.size() > std::numeric_limits<std::uint32_t>::max())
      std::abort();
    out.U32(static_cast<std::uint32_t>(s.size()));
    out.Raw(std::string_view(s));
  }
  return std::move(out).Take();
}

crypto::Digest LeafHash(const AuditEntry& entry) {
  static constexpr std::uint8_t kLeafPrefix[1] = {0x00};
  Bytes canonical = CanonicalBytes(entry);
  return crypto::Sha256({ByteView(kLeafPrefix), ByteView(canonical)});
}

crypto::Digest ChainHashOfLeaf(const crypto::Digest& previous_chain_hash,
                               const crypto::Digest& leaf_hash) {
  return crypto::Sha256({ByteView(previous_chain_hash), ByteView(leaf_hash)});
}

crypto::Digest ChainHash(const crypto::Digest& previous_chain_hash, const AuditEntry& entry) {
  return ChainHashOfLeaf(previous_chain_hash, LeafHash(entry));
}

json ToJson(const AuditEntry& e) {
  json out = json::object();
  out["seq"] = e.seq;
  out["time"] = e.time_ms >= 0 && e.time_ms <= kMaxTimeMs ? FormatTime(e.time_ms) : std::string();
  for (const auto& f : kStringFields)
    out[std::string(f.key)] = e.*(f.member);
  out["break_glass"] = e.break_glass;
  return out;
}

Result<AuditEntry> FromJson(const json& value) {
  return ReadEntry(value, {});
}

json ToJson(const StoredEntry& stored) {
  json out = ToJson(stored.entry);
  out["chain_hash"] = crypto::HexEncode(stored.chain_hash);
  return out;
}

Result<StoredEntry> StoredEntryFromJson(const json& value) {
  StoredEntry stored;
  KP_ASSIGN_OR_RETURN(stored.entry, ReadEntry(value, "chain_hash"));
  KP_ASSIGN_OR_RETURN(std::string hex, RequiredString(value, "chain_hash"));
  auto bytes = crypto::HexDecode(hex);
  if (!bytes || bytes->size() != stored.chain_hash.size()) {
    return Bad("chain_hash", "must be 64 hexadecimal digits");
  }
  std::copy(bytes->begin(), bytes->end(), stored.chain_hash.begin());
  return stored;
}

}  // namespace ketenpoort::audit
