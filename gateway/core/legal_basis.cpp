#include "gateway/core/legal_basis.h"

#include <array>
#include <utility>

namespace ketenpoort {

namespace {
constexpr std::array<std::pair<LegalBasis, std::string_view>, 4> kNames{{
    {LegalBasis::kConsent, "consent"},
    {LegalBasis::kLegalObligation, "legal_obligation"},
    {LegalBasis::kVitalInterest, "vital_interest"},
    {LegalBasis::kPublicTask, "public_task"},
}};
constexpr std::array<LegalBasis, 4> kAll{LegalBasis::kConsent, LegalBasis::kLegalObligation,
                                         LegalBasis::kVitalInterest, LegalBasis::kPublicTask};
}  // namespace

std::optional<LegalBasis> ParseLegalBasis(std::string_view name) {
  for (const auto& [basis, n] : kNames) {
    if (n == name)
      return basis;
  }
  return std::nullopt;
}

std::string_view LegalBasisName(LegalBasis basis) {
  for (const auto& [b, n] : kNames) {
    if (b == basis)
      return n;
  }
  return "unknown";
}

std::span<const LegalBasis> AllLegalBases() {
  return kAll;
}

}  // namespace ketenpoort
