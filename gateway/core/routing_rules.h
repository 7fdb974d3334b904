// Routing rules: which organisations a message goes to, decided from its clear-text header
// (docs/DESIGN.md, routing), read from `routes.json`. A rule matches on the message kind, the
// routing values, and whether (or which) legal basis was recorded; every matching rule adds its
// recipients (fan-out). Policies then hold back recipients of a kind that needs a legal basis
// when none was given, or that may never receive case data.
//
//   // (compiled in examples_test.cpp)
//   auto rules = RoutingRules::Parse(text, directory);   // `to` ids must be in the directory
//   RoutingInput in{.kind = "signal", .routing = {{"region", "GM0518"}, {"age_band", "adult"}}};
//   rules->Resolve(in).recipients      // {"comensha"}: no legal basis, so never the police
//   in.legal_basis = LegalBasis::kConsent;
//   rules->Resolve(in).recipients      // {"comensha", "politie-avim-haaglanden"}
//   rules->Resolve(in).rules           // {"signal-to-comensha", "signal-adult-police-haaglanden"}
//   rules->CheckRecipients(in, {"ind"}, directory)   // 422 kind_not_accepted
//
// The file (config/demo/routes.json is the demo):
//
//   {
//     "version": 1,
//     "rules": [
//       {"id": "signal-to-comensha",                 // required, unique, like an org id
//        "description": "Every trafficking signal goes to CoMensha.",   // optional
//        "match": {"kind": "signal"},                // required object; {} matches everything
//        "to": ["comensha"]},                        // required, non-empty, directory ids
//       {"id": "signal-adult-police-haaglanden",
//        "match": {"kind": "signal", "region": "GM0518", "age_band": "adult",
//                  "legal_basis": "present"},
//        "to": ["politie-avim-haaglanden"]},
//       {"id": "referral-exploitation-coordinator-denhaag",
//        "match": {"kind": "referral", "region": "GM0518",
//                  "exploitation": ["sexual", "labour", "criminal", "other"]},   // any of
//        "to": ["shop-denhaag"]}
//     ],
//     "policies": [                                   // optional
//       {"id": "police-needs-legal-basis", "recipient_kind": "police",
//        "requires_legal_basis": true},
//       {"id": "municipality-no-case-data", "recipient_kind": ["municipality"], "deny": true}
//     ]
//   }
//
// Match keys: "kind" and the routing keys (RoutingKeys(): region, age_band, gender,
// exploitation, topic, urgency), each a string or a non-empty array of strings (any of); and
// "legal_basis": "present", "absent", a basis ("consent", "legal_obligation",
// "vital_interest", "public_task") or an array of bases. A missing match key matches anything;
// a present one requires the message to carry that routing value. Values are exact: a region
// is a CBS code or "NL", other values are lower-case codes ([a-z0-9_-]).
//
// Contract:
// - Loading is all or nothing. Errors are InvalidArgument with code "invalid_routes" and
//   `field` the path of the offending value ("rules[2].match.gender"); a `to` that is not in
//   the directory, that a "deny" policy forbids, or that does not accept a kind the rule
//   matches on, is an error naming the rule.
// - Resolve never yields a recipient that a policy holds back, even when a rule names it
//   (defence in depth), nor one whose organisation does not accept the message kind.
//   `recipients` are sorted and unique; `rules` are the ids of the matching rules in file
//   order (a rule whose recipients were all held back is still listed).
// - The rules keep what they need of the directory they were loaded with (each recipient's
//   kind and accepted kinds): load the rules again when the directory changes.
// - Resolve does not validate its input; call ValidateRoutingInput first on anything from
//   outside (CheckRecipients does so itself).
// - A loaded RoutingRules is immutable and safe to share between threads.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/directory.h"
#include "gateway/core/error.h"
#include "gateway/core/legal_basis.h"
#include "gateway/core/organisation.h"

