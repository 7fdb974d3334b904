// One NEN 7513 audit entry, its canonical bytes, and its place in the hash chain.
//
//   // (compiled in examples_test.cpp)
//   AuditEntry e;
//   e.seq = 42;                                  // 1-based position in the trail
//   e.time_ms = 1795326001123;                   // shown as "2026-11-22T05:40:01.123Z"
//   e.event = std::string(event::kOpen);
//   e.subject_ref = "3f9c...";  e.user = "j.jansen";  e.organisation = "wijkteam-west";
//   e.role = "recipient";  e.action = std::string(action::kRead);  e.object = "msg-01HX...";
//   e.authorisation_basis = "youth_act";  e.outcome = std::string(kOutcomeSuccess);
//   e.source_address = "192.0.2.7";
//   KP_RETURN_IF_ERROR(Validate(e));
//   crypto::Digest chain = ChainHash(previous_chain, e);   // store beside the entry
//
// Contract:
// - An entry holds who did what to which object, when, on what basis and with what outcome;
//   never message content. Strings are UTF-8 without control characters (Validate checks).
// - `time_ms` is integer milliseconds since 1970-01-01T00:00:00Z (UTC). It is hashed as that
//   integer; JSON shows it as RFC 3339 with milliseconds (time_format.h).
// - CanonicalBytes is the only input to hashing. Version 1, byte for byte (all integers
//   big-endian, two's complement for signed ones):
//
//     "ketenpoort-audit-entry-v1\n"           26 bytes of ASCII (the version tag)
//     seq                                     8 bytes, int64
//     time_ms                                 8 bytes, int64
//     break_glass                             1 byte, 0x00 or 0x01
//     then eleven strings, each as a uint32 byte length followed by its UTF-8 bytes, in
//     this order: event, subject_ref, user, responsible_user, organisation, role, action,
//     object, authorisation_basis, outcome, source_address
//
//   Fixed widths and length prefixes in a fixed order make the encoding injective: two
//   entries that differ in any field have different bytes ("ab"+"c" != "a"+"bc"). Strings
//   are hashed exactly as stored (no Unicode normalisation). A later version changes the tag.
// - LeafHash(e)          = SHA-256(0x00 || CanonicalBytes(e))      (RFC 6962 leaf hash)
//   ChainHash(prev, e)   = SHA-256(prev || LeafHash(e))            (32 + 32 bytes hashed)
//   The chain starts from kGenesisChainHash (32 zero bytes): entry 1's chain hash is
//   ChainHash(kGenesisChainHash, entry1). The Merkle tree (merkle_tree.h) is built over the
//   same leaf hashes, so one hash per entry serves both the chain and the signed tree heads.
// - JSON (export, API): an object with exactly the keys seq, time, event, subject_ref, user,
//   responsible_user, organisation, role, action, object, authorisation_basis, break_glass,
//   outcome, source_address; every key present, empty strings allowed where Validate allows
//   them. FromJson rejects unknown or missing keys and wrong types with InvalidArgument code
//   "invalid_audit_entry" and `field` set to the key, then applies Validate.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/hash.h"

