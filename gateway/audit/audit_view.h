// A readable, chronological account of audit entries for a person: the answer to "who opened
// my file", in Dutch or English. One line per entry (shown folded here):
//
//   // (compiled in examples_test.cpp)
//   RenderView(entries, Language::kEnglish)
//   2026-11-23 10:00:01 UTC  comensha (recipient, user a.de-vries) opened message m-5f0c...
//       on the basis of vital interest: done
//   RenderView(entries, Language::kDutch)
//   2026-11-23 10:00:01 UTC  comensha (ontvanger, gebruiker a.de-vries) heeft bericht geopend:
//       m-5f0c... op grond van vitaal belang: gelukt
//
// Break-glass access is marked on its line ("BREAK-GLASS" / "NOODTOEGANG"); a failed action
// names its error code. Unknown events and codes are shown as they are, never dropped. Pure:
// no I/O; entries are shown in the order given.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/audit/audit_entry.h"

namespace ketenpoort::audit {

enum class Language { kEnglish, kDutch };

// "en" / "nl" (also "" -> English); nullopt for anything else.
std::optional<Language> ParseLanguage(std::string_view code);

std::string RenderLine(const AuditEntry& entry, Language language);
std::string RenderView(const std::vector<AuditEntry>& entries, Language language);

}  // namespace ketenpoort::audit
