#include "gateway/audit/audit_entry.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/audit/time_format.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::audit {
namespace {

using json = nlohmann::json;

AuditEntry Sample() {
  AuditEntry e;
  e.seq = 42;
  e.time_ms = 1795326001123;  // 2026-11-22T05:40:01.123Z
  e.event = std::string(event::kOpen);
  e.subject_ref = "3f9c0b";
  e.user = "j.jansen";
  e.responsible_user = "";
  e.organisation = "wijkteam-west";
  e.role = "recipient";
  e.action = std::string(action::kRead);
  e.object = "msg-01HX";
  e.authorisation_basis = "youth_act";
  e.break_glass = false;
  e.outcome = std::string(kOutcomeSuccess);
  e.source_address = "192.0.2.7";
  return e;
}

// An independent decoder for version 1 of the canonical bytes, written from the header's
// description. If it can always recover the entry, the encoding is injective.
std::optional<AuditEntry> Decode(const Bytes& b) {
  const std::string tag = "ketenpoort-audit-entry-v1\n";
  std::size_t at = 0;
  auto take = [&](std::size_t n) -> std::optional<std::uint64_t> {
    if (at + n > b.size())
      return std::nullopt;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
      v = (v << 8) | b[at + i];
    at += n;
    return v;
  };
  if (b.size() < tag.size() || std::string(b.begin(), b.begin() + tag.size()) != tag) {
    return std::nullopt;
  }
  at = tag.size();
  AuditEntry e;
  auto seq = take(8), time = take(8), glass = take(1);
  if (!seq || !time || !glass || *glass > 1)
    return std::nullopt;
  e.seq = static_cast<std::int64_t>(*seq);
  e.time_ms = static_cast<std::int64_t>(*time);
  e.break_glass = *glass == 1;
  std::string* fields[] = {
      &e.event,         &e.subject_ref, &e.user,   &e.responsible_user,    &e.organisation,
      &e.role,          &e.action,      &e.object, &e.authorisation_basis, &e.outcome,
      &e.source_address};
  for (std::string* f : fields) {
    auto len = take(4);
    if (!len || at + *len > b.size())
      return std::nullopt;
    f->assign(b.begin() + static_cast<std::ptrdiff_t>(at),
              b.begin() + static_cast<std::ptrdiff_t>(at + *len));
    at += *len;
  }
  if (at != b.size())
    return std::nullopt;
  return e;
}

crypto::Digest OpenSslSha256(const Bytes& data) {
  crypto::Digest d;
  SHA256(data.data(), data.size(), d.data());
  return d;
}

TEST(AuditEntryTest, CanonicalBytesFollowTheDocumentedLayout) {
  AuditEntry e = Sample();
  e.break_glass = true;
  Bytes expected = ToBytes("ketenpoort-audit-entry-v1\n");
  auto be = [&](std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i)
      expected.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  be(42, 8);
  be(1795326001123, 8);
  expected.push_back(1);
  for (const std::string& s :
       {e.event, e.subject_ref, e.user, e.responsible_user, e.organisation, e.role, e.action,
        e.object, e.authorisation_basis, e.outcome, e.source_address}) {
    be(s.size(), 4);
    expected.insert(expected.end(), s.begin(), s.end());
  }
  EXPECT_EQ(CanonicalBytes(e), expected);
}

TEST(AuditEntryTest, GoldenVectorForIndependentVerifiers) {
  // Pinned: if this changes, every stored trail stops verifying. Change the version tag instead.
  const AuditEntry e = Sample();
  EXPECT_EQ(crypto::HexEncode(CanonicalBytes(e)),
            "6b6574656e706f6f72742d61756469742d656e7472792d76310a"  // "ketenpoort-audit-entry-v1\n"
            "000000000000002a"                                      // seq 42
            "000001a201c4bfe3"                                      // time 1795326001123
            "00"                                                    // break_glass false
            "000000046f70656e"                                      // "open"
            "00000006336639633062"                                  // "3f9c0b"
            "000000086a2e6a616e73656e"                              // "j.jansen"
            "00000000"                                              // ""
            "0000000d77696a6b7465616d2d77657374"                    // "wijkteam-west"
            "00000009726563697069656e74"                            // "recipient"
            "0000000152"                                            // "R"
            "000000086d73672d30314858"                              // "msg-01HX"
            "00000009796f7574685f616374"                            // "youth_act"
            "0000000773756363657373"                                // "success"
            "000000093139322e302e322e37");                          // "192.0.2.7"
  EXPECT_EQ(crypto::HexEncode(LeafHash(e)),
            "ae7d5fd74aea858db6648436b4ecaef54aadbda4b7b4430cdcd3a496b5934701");
  EXPECT_EQ(crypto::HexEncode(ChainHash(kGenesisChainHash, e)),
            "d89f98fb111b41bc871c917d4b4def46a4ce0c3316154b67bf4662d5a48975a0");
}

TEST(AuditEntryTest, LeafAndChainHashesAreTheDocumentedSha256s) {
  const AuditEntry e = Sample();
  Bytes leaf_input{0x00};
  Bytes canonical = CanonicalBytes(e);
  leaf_input.insert(leaf_input.end(), canonical.begin(), canonical.end());
  const crypto::Digest leaf = OpenSslSha256(leaf_input);
  EXPECT_EQ(LeafHash(e), leaf);

  Bytes chain_input(32, 0);  // genesis
  chain_input.insert(chain_input.end(), leaf.begin(), leaf.end());
  const crypto::Digest first = OpenSslSha256(chain_input);
  EXPECT_EQ(ChainHash(kGenesisChainHash, e), first);
  EXPECT_EQ(ChainHashOfLeaf(kGenesisChainHash, leaf), first);

  Bytes next_input(first.begin(), first.end());
  next_input.insert(next_input.end(), leaf.begin(), leaf.end());
  EXPECT_EQ(ChainHash(first, e), OpenSslSha256(next_input));
}

TEST(AuditEntryTest, CanonicalBytesDecodeBackToTheEntry) {
  AuditEntry e = Sample();
  e.responsible_user = "m.de.vries";
  e.break_glass = true;
  e.subject_ref = "";
  e.user = "Zoë Çelik 😀";
  auto decoded = Decode(CanonicalBytes(e));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, e);
}

