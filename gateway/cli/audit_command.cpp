// `ketenpoort audit verify|export|view --config FILE`. verify checks the whole audit trail against
// its hash chain and the gateway's signed tree heads.
//
//   $ ketenpoort audit verify --config /srv/kp/gateway.json
//   audit trail intact: 15 entries, head 3f9c...e1 (signed up to 15)       exit 0
//   audit trail altered: entry 7: content changed (...)                    exit 1
//
// Exit 2 (nothing checked) for bad arguments, an unreadable config, a wrong database key or an
// unreadable gateway certificate.
#include <charconv>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/audit/audit_log.h"
#include "gateway/audit/audit_view.h"
#include "gateway/audit/time_format.h"
#include "gateway/audit/witness_store.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/core/reason_text.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/encoding.h"

namespace ketenpoort::cli {

namespace {

int RunVerify(int argc, char** argv) {
  Flags flags("audit verify",
              "Verifies the audit trail: recomputes every entry's chain hash and the Merkle\n"
              "roots of the signed tree heads (checked with the gateway's certificate).\n"
              "Exit 0 when intact, 1 naming the first altered entry, 2 when nothing could be\n"
              "checked.",
              {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  auto chain = crypto::LoadPemChainFile(deployment->config.listen.tls_cert);
  if (!chain)
    return Fail(chain.error());

  auto anchors = crypto::LoadPemChainFile(config::DeploymentCaFile(deployment->config));
  auto report = audit::AuditLog().Verify(deployment->db, chain->front(),
                                         anchors ? *anchors : std::vector<crypto::Certificate>{});
  if (!report)
    return Fail(report.error());
  if (!report->ok) {
    std::printf("audit trail altered: %s\n", report->problem.c_str());
    if (report->first_bad_seq) {
      std::printf("first bad entry: %llu (%.*s)\n",
                  static_cast<unsigned long long>(*report->first_bad_seq),
                  static_cast<int>(audit::FindingName(report->finding).size()),
                  audit::FindingName(report->finding).data());
    }
    return kExitProblem;
  }
  std::printf("audit trail intact: %llu entries, head %s (signed up to %llu)\n",
              static_cast<unsigned long long>(report->entries),
              crypto::HexEncode(report->head).c_str(),
              static_cast<unsigned long long>(report->signed_size));
  return kExitOk;
}

// Reads --subject, --actor, --org, --from and --to into a query over the whole trail.
Result<audit::AuditQuery> QueryFromFlags(const ParsedFlags& p) {
  audit::AuditQuery q;
  q.subject_ref = p.Get("subject");
  q.user = p.Get("actor");
  q.organisation = p.Get("org");
  q.limit = 1000;
  for (const char* name : {"from", "to"}) {
    const std::string text = p.Get(name);
    if (text.empty())
      continue;
    KP_ASSIGN_OR_RETURN(std::int64_t ms, audit::ParseUserTime(text, std::string("--") + name));
    (std::string_view(name) == "from" ? q.from_ms : q.to_ms) = ms;
  }
  return q;
}

std::vector<Flag> QueryFlags() {
  return {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
          {"subject", "REF", "only entries about this client pseudonym (subject_ref)"},
          {"actor", "USER", "only entries by this user or on this user's behalf"},
          {"org", "ORG", "only entries that concern this organisation"},
          {"from", "TIME", "only entries at or after this RFC 3339 UTC time"},
          {"to", "TIME", "only entries before this RFC 3339 UTC time"}};
}

// Streams every matching entry to `sink` in pages, then records that the trail was read.
Status ReadTrail(OpenDeployment& d, audit::AuditQuery q, std::string_view event,
                 const std::function<void(const audit::StoredEntry&)>& sink) {
  audit::AuditLog log;
  for (;;) {
    KP_ASSIGN_OR_RETURN(auto page, log.Query(d.db, q));
    for (const auto& e : page)
      sink(e);
    if (page.size() < static_cast<std::size_t>(q.limit))
      break;
    q.after_seq = page.back().entry.seq;
  }
  audit::AuditEntry read;
  read.time_ms = audit::NowMs();
  read.event = std::string(event);
  read.subject_ref = q.subject_ref;
  read.user = "cli";
  read.organisation = q.organisation;
  read.role = "admin";
  read.action = std::string(audit::action::kRead);
  read.object = "audit";
  read.authorisation_basis = "operator";
  read.outcome = std::string(audit::kOutcomeSuccess);
  KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(d.db));
  KP_RETURN_IF_ERROR(log.Append(d.db, std::move(read)));
  return tx.Commit();
}

int RunExport(int argc, char** argv) {
  Flags flags("audit export",
              "Writes the audit trail as NEN 7513 JSON lines (one entry per line, with its\n"
              "chain hash), oldest first, optionally filtered. The export is itself an entry.",
              QueryFlags());
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  auto q = QueryFromFlags(*parsed);
  if (!q)
    return Fail(q.error());
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  Status s =
      ReadTrail(*deployment, *q, audit::event::kAuditExport, [](const audit::StoredEntry& e) {
        std::string line = audit::ToJson(e).dump() + "\n";
        std::fwrite(line.data(), 1, line.size(), stdout);
      });
  if (!s)
    return Fail(s.error());
  return kExitOk;
}

int RunView(int argc, char** argv) {
  std::vector<Flag> f = QueryFlags();
  f.push_back({"lang", "nl|en", "language of the account (default en)"});
  Flags flags("audit view",
              "Prints a readable, chronological account of the matching entries: who\n"
              "(organisation, role, user) did what, when, on what basis, and whether\n"
              "break-glass was used. For \"who opened my file\": --subject REF.",
              f);
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  auto language = audit::ParseLanguage(parsed->Get("lang"));
  if (!language)
    return Fail(InvalidArgument("invalid_language", "must be nl or en", "--lang"));
  auto q = QueryFromFlags(*parsed);
  if (!q)
    return Fail(q.error());
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  Status s = ReadTrail(*deployment, *q, audit::event::kAuditRead, [&](const audit::StoredEntry& e) {
    std::printf("%s\n", audit::RenderLine(e.entry, *language).c_str());
  });
  if (!s)
    return Fail(s.error());
  return kExitOk;
}

// Reads a whole number flag (> 0 unless `zero_ok`); absent: nullopt.
Result<std::optional<std::uint64_t>> Count(const ParsedFlags& p, const std::string& name,
                                           bool zero_ok) {
  if (!p.Has(name))
    return std::optional<std::uint64_t>();
  const std::string text = p.Get(name);
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || (v == 0 && !zero_ok))
    return InvalidArgument("invalid_number", "must be a whole number", "--" + name);
  return std::optional<std::uint64_t>(v);
}

nlohmann::json Hashes(const std::vector<crypto::Digest>& proof) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : proof)
    out.push_back(crypto::Base64Encode(d));
  return out;
}

