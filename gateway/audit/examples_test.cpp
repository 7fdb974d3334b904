// The examples at the top of gateway/audit's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with an example is not named here.

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/audit/audit_entry.h"
#include "gateway/audit/audit_log.h"
#include "gateway/audit/audit_throttle.h"
#include "gateway/audit/audit_view.h"
#include "gateway/audit/byte_writer.h"
#include "gateway/audit/chain_verifier.h"
#include "gateway/audit/checkpoint_signer.h"
#include "gateway/audit/compact_range.h"
#include "gateway/audit/merkle_tree.h"
#include "gateway/audit/time_format.h"
#include "gateway/audit/tree_head.h"
#include "gateway/audit/witness.h"
#include "gateway/audit/witness_store.h"
#include "gateway/audit/witness_worker.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/crypto_test_util.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/hash.h"
#include "gateway/store/guarded_database.h"
#include "gateway/store/test_support.h"
#include "gateway/store/token_repository.h"

namespace ketenpoort::audit {
namespace {

// The trail's threads and throttle are still in namespace server (they came from there).
using server::AuditThrottle;
using server::CheckpointSigner;
using server::WitnessWorker;

constexpr std::int64_t kT0 = 1795326001123;  // 2026-11-22T05:40:01.123Z

AuditEntry Entry(int i) {
  AuditEntry e;
  e.time_ms = kT0 + i;
  e.event = std::string(event::kOpen);
  e.user = "j.jansen";
  e.organisation = "wijkteam-west";
  e.role = "recipient";
  e.action = std::string(action::kRead);
  e.object = "msg-" + std::to_string(i);
  e.outcome = std::string(kOutcomeSuccess);
  return e;
}

std::vector<crypto::Digest> Leaves(int n) {
  std::vector<crypto::Digest> leaves;
  for (int i = 0; i < n; ++i)
    leaves.push_back(LeafHash(Entry(i)));
  return leaves;
}

// gateway/audit/audit_entry.h
TEST(AuditExamples, AuditEntry) {
  const crypto::Digest previous_chain = kGenesisChainHash;
  AuditEntry e;
  e.seq = 42;                 // 1-based position in the trail
  e.time_ms = 1795326001123;  // shown as "2026-11-22T05:40:01.123Z"
  e.event = std::string(event::kOpen);
  e.subject_ref = "3f9c";
  e.user = "j.jansen";
  e.organisation = "wijkteam-west";
  e.role = "recipient";
  e.action = std::string(action::kRead);
  e.object = "msg-01HX";
  e.authorisation_basis = "youth_act";
  e.outcome = std::string(kOutcomeSuccess);
  e.source_address = "192.0.2.7";
  ASSERT_TRUE(Validate(e).ok());
  crypto::Digest chain = ChainHash(previous_chain, e);  // store beside the entry
  EXPECT_EQ(chain, crypto::Sha256({previous_chain, LeafHash(e)}));
  EXPECT_EQ(ToJson(e)["time"], "2026-11-22T05:40:01.123Z");
  e.user = "j.jansen\n";
  EXPECT_FALSE(Validate(e).ok());
}

// gateway/audit/audit_log.h
TEST(AuditExamples, AuditLog) {
  store::test::TempDir dir;
  auto opened = store::test::MigratedDatabase(dir.File("kp.db"));
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  store::Database& db = *opened;
  crypto::testing::TempDir certs;
  crypto::testing::TestPki pki(certs);
  crypto::testing::TestParty gateway = pki.Issue("gateway", {.tls_server = true});
  const crypto::Keyring& keyring = pki.keys;
  const crypto::Certificate& gateway_certificate = gateway.cert;
  store::TokenRepository tokens(db);
  AuditEntry entry = Entry(1);

  auto run = [&]() -> Status {
    AuditLog log;
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_ASSIGN_OR_RETURN(std::int64_t token_id,  // the action ...
                        tokens.Insert(crypto::Sha256(AsBytes("kpt_synthetic")), "wijkteam-west",
                                      "recipient", "j.jansen", kT0));
    EXPECT_GT(token_id, 0);
    KP_RETURN_IF_ERROR(log.Append(db, entry));  // ... and its entry, seq assigned here
    KP_RETURN_IF_ERROR(tx.Commit());            // commit together, or neither
    KP_ASSIGN_OR_RETURN(TreeHead head, log.SignHead(db, keyring, "gateway", NowMs()));
    EXPECT_EQ(head.size, 1u);
    KP_ASSIGN_OR_RETURN(VerifyReport r, log.Verify(db, gateway_certificate));
    EXPECT_TRUE(r.ok) << r.problem;
    EXPECT_EQ(r.entries, 1u);
    EXPECT_EQ(r.signed_size, 1u);
    return Ok();
  };
  Status s = run();
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  Status outside = AuditLog().Append(db, entry);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, "audit_no_transaction");
}

// gateway/audit/audit_throttle.h
TEST(AuditExamples, AuditThrottle) {
  std::int64_t now_ms = kT0;
  auto SteadyNowMs = [&] { return now_ms; };
  std::vector<std::uint64_t> recorded;  // the left-out count each recorded entry carries
  AuditThrottle throttle({.interval_ms = 1000, .max_addresses = 10000});
  auto login_failed = [&] {
    if (auto left_out = throttle.Admit("192.0.2.7", SteadyNowMs())) {
      // record an entry; *left_out failures from this address were not recorded since its
      // previous entry
      recorded.push_back(*left_out);
    }  // else: not recorded now; counted into that address's next entry
  };
  login_failed();  // recorded
  for (int i = 0; i < 5; ++i) {
    now_ms += 100;
    login_failed();  // within the interval: counted
  }
  now_ms = kT0 + 1000;
  login_failed();  // the next entry reports the five
  EXPECT_EQ(recorded, (std::vector<std::uint64_t>{0, 5}));
  EXPECT_EQ(throttle.tracked(), 1u);
  EXPECT_EQ(throttle.unreported(), 0u);
}

// gateway/audit/audit_view.h
TEST(AuditExamples, AuditView) {
  auto t = ParseTime("2026-11-23T10:00:01.000Z");
  ASSERT_TRUE(t.ok());
  AuditEntry e;
  e.seq = 1;
  e.time_ms = *t;
  e.event = std::string(event::kOpen);
  e.user = "a.de-vries";
  e.organisation = "comensha";
  e.role = "recipient";
  e.action = std::string(action::kRead);
  e.object = "m-5f0c";
  e.authorisation_basis = "vital_interest";
  e.outcome = std::string(kOutcomeSuccess);
  const std::vector<AuditEntry> entries{e};
  EXPECT_EQ(RenderView(entries, Language::kEnglish),
            "2026-11-23 10:00:01 UTC  comensha (recipient, user a.de-vries) opened message "
            "m-5f0c on the basis of vital interest: done\n");
  EXPECT_EQ(RenderView(entries, Language::kDutch),
            "2026-11-23 10:00:01 UTC  comensha (ontvanger, gebruiker a.de-vries) heeft bericht "
            "geopend: m-5f0c op grond van vitaal belang: gelukt\n");
}

// gateway/audit/byte_writer.h
TEST(AuditExamples, ByteWriter) {
  TreeHead head{.size = 0x0102, .signature = {}};
  ByteWriter w(72);
  w.Raw("ketenpoort-tree-head-v1\n");
  w.U64(head.size);
  Bytes out = std::move(w).Take();
  ASSERT_EQ(out.size(), 24u + 8u);
  EXPECT_EQ(out[24 + 6], 0x01);
  EXPECT_EQ(out[24 + 7], 0x02);
}

// gateway/audit/chain_verifier.h
TEST(AuditExamples, ChainVerifier) {
  std::vector<StoredEntry> rows;
  crypto::Digest chain = kGenesisChainHash;
  for (int i = 1; i <= 3; ++i) {
    AuditEntry e = Entry(i);
    e.seq = static_cast<std::uint64_t>(i);
    chain = ChainHash(chain, e);
    rows.push_back({e, chain});
  }
  auto verify = [](const std::vector<StoredEntry>& stored) -> Result<VerifyReport> {
    std::size_t at = 0;
    auto next = [&]() -> Result<std::optional<StoredEntry>> {
      if (at == stored.size())
        return std::optional<StoredEntry>();
      return std::optional<StoredEntry>(stored[at++]);
    };
    std::vector<TreeHead> heads;  // the signed tree heads kept so far, signatures checked
    KP_ASSIGN_OR_RETURN(VerifyReport report, VerifyChain(next, heads));
    return report;
  };
  auto report = verify(rows);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->entries, 3u);
  EXPECT_EQ(crypto::HexEncode(report->head), crypto::HexEncode(chain));
  rows[1].entry.object = "msg-changed";
  auto changed = verify(rows);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed->ok);
  EXPECT_EQ(changed->problem.rfind("entry 2: content changed (", 0), 0u) << changed->problem;
}