TEST(AuditEntryTest, CanonicalEncodingIsInjectiveAtFieldBoundaries) {
  // Moving bytes from one string field to its neighbour always changes the encoding.
  std::string AuditEntry::*order[] = {&AuditEntry::event,
                                      &AuditEntry::subject_ref,
                                      &AuditEntry::user,
                                      &AuditEntry::responsible_user,
                                      &AuditEntry::organisation,
                                      &AuditEntry::role,
                                      &AuditEntry::action,
                                      &AuditEntry::object,
                                      &AuditEntry::authorisation_basis,
                                      &AuditEntry::outcome,
                                      &AuditEntry::source_address};
  for (std::size_t i = 0; i + 1 < std::size(order); ++i) {
    for (auto [left_a, right_a, left_b, right_b] :
         {std::tuple{"ab", "c", "a", "bc"}, std::tuple{"abc", "", "", "abc"},
          std::tuple{"", "x", "x", ""},
          std::tuple{"a\x01", "b", "a",
                     "\x01"
                     "b"}}) {
      AuditEntry a = Sample(), b = Sample();
      a.*order[i] = left_a;
      a.*order[i + 1] = right_a;
      b.*order[i] = left_b;
      b.*order[i + 1] = right_b;
      SCOPED_TRACE(std::to_string(i) + ": " + left_a + "|" + right_a);
      EXPECT_NE(CanonicalBytes(a), CanonicalBytes(b));
      EXPECT_NE(LeafHash(a), LeafHash(b));
      EXPECT_EQ(Decode(CanonicalBytes(a)), a);
      EXPECT_EQ(Decode(CanonicalBytes(b)), b);
    }
  }
  // The user="ab", organisation="c" case the design names.
  AuditEntry a = Sample(), b = Sample();
  a.user = "ab";
  a.organisation = "c";
  b.user = "a";
  b.organisation = "bc";
  a.responsible_user = b.responsible_user = "";
  EXPECT_NE(LeafHash(a), LeafHash(b));
}