int RunProve(int argc, char** argv) {
  Flags flags("audit prove",
              "Prints an RFC 6962 proof over the stored trail as JSON (base64 hashes), the\n"
              "same as GET /v1/audit/proof/...: with --seq, that entry's inclusion in the tree\n"
              "of the first --size entries (default: the latest signed head's size); with\n"
              "--first and --second, the consistency of the two trees.",
              {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
               {"seq", "N", "the entry (1-based) to prove included"},
               {"size", "M", "the tree size for --seq"},
               {"first", "M", "the older tree size"},
               {"second", "N", "the newer tree size"}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  auto seq = Count(*parsed, "seq", false);
  auto size = Count(*parsed, "size", false);
  auto first = Count(*parsed, "first", true);
  auto second = Count(*parsed, "second", false);
  for (const auto* r : {&seq, &size, &first, &second}) {
    if (!*r)
      return Fail(r->error());
  }
  const bool inclusion = seq->has_value();
  const bool consistency = first->has_value() || second->has_value();
  if (inclusion == consistency || (consistency && !(first->has_value() && second->has_value())))
    return Fail("give either --seq [--size] or both --first and --second");
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  audit::AuditLog log;
  nlohmann::json out;
  if (inclusion) {
    std::uint64_t tree = 0;
    if (size->has_value()) {
      tree = **size;
    } else {
      auto head = log.LatestSignedHead(deployment->db);
      if (!head)
        return Fail(head.error());
      if (!*head)
        return Fail("no tree head has been signed yet: give --size");
      tree = (*head)->size;
    }
    auto proof = log.InclusionProof(deployment->db, **seq, tree);
    if (!proof)
      return Fail(proof.error());
    auto leaf = log.LeafHashOf(deployment->db, **seq);
    auto root = log.RootAt(deployment->db, tree);
    if (!leaf)
      return Fail(leaf.error());
    if (!root)
      return Fail(root.error());
    out = {{"seq", **seq},
           {"size", tree},
           {"leaf_hash", crypto::Base64Encode(*leaf)},
           {"root", crypto::Base64Encode(*root)},
           {"proof", Hashes(*proof)}};
  } else {
    auto proof = log.ConsistencyProof(deployment->db, **first, **second);
    if (!proof)
      return Fail(proof.error());
    auto first_root = log.RootAt(deployment->db, **first);
    auto second_root = log.RootAt(deployment->db, **second);
    if (!first_root)
      return Fail(first_root.error());
    if (!second_root)
      return Fail(second_root.error());
    out = {{"first", **first},
           {"second", **second},
           {"first_root", crypto::Base64Encode(*first_root)},
           {"second_root", crypto::Base64Encode(*second_root)},
           {"proof", Hashes(*proof)}};
  }
  std::printf("%s\n", out.dump().c_str());
  return kExitOk;
}

}  // namespace

// `audit fork clear`: an operator's decision after investigating a peer's fork (witness_store.h).
int RunForkClear(int argc, char** argv) {
  Flags flags(
      "audit fork clear",
      "Clears a peer's detected fork after investigation: the heads kept so far stay as\n"
      "evidence under PEER#fork-cleared-TIME, the peer's next signed head is trusted\n"
      "anew, and the decision is an audit entry. Works while the gateway runs.",
      {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
       {"peer", "URL", "the peer gateway, as GET /v1/audit/witness names it", Flag::kRequired},
       {"reason", "TEXT", "what the investigation found (no names or content)", Flag::kRequired}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  const std::string peer = parsed->Get("peer");
  const std::string reason = parsed->Get("reason");
  if (Status valid = CheckReasonText(reason, "--reason", /*required=*/true); !valid)
    return Fail(valid.error());
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  store::Database& db = deployment->db;
  const std::int64_t now = audit::NowMs();
  auto cleared = [&]() -> Result<std::string> {
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
    KP_ASSIGN_OR_RETURN(std::string archive, audit::WitnessStore(db).ClearFork(peer, reason, now));
    audit::AuditEntry e;
    e.time_ms = now;
    e.event = std::string(audit::event::kWitness);
    e.user = "ketenpoort-cli";
    e.role = "operator";
    e.action = std::string(audit::action::kUpdate);
    e.object = peer;
    e.outcome = "fork_cleared";
    KP_RETURN_IF_ERROR(audit::AuditLog().Append(db, e));
    KP_RETURN_IF_ERROR(tx.Commit());
    return archive;
  }();
  if (!cleared) {
    std::fprintf(stderr, "ketenpoort: %s\n", cleared.error().ToString().c_str());
    return cleared.error().kind == ErrorKind::kNotFound ? kExitProblem : kExitUsage;
  }
  std::printf("fork of %s cleared; its evidence is kept as %s\n", peer.c_str(), cleared->c_str());
  return kExitOk;
}

int RunAudit(int argc, char** argv) {
  std::string_view sub = argc >= 1 ? std::string_view(argv[0]) : std::string_view();
  if (sub == "verify")
    return RunVerify(argc - 1, argv + 1);
  if (sub == "export")
    return RunExport(argc - 1, argv + 1);
  if (sub == "view")
    return RunView(argc - 1, argv + 1);
  if (sub == "prove")
    return RunProve(argc - 1, argv + 1);
  if (sub == "fork" && argc >= 2 && std::string_view(argv[1]) == "clear")
    return RunForkClear(argc - 2, argv + 2);
  const char* usage =
      "usage: ketenpoort audit verify|export|view|prove|fork clear --config FILE [OPTIONS]\n"
      "  verify  check the hash chain and the signed tree heads (exit 1 naming the first bad "
      "entry)\n"
      "  export  the trail as NEN 7513 JSON lines (--subject, --actor, --org, --from, --to)\n"
      "  view    a readable account, Dutch or English (--lang nl|en), e.g. --subject REF\n"
      "  prove   an RFC 6962 inclusion (--seq N [--size M]) or consistency (--first M\n"
      "          --second N) proof as JSON\n"
      "  fork clear  clear a peer's detected fork after investigation (--peer URL --reason\n"
      "          TEXT); the evidence is kept and the decision audited\n";
  if (sub == "--help" || sub == "-h") {
    std::fputs(usage, stdout);
    return kExitOk;
  }
  return Fail(
      "usage: ketenpoort audit verify|export|view|prove|fork clear --config FILE (see ketenpoort "
      "audit "
      "--help)");
}

}  // namespace ketenpoort::cli
