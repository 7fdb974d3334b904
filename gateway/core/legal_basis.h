// The legal basis recorded with every hand-off (docs/DESIGN.md, data minimisation and consent): the
// GDPR article 6 ground on which case data goes to a recipient. Routing policies can require one
// for a recipient kind (police), and the audit trail records it with each message.
//
//   // (compiled in examples_test.cpp)
//   ParseLegalBasis("vital_interest")          // LegalBasis::kVitalInterest
//   ParseLegalBasis("consent ")                // std::nullopt: names are exact
//   LegalBasisName(LegalBasis::kPublicTask)    // "public_task"
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace ketenpoort {

enum class LegalBasis { kConsent, kLegalObligation, kVitalInterest, kPublicTask };

std::optional<LegalBasis> ParseLegalBasis(std::string_view name);
std::string_view LegalBasisName(LegalBasis basis);

// Every legal basis, in declaration order (for help texts and exhaustive tests).
std::span<const LegalBasis> AllLegalBases();

}  // namespace ketenpoort