namespace ketenpoort {

// The keys a message's "routing" object may hold, which rules can match on:
// region, age_band, gender, exploitation, topic, urgency.
std::span<const std::string_view> RoutingKeys();

// The clear-text header facts routing decides on. Designated initialisers may leave out any
// member.
struct RoutingInput {
  std::string kind{};                            // "signal", "referral", "b8", ...
  std::map<std::string, std::string> routing{};  // {"region": "GM0599", "age_band": "minor"}
  std::optional<LegalBasis> legal_basis{};       // nullopt: none recorded
};

// 400 errors for input from outside: empty or malformed kind (field "kind"); a key not in
// RoutingKeys() -> "unknown_routing_key" (field "routing.KEY"); an empty or malformed value
// -> "invalid_routing_value" (field "routing.KEY").
Status ValidateRoutingInput(const RoutingInput& input);

// Reads the routing part of a request body (POST /v1/routes/resolve, POST /v1/messages):
//
//   {"kind": "signal", "routing": {"region": "GM0599", "age_band": "minor"},
//    "legal_basis": "vital_interest"}
//
// Keys other than kind, routing and legal_basis are left for the caller to check. Errors are
// 400: a missing or non-string kind (field "kind"), routing not an object of strings (field
// "routing" or "routing.KEY"), an unknown legal basis (`invalid_legal_basis`, field
// "legal_basis"), then everything ValidateRoutingInput checks.
Result<RoutingInput> RoutingInputFromJson(const nlohmann::json& body);

struct Resolution {
  std::vector<std::string> recipients{};  // organisation ids, sorted, unique
  std::vector<std::string> rules{};       // ids of the matching rules, in file order

  bool operator==(const Resolution&) const = default;
};

struct LegalBasisMatch {
  enum class Mode { kAny, kPresent, kAbsent, kOneOf };
  Mode mode = Mode::kAny;
  std::vector<LegalBasis> bases;  // kOneOf only

  bool Matches(const std::optional<LegalBasis>& basis) const;
};

struct RoutingRule {
  std::string id;
  std::string description;
  std::vector<std::string> kinds;                           // any of; empty: any kind
  std::map<std::string, std::vector<std::string>> routing;  // key -> any of; absent key: any
  LegalBasisMatch legal_basis;
  std::vector<std::string> to;  // organisation ids, in file order

  bool Matches(const RoutingInput& input) const;
};

struct RoutingPolicy {
  std::string id;
  std::string description;
  std::vector<OrgKind> recipient_kinds;
  bool requires_legal_basis = false;  // no legal basis recorded: these kinds receive nothing
  bool deny = false;                  // these kinds never receive case data

  bool Covers(OrgKind kind) const;
};

class RoutingRules {
 public:
  static constexpr int kVersion = 1;

  RoutingRules() = default;  // no rules: resolves to nobody

  static Result<RoutingRules> FromJson(const nlohmann::json& doc, const Directory& directory);
  static Result<RoutingRules> Parse(std::string_view text, const Directory& directory);

  Resolution Resolve(const RoutingInput& input) const;

  // Which organisations a sender may name (CheckRecipients).
  enum class RecipientScope {
    kRouted,    // those the rules resolve for the message (a new message)
    kInRegion,  // any that accepts the kind and serves the routing region or all of "NL" (a
                // follow-up of a case, such as a re-referral after a decline: the rules named
                // the first choice, the sender now chooses another)
  };

  // Checks recipients a sender named explicitly, in this order:
  //   input invalid                                  -> 400 as ValidateRoutingInput
  //   empty list / an id twice                       -> 422 no_recipients / 400 duplicate_recipient
  //   an id not in `directory`                       -> 404 unknown_organisation
  //   an organisation not accepting input.kind       -> 422 kind_not_accepted
  //   a kind a "deny" policy covers                  -> 422 recipient_denied (names the policy)
  //   a kind needing a legal basis, none given       -> 422 legal_basis_required (names the
  //                                                       policy; field "legal_basis")
  //   kRouted: not in Resolve(input).recipients      -> 422 recipient_not_routed
  //   kInRegion: no routing region                   -> 422 region_required (before the list)
  //   kInRegion: the region not among its regions    -> 422 recipient_outside_region
  // From the list on, errors name the organisation and have field "recipients", except
  // legal_basis_required (field "legal_basis"). Explicit recipients may be any subset of the
  // resolved set (docs/API.md: "the resolved set or part of it").
  Status CheckRecipients(const RoutingInput& input, const std::vector<std::string>& requested,
                         const Directory& directory,
                         RecipientScope scope = RecipientScope::kRouted) const;

  const std::vector<RoutingRule>& rules() const { return rules_; }
  const std::vector<RoutingPolicy>& policies() const { return policies_; }

  // The first policy that holds `kind` back without a legal basis / forbids it; or nullptr.
  const RoutingPolicy* LegalBasisPolicyFor(OrgKind kind) const;
  const RoutingPolicy* DenyPolicyFor(OrgKind kind) const;

 private:
  struct Recipient {
    OrgKind kind = OrgKind::kCare;
    std::vector<std::string> accepts;
  };

  bool HeldBack(const Recipient& recipient, const RoutingInput& input) const;

  std::vector<RoutingRule> rules_;
  std::vector<RoutingPolicy> policies_;
  std::map<std::string, Recipient, std::less<>> recipients_;  // every `to` id
};

}  // namespace ketenpoort