// What the trail's threads run against: the daemon's guarded database, migrated, and a test PKI
// whose key "tls" is this gateway's TLS key.
struct Daemon {
  store::test::TempDir dir;
  store::GuardedDatabase db{std::move(*store::test::MigratedDatabase(dir.File("kp.db")))};
  crypto::testing::TempDir certs;
  crypto::testing::TestPki pki{certs};
  crypto::testing::TestParty tls = pki.Issue("tls", {.tls_server = true, .tls_client = true});
};

// gateway/audit/checkpoint_signer.h
TEST(AuditExamples, CheckpointSigner) {
  using std::chrono_literals::operator""s;
  Daemon d;
  store::GuardedDatabase& db = d.db;
  const crypto::Keyring& keyring = d.pki.keys;
  auto append = [&](int i) {
    return db.Write([&](store::Database& conn) -> Status {
      KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(conn));
      KP_RETURN_IF_ERROR(AuditLog().Append(conn, Entry(i)));
      return tx.Commit();
    });
  };
  auto signed_size = [&]() -> std::uint64_t {
    auto latest = db.Read([](store::Database& conn) { return AuditLog().LatestSignedHead(conn); });
    EXPECT_TRUE(latest.ok());
    return latest.ok() && latest->has_value() ? (*latest)->size : 0;
  };

  CheckpointSigner signer(db, keyring, "tls", {.interval = 60s, .every = 1000});  // db: Guarded
  signer.Start();  // a thread of its own (worker/worker.h)
  for (int i = 1; i <= 3; ++i)
    ASSERT_TRUE(append(i).ok());
  // Neither 1000 entries nor 60 s: nothing is due before Stop.
  signer.Stop();  // signs a last head if the trail grew, joins the thread
  EXPECT_EQ(signed_size(), 3u);
  auto verified =
      db.Read([&](store::Database& conn) { return AuditLog().Verify(conn, d.tls.cert); });
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_EQ(verified->signed_size, 3u);
}

