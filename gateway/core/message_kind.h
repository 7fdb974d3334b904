// A message kind (docs/DESIGN.md, message kinds): the clear-text header it needs, the schema of its
// encrypted payload, its lifecycle with who may set each state, and how long its payload is
// kept. Each kind is one folder under adapters/kinds/ that builds a MessageKind from a KindSpec;
// the registry (kind_registry.h) holds them. Pure data and checks: no I/O.
//
//   // (compiled in examples_test.cpp)
//   const MessageKind& referral = *kinds.Find("referral");   // KindRegistry
//   KindHeader h{.routing = {{"region", "GM0518"}, {"age_band", "adult"}}};
//   referral.ValidateHeader(h, lists, versions)     // 400 missing_header_field, "routing.urgency"
//   referral.spec().retention_days                  // 730
//
// Header contract (ValidateHeader), in this order:
//   a routing key in `required_routing` absent      -> 400 missing_header_field ("routing.KEY")
//   a routing value not in its `enum_routing` list  -> 400 invalid_routing_value ("routing.KEY")
//   a routing value of a code-listed key (age_band, gender, exploitation) not in its list at
//     the recorded version                          -> 400 invalid_code ("routing.KEY")
//   no subject_ref while `requires_subject_ref`     -> 400 missing_header_field ("subject_ref")
//   no legal basis while `requires_legal_basis`     -> 422 legal_basis_required ("legal_basis")
// Thread-safe once built (immutable).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/code_lists.h"
#include "gateway/core/deadline_rules.h"
#include "gateway/core/error.h"
#include "gateway/core/legal_basis.h"
#include "gateway/core/lifecycle.h"
#include "gateway/core/payload_schema.h"

namespace ketenpoort {

// The clear-text facts of one submission that a kind checks.
struct KindHeader {
  std::map<std::string, std::string> routing{};
  std::string subject_ref{};
  std::optional<LegalBasis> legal_basis{};
  std::optional<std::int64_t> deadline_ms{};
};

// Routing keys whose values are codes of the code list of the same name.
std::vector<std::string_view> CodeListedRoutingKeys();  // age_band, gender, exploitation

// Who a kind's messages go to.
enum class KindAudience {
  // Organisations of the directory, reached through the routing rules; they fetch their
  // messages and decrypt them with their own keys.
  kOrganisations,
  // People outside the directory, by e-mail address: the gateway's secure-mail service seals
  // the message for its portal and mails each person a link (gateway/securemail/).
  kEmailAddresses,
  // The other party of one message of a case: a question a recipient asks the sender, or the
  // sender's answer to it. Never routed; the message names the one it follows ("follows") and
  // goes to that message's other party, and its arrival moves the asker's delivery of the case
  // message (KindSpec::conversation).
  kCaseParty,
};

// What a message of a kCaseParty kind is in the conversation about a case message, and the
// state it moves the asker's delivery of that message to.
struct ConversationTurn {
  enum class Role {
    kQuestion,  // from a recipient of the case message to its sender; follows the case message
    kAnswer,    // from the case message's sender to the asker; follows the question
  };
  Role role = Role::kQuestion;
  std::string sets_state{};  // "needs_info" for a question, "received" for an answer
};

struct KindSpec {
  std::string name{};
  std::string summary{};  // one line, for help texts
  std::vector<std::string> required_routing{};
  std::map<std::string, std::vector<std::string>> enum_routing{};  // key -> allowed values
  bool requires_subject_ref = false;
  bool requires_legal_basis = false;
  // The schema of the decrypted payload, which senders and recipients check (the gateway
  // cannot read it). Absent: the payload has a format of its own that the kind's service
  // checks (secure mail's signed document, gateway/securemail/securemail_document.h).
  std::optional<PayloadSchema> payload{};
  // Payload fields (identifying data) that may only be sent with a recorded legal basis.
  std::vector<std::string> payload_fields_needing_legal_basis{};
  Lifecycle lifecycle = GenericLifecycle();
  int retention_days = 365;  // the payload is purged this long after submission
  // Who the kind's messages are for (see KindAudience).
  KindAudience audience = KindAudience::kOrganisations;
  // The kind's deadlines and reminders, with its settings under `kinds.NAME` in gateway.json
  // (core/deadline_rules.h); empty for kinds without deadlines.
  DeadlineRule deadline{};
  // States that count as an answer from a recipient, for the deadline rule (an urgent referral
  // answered in time; a B8 reflection period answered).
  std::vector<std::string> answer_states{};
  // States that are an outcome for reports (accepted, declined, granted, ...).
  std::vector<std::string> outcome_states{};
  // The kinds of organisation that may start a message of this kind (a b8: the police, which
  // is then always a party); empty: any organisation in the directory.
  std::vector<OrgKind> sender_kinds{};
  // A date field of the payload that the case's deadline counts from (a b8's
  // "reflection_start"). The gateway cannot read the payload, so the sender's side reads it
  // before sealing and sends the deadline the rule gives for it (ConfiguredDeadline::
  // DeadlineFrom) in the header; without one, the gateway counts from the submission.
  std::string deadline_start_field{};
  // A kind of audience kCaseParty: its place in the conversation.
  std::optional<ConversationTurn> conversation{};
};

class MessageKind {
 public:
  explicit MessageKind(KindSpec spec) : spec_(std::move(spec)) {}

  const std::string& name() const { return spec_.name; }
  const KindSpec& spec() const { return spec_; }
  const Lifecycle& lifecycle() const { return spec_.lifecycle; }

  Status ValidateHeader(const KindHeader& header, const CodeLists& lists,
                        const CodeListVersions& versions) const;
  // Ok when an organisation of kind `sender` may start a message of this kind; else 403
  // sender_not_permitted naming the kinds that may.
  Status CheckSender(OrgKind sender) const;
  // The schema (payload_schema.h; Ok for a kind without one), then: a field of
  // payload_fields_needing_legal_basis present without a legal basis -> 422 legal_basis_required
  // naming the field.
  Status ValidatePayload(const nlohmann::json& payload, const CodeLists& lists,
                         const CodeListVersions& versions, bool has_legal_basis) const;

 private:
  KindSpec spec_;
};

}  // namespace ketenpoort