namespace ketenpoort::audit {

// Event names. Stable: they are hashed into the trail, so an existing name never changes.
namespace event {
inline constexpr std::string_view kSubmit = "submit";
inline constexpr std::string_view kDeliver = "deliver";
inline constexpr std::string_view kFetch = "fetch";
inline constexpr std::string_view kOpen = "open";
inline constexpr std::string_view kDownload = "download";
inline constexpr std::string_view kStatusChange = "status_change";
inline constexpr std::string_view kRecall = "recall";
inline constexpr std::string_view kExpire = "expire";
inline constexpr std::string_view kPurge = "purge";
inline constexpr std::string_view kPortalVerify = "portal_verify";  // secure-mail recipient check
inline constexpr std::string_view kTokenIssue = "token_issue";
inline constexpr std::string_view kTokenRevoke = "token_revoke";
inline constexpr std::string_view kAuthFailed = "auth_failed";
inline constexpr std::string_view kConfigChange = "config_change";
inline constexpr std::string_view kKeyChange = "key_change";
inline constexpr std::string_view kAuditRead = "audit_read";
inline constexpr std::string_view kAuditExport = "audit_export";
inline constexpr std::string_view kReminder = "reminder";  // a deadline escalation or reminder
inline constexpr std::string_view kWitness = "witness";    // a peer's signed head checked
inline constexpr std::string_view kReport = "report";  // anonymised counts (`ketenpoort report`)
// A client's consent withdrawn (object: the recipient organisation, or "*" for every one).
inline constexpr std::string_view kConsentWithdraw = "consent_withdraw";
// A status report (federation/status_report.h) sent to the gateway of a message's other party.
inline constexpr std::string_view kStatusReport = "status_report";
// An online backup of the database and blobs (`ketenpoort backup`; object: "database").
inline constexpr std::string_view kBackup = "backup";
// A deployment restored from a backup (`ketenpoort restore`), the first entry after the copy's.
inline constexpr std::string_view kRestore = "restore";
}  // namespace event

// True for the names above.
bool IsKnownEvent(std::string_view name);

// NEN 7513 action kinds: create, read, update, delete, execute (log in, sign, purge, ...).
namespace action {
inline constexpr std::string_view kCreate = "C";
inline constexpr std::string_view kRead = "R";
inline constexpr std::string_view kUpdate = "U";
inline constexpr std::string_view kDelete = "D";
inline constexpr std::string_view kExecute = "E";
}  // namespace action

// `outcome` of an action that succeeded; a failure is its stable error code.
inline constexpr std::string_view kOutcomeSuccess = "success";

// Longest string field Validate accepts, in bytes.
inline constexpr std::size_t kMaxFieldBytes = 1024;

struct AuditEntry {
  std::int64_t seq = 0;             // 1-based position in the trail
  std::int64_t time_ms = 0;         // ms since the Unix epoch, UTC
  std::string event;                // one of `event::`
  std::string subject_ref;          // client pseudonym; empty when no client is concerned
  std::string user;                 // who acted (a person, or a system client's name)
  std::string responsible_user;     // on whose behalf; empty when the same as `user`
  std::string organisation;         // the acting organisation; empty when unknown (auth_failed)
  std::string role;                 // the role acted in ("recipient", "auditor", ...)
  std::string action;               // one of `action::`
  std::string object;               // what was acted on, e.g. a message id; may be empty
  std::string authorisation_basis;  // legal basis or role grant; may be empty
  bool break_glass = false;         // emergency access outside the normal grant
  std::string outcome;              // kOutcomeSuccess or a failure code
  std::string source_address;       // IP address of the client; may be empty (CLI, timers)

  bool operator==(const AuditEntry&) const = default;
};

// An entry as the store keeps it: with the chain hash that was computed when it was written.
struct StoredEntry {
  AuditEntry entry;
  crypto::Digest chain_hash{};

  bool operator==(const StoredEntry&) const = default;
};

inline constexpr crypto::Digest kGenesisChainHash{};  // 32 zero bytes

// seq >= 1; time in range; known event; action one of C/R/U/D/E; outcome non-empty; every
// string valid UTF-8, without control characters, at most kMaxFieldBytes. Errors name the field.
Status Validate(const AuditEntry& entry);

Bytes CanonicalBytes(const AuditEntry& entry);
crypto::Digest LeafHash(const AuditEntry& entry);
crypto::Digest ChainHash(const crypto::Digest& previous_chain_hash, const AuditEntry& entry);
// The same, from an already computed LeafHash(entry).
crypto::Digest ChainHashOfLeaf(const crypto::Digest& previous_chain_hash,
                               const crypto::Digest& leaf_hash);

nlohmann::json ToJson(const AuditEntry& entry);
Result<AuditEntry> FromJson(const nlohmann::json& value);

// The entry's keys plus "chain_hash" (64 lower-case hex digits).
nlohmann::json ToJson(const StoredEntry& stored);
Result<StoredEntry> StoredEntryFromJson(const nlohmann::json& value);

}  // namespace ketenpoort::audit