// gateway/audit/compact_range.h
TEST(AuditExamples, CompactRange) {
  const std::vector<crypto::Digest> leaves = Leaves(11);
  CompactRange range;
  for (const crypto::Digest& leaf : leaves)
    range.Append(leaf);  // O(log n) time, never reads old leaves
  crypto::Digest root = range.Root();
  EXPECT_EQ(root, RootHash(leaves));
  Bytes saved = range.Serialize();
  auto back = CompactRange::Deserialize(saved);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, range);
}

// gateway/audit/merkle_tree.h
TEST(AuditExamples, MerkleTree) {
  std::vector<crypto::Digest> leaves = Leaves(7);
  const std::vector<crypto::Digest> first_three(leaves.begin(), leaves.begin() + 3);
  crypto::Digest root = RootHash(leaves);
  auto proof = InclusionProof(leaves, 5);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(VerifyInclusion(5, leaves.size(), leaves[5], *proof, root));
  auto cproof = ConsistencyProof(leaves, 3);
  ASSERT_TRUE(cproof.ok());
  EXPECT_TRUE(VerifyConsistency(3, leaves.size(), RootHash(first_three), root, *cproof));
}

// gateway/audit/time_format.h
TEST(AuditExamples, TimeFormat) {
  EXPECT_EQ(FormatTime(1795326001123), "2026-11-22T05:40:01.123Z");
  EXPECT_EQ(*ParseTime("2026-11-22T05:40:01.123Z"), 1795326001123);
  auto no_millis = ParseTime("2026-11-22T05:40:01Z");
  ASSERT_FALSE(no_millis.ok());
  EXPECT_EQ(no_millis.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(no_millis.error().code, "invalid_time");
}

// gateway/audit/tree_head.h
TEST(AuditExamples, TreeHead) {
  crypto::testing::TempDir certs;
  crypto::testing::TestPki pki(certs);
  crypto::testing::TestParty gateway = pki.Issue("gateway", {.tls_server = true});
  CompactRange range;
  for (const crypto::Digest& leaf : Leaves(42))
    range.Append(leaf);
  const std::int64_t now_ms = kT0;
  TreeHead head{range.size(), range.Root(), now_ms, {}};
  auto signature = pki.keys.SignDigest("gateway", SignedBytes(head));
  ASSERT_TRUE(signature.ok());
  head.signature = *signature;
  nlohmann::json json = ToJson(head);
  EXPECT_EQ(json["size"], 42);
  EXPECT_EQ(json["time"], "2026-11-22T05:40:01.123Z");
  auto back = TreeHeadFromJson(json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, head);
  EXPECT_TRUE(crypto::VerifySignature(gateway.cert, SignedBytes(*back), back->signature));
}

// gateway/audit/witness.h
TEST(AuditExamples, Witness) {
  const std::vector<crypto::Digest> leaves = Leaves(8);
  const TreeHead known_head{
      .size = 5, .root = RootHash(std::span(leaves).first(5)), .time_ms = 0, .signature = {}};
  const TreeHead incoming{.size = 8, .root = RootHash(leaves), .time_ms = 0, .signature = {}};
  auto proof = ConsistencyProof(leaves, 5);
  ASSERT_TRUE(proof.ok());
  EXPECT_EQ(CheckPeerHead(nullptr, known_head, {}).kind, WitnessVerdict::Kind::kFirst);
  EXPECT_EQ(CheckPeerHead(&known_head, known_head, {}).kind, WitnessVerdict::Kind::kSame);
  WitnessVerdict v = CheckPeerHead(&known_head, incoming, *proof);
  EXPECT_EQ(v.kind, WitnessVerdict::Kind::kExtends);
  WitnessVerdict rollback = CheckPeerHead(&incoming, known_head, {});
  EXPECT_EQ(rollback.kind, WitnessVerdict::Kind::kFork);
  EXPECT_FALSE(rollback.problem.empty());
}

// gateway/audit/witness_store.h
TEST(AuditExamples, WitnessStore) {
  store::test::TempDir dir;
  auto opened = store::test::MigratedDatabase(dir.File("kp.db"));
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  store::Database& db = *opened;
  const std::string peer = "https://gw-b.example.org:8443";
  const std::vector<crypto::Digest> leaves = Leaves(4);
  const TreeHead incoming{.size = 4, .root = RootHash(leaves), .time_ms = kT0, .signature = {}};
  const std::vector<crypto::Digest> proof;
  const std::int64_t now = kT0;
  using enum WitnessVerdict::Kind;

  auto run = [&]() -> Status {
    WitnessStore w(db);
    KP_ASSIGN_OR_RETURN(auto known, w.Latest("https://gw-b.example.org:8443"));
    WitnessVerdict v = CheckPeerHead(known ? &*known : nullptr, incoming, proof);
    if (v.kind == kFirst || v.kind == kExtends)
      KP_RETURN_IF_ERROR(w.Keep(peer, incoming, now));
    KP_RETURN_IF_ERROR(w.SetState(peer, v.kind == kFork ? "fork" : "consistent", v.problem, now));
    return Ok();
  };
  ASSERT_TRUE(run().ok());
  auto latest = WitnessStore(db).Latest(peer);
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->size, 4u);
  auto all = WitnessStore(db).All();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
}

