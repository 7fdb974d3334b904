// The message kinds a gateway knows, and the code lists they use. The adapters build one
// (adapters/kinds/registry.h: BuiltinKinds()); the server, the CLI and the reports ask it.
// Kinds it does not know (status) use the generic lifecycle and no payload schema, and their
// header is checked against the code lists only.
//
//   // (compiled in examples_test.cpp)
//   KindRegistry kinds(std::move(code_lists));
//   kinds.Add(ReferralKind());                       // a MessageKind that outlives the registry
//   kinds.Find("referral")->spec().retention_days    // 730
//   kinds.CheckTransition("signal", "closed", "accepted")   // 409 invalid_transition
//   kinds.CheckTransition("signal", "closed", "shredded")   // 400 unknown_state
//   auto rules = kinds.ConfigureDeadlines({{"referral", {{"urgent_answer_ms", 3600000}}}});
//   rules->at("referral")->DueNotices(facts, now)   // the referral's rule with those settings
//
// Immutable after the Adds; safe to share between threads from then on.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/code_lists.h"
#include "gateway/core/deadline_rules.h"
#include "gateway/core/error.h"
#include "gateway/core/lifecycle.h"
#include "gateway/core/message_kind.h"

namespace ketenpoort {

// The deadline rules of a registry's kinds, configured: kind name -> rule. Kinds without a
// deadline rule are absent.
using KindDeadlines = std::map<std::string, std::shared_ptr<const ConfiguredDeadline>, std::less<>>;

class KindRegistry {
 public:
  KindRegistry() = default;
  explicit KindRegistry(CodeLists lists) : lists_(std::move(lists)) {}

  // Registers `kind` (not owned). A second kind of the same name replaces the first.
  void Add(const MessageKind& kind);

  const MessageKind* Find(std::string_view name) const;
  std::vector<const MessageKind*> All() const;
  const CodeLists& code_lists() const { return lists_; }

  // The kind's machine; the generic one for kinds without their own.
  const Lifecycle& LifecycleFor(std::string_view kind) const;

  // Like Lifecycle::Check, except that a state some kind knows but this kind does not is a
  // 409 invalid_transition ("a signal cannot be 'accepted'"); only a state no lifecycle knows
  // is a 400 unknown_state.
  Status CheckTransition(std::string_view kind, std::string_view from, std::string_view to) const;

  // The kind's header rules (message_kind.h) with `versions` resolved against the code
  // lists; an unregistered kind has its code-listed routing values checked only.
  Status ValidateHeader(std::string_view kind, const KindHeader& header,
                        const CodeListVersions& versions) const;

  // Configures every kind's deadline rule with its settings: `settings` maps a kind's name to
  // gateway.json's `kinds.NAME` object (absent: the rule's defaults). Errors are
  // InvalidArgument "invalid_config" naming the key ("kinds.b8.reflection_months"); settings
  // for a kind this registry does not know, or for a kind without settings, are errors too.
  Result<KindDeadlines> ConfigureDeadlines(
      const std::map<std::string, nlohmann::json, std::less<>>& settings) const;

 private:
  CodeLists lists_;
  std::map<std::string, const MessageKind*, std::less<>> kinds_;
};

}  // namespace ketenpoort