TEST(AuditEntryTest, EveryFieldChangesTheLeafHash) {
  const AuditEntry base = Sample();
  const crypto::Digest h = LeafHash(base);
  std::vector<AuditEntry> variants(14, base);
  variants[0].seq = 43;
  variants[1].time_ms += 1;
  variants[2].event = "fetch";
  variants[3].subject_ref = "3f9c0c";
  variants[4].user = "j.janssen";
  variants[5].responsible_user = "x";
  variants[6].organisation = "wijkteam-oost";
  variants[7].role = "sender";
  variants[8].action = "U";
  variants[9].object = "msg-01HY";
  variants[10].authorisation_basis = "consent";
  variants[11].break_glass = true;
  variants[12].outcome = "permission_denied";
  variants[13].source_address = "192.0.2.8";
  for (std::size_t i = 0; i < variants.size(); ++i) {
    EXPECT_NE(LeafHash(variants[i]), h) << i;
    EXPECT_NE(ChainHash(kGenesisChainHash, variants[i]), ChainHash(kGenesisChainHash, base)) << i;
  }
  EXPECT_NE(ChainHash(kGenesisChainHash, base), ChainHash(LeafHash(base), base));
}

TEST(AuditEntryTest, JsonRoundTrip) {
  AuditEntry e = Sample();
  e.break_glass = true;
  e.user = "Zoë";
  const json j = ToJson(e);
  EXPECT_EQ(j.at("time"), "2026-11-22T05:40:01.123Z");
  EXPECT_EQ(j.at("seq"), 42);
  EXPECT_EQ(j.at("break_glass"), true);
  EXPECT_EQ(j.size(), 14u);
  auto back = FromJson(json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, e);

  StoredEntry stored{e, ChainHash(kGenesisChainHash, e)};
  const json sj = ToJson(stored);
  EXPECT_EQ(sj.at("chain_hash"), crypto::HexEncode(stored.chain_hash));
  auto stored_back = StoredEntryFromJson(json::parse(sj.dump()));
  ASSERT_TRUE(stored_back.ok()) << stored_back.error().ToString();
  EXPECT_EQ(*stored_back, stored);
  // A plain entry does not carry a chain hash, and a stored one must.
  EXPECT_FALSE(FromJson(sj).ok());
  EXPECT_EQ(StoredEntryFromJson(j).error().field, "chain_hash");
}

TEST(AuditEntryTest, FromJsonNamesTheBadField) {
  const json good = ToJson(Sample());
  struct Case {
    const char* key;
    json value;  // null: remove the key
    const char* field;
  };
  const std::vector<Case> cases = {
      {"seq", nullptr, "seq"},
      {"seq", 0, "seq"},
      {"seq", -3, "seq"},
      {"seq", 4.5, "seq"},
      {"seq", "42", "seq"},
      {"seq", 18446744073709551615u, "seq"},
      {"time", nullptr, "time"},
      {"time", 1795326001123, "time"},
      {"time", "2026-11-22T05:40:01Z", "time"},
      {"time", "2026-02-30T05:40:01.000Z", "time"},
      {"event", "peek", "event"},
      {"event", 7, "event"},
      {"user", nullptr, "user"},
      {"user", "line\nbreak", "user"},
      {"user", std::string(kMaxFieldBytes + 1, 'a'), "user"},
      {"action", "read", "action"},
      {"outcome", "", "outcome"},
      {"break_glass", "false", "break_glass"},
      {"break_glass", nullptr, "break_glass"},
      {"payload", "secret", "payload"},
  };
  for (const auto& c : cases) {
    json j = good;
    if (c.value.is_null()) {
      j.erase(c.key);
    } else {
      j[c.key] = c.value;
    }
    auto r = FromJson(j);
    ASSERT_FALSE(r.ok()) << c.key << " = " << c.value.dump();
    EXPECT_EQ(r.error().code, "invalid_audit_entry");
    EXPECT_EQ(r.error().field, c.field) << c.key << " = " << c.value.dump();
  }
  EXPECT_FALSE(FromJson(json::array()).ok());

  json bad_hash = ToJson(StoredEntry{Sample(), {}});
  bad_hash["chain_hash"] = "abcd";
  EXPECT_EQ(StoredEntryFromJson(bad_hash).error().field, "chain_hash");
}