// gateway/audit/witness_worker.h
TEST(AuditExamples, WitnessWorker) {
  Daemon d;
  store::GuardedDatabase& db = d.db;
  const std::string token_file = d.certs.File("gw-b.token");
  crypto::testing::WriteFile(token_file, "kpt_issued-by-gw-b\n");
  ASSERT_EQ(::chmod(token_file.c_str(), 0600), 0);
  // A peer nobody listens on: unreachable, which is logged and is not a fork.
  const std::string peer = "https://127.0.0.1:1";

  WitnessWorker::Config config;
  config.db = &db;
  config.keyring = &d.pki.keys;
  config.key_id = "tls";
  config.tls_chain = {d.tls.cert};
  config.federation.enabled = true;
  config.federation.trust_anchors = d.pki.ca_path;
  config.federation.peers = {{.url = peer, .token_file = token_file}};
  config.interval = std::chrono::hours(1);
  config.clock = [] { return kT0; };

  WitnessWorker w(config);  // db (a GuardedDatabase), keyring, TLS chain, federation config
  w.CheckAll();             // one round on this thread, as the worker's pass runs it
  w.Start();
  w.Stop();  // a worker/worker.h thread; Stop returns after the peer in progress
  auto all = db.Read([](store::Database& conn) { return WitnessStore(conn).All(); });
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());  // no head kept, no "fork" recorded: tried again next round
}

}  // namespace
}  // namespace ketenpoort::audit