TEST(AuditEntryTest, ValidateAcceptsUtf8AndRejectsMalformedText) {
  AuditEntry e = Sample();
  e.user = "Zoë Çelik 😀 日本";
  EXPECT_TRUE(Validate(e).ok());
  e.user = std::string(kMaxFieldBytes, 'a');
  EXPECT_TRUE(Validate(e).ok());
  for (const std::string& bad :
       {std::string("\xc3"), std::string("\xc0\xaf"),  // truncated, overlong
        std::string("\xed\xa0\x80"),                   // surrogate
        std::string("\xf4\x90\x80\x80"),               // > U+10FFFF
        std::string("\xff"), std::string("tab\there"), std::string("del\x7f"),
        std::string("nul\0x", 5)}) {
    e.user = bad;
    auto s = Validate(e);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().field, "user");
  }
  for (std::string_view name :
       {event::kSubmit, event::kDeliver, event::kFetch, event::kOpen, event::kDownload,
        event::kStatusChange, event::kRecall, event::kExpire, event::kPurge, event::kTokenIssue,
        event::kAuthFailed, event::kConfigChange, event::kKeyChange, event::kAuditRead}) {
    EXPECT_TRUE(IsKnownEvent(name)) << name;
  }
  EXPECT_FALSE(IsKnownEvent("Open"));
}

TEST(TimeFormatTest, FormatsAndParsesRfc3339WithMilliseconds) {
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTime(1795326001123), "2026-11-22T05:40:01.123Z");
  EXPECT_EQ(FormatTime(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(FormatTime(kMaxTimeMs), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(*ParseTime("2026-11-22T05:40:01.123Z"), 1795326001123);
  EXPECT_EQ(*ParseTime("9999-12-31T23:59:59.999Z"), kMaxTimeMs);
  EXPECT_EQ(*ParseTime("2024-02-29T12:00:00.000Z"), 1709208000000);
  for (std::int64_t t = 0; t < kMaxTimeMs; t += 7'777'777'777'77) {
    EXPECT_EQ(*ParseTime(FormatTime(t)), t) << t;
  }
  for (const char* bad :
       {"", "2026-11-22T05:40:01Z", "2026-11-22T05:40:01.12Z", "2026-11-22T05:40:01.123z",
        "2026-11-22 05:40:01.123Z", "2026-11-22T05:40:01.123+01:00", "2023-02-29T00:00:00.000Z",
        "2026-13-01T00:00:00.000Z", "2026-00-01T00:00:00.000Z", "2026-11-22T24:00:00.000Z",
        "2026-11-22T05:60:00.000Z", "2026-11-22T05:40:60.000Z", "1969-12-31T23:59:59.999Z",
        "+026-11-22T05:40:01.123Z", "2026-11-22T05:40:01.123Z "}) {
    auto r = ParseTime(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "invalid_time");
  }
}

}  // namespace
}  // namespace ketenpoort::audit

namespace ketenpoort::audit {
namespace {

TEST(TimeFormatTest, UserTimesMayLeaveOutMillisecondsOrBeADate) {
  EXPECT_EQ(*ParseUserTime("2026-11-22T05:40:01.123Z", "t"), 1795326001123);
  EXPECT_EQ(*ParseUserTime("2026-11-22T05:40:01Z", "t"), 1795326001000);
  EXPECT_EQ(*ParseUserTime("2026-11-22", "t"), 1795305600000);
  auto bad = ParseUserTime("22-11-2026", "deadline");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_time");
  EXPECT_EQ(bad.error().field, "deadline");
  EXPECT_FALSE(ParseUserTime("2026-02-30", "t").ok());
}

}  // namespace
}  // namespace ketenpoort::audit
