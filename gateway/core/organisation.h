// An organisation in the directory: who it is, what kind of work it does, where, which message
// kinds it accepts, the certificate payloads are encrypted to, and which gateway serves it.
//
//   // (compiled in examples_test.cpp)
//   Organisation shop{.id = "shop-denhaag", .name = "SHOP Den Haag",
//                     .kind = OrgKind::kCareCoordination, .regions = {"GM0518"},
//                     .accepts = {"referral", "signal", "b8", "status"}};
//   ParseOrgKind("national_registration")   // OrgKind::kNationalRegistration
//   OrgKindName(OrgKind::kChildProtection)  // "child_protection"
//   IsValidOrgId("politie-avim-haaglanden") // true; "Politie AVIM" is not
//
// Ids are stable (tests, tokens, routing rules and audit entries name them): 1-64 characters of
// lower-case letters, digits and '-', starting with a letter or digit. A region is a CBS area
// code ("GM0518" = municipality of The Hague) or "NL" for a national organisation. The
// directory file format and its validation are in directory.h.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ketenpoort {

// The kinds of the demo table in docs/API.md; docs/DESIGN.md (who uses it) says what each does.
enum class OrgKind {
  kCareCoordination,      // "care_coordination": zorgcoördinator mensenhandel
  kYouth,                 // "youth": youth team
  kCare,                  // "care": care partner
  kShelter,               // "shelter"
  kReportPoint,           // "report_point": meldpunt
  kNationalRegistration,  // "national_registration": CoMensha
  kPolice,                // "police"
  kImmigration,           // "immigration": IND
  kChildProtection,       // "child_protection": Veilig Thuis
  kMunicipality,          // "municipality": anonymised counts only, never case data
  kPortal,                // "portal": this gateway's secure-mail portal
};

std::optional<OrgKind> ParseOrgKind(std::string_view name);
std::string_view OrgKindName(OrgKind kind);
std::span<const OrgKind> AllOrgKinds();  // in declaration order

// Every member has an initialiser, so designated initialisers may leave any out (-Wextra).
struct Organisation {
  std::string id{};
  std::string name{};  // public name of the organisation, for people
  OrgKind kind = OrgKind::kCare;
  std::vector<std::string> regions{};  // CBS codes or "NL"; empty for the portal
  std::vector<std::string> accepts{};  // message kinds it may receive: "referral", "signal", ...
  std::string certificate_pem{};       // may be empty in a template, before `ketenpoort init`
  std::string gateway_url{};    // empty: served by this gateway; else the peer gateway's base URL
  std::string contact_email{};  // functional mailbox of the organisation; may be empty

  bool Accepts(std::string_view message_kind) const;

  bool operator==(const Organisation&) const = default;
};

bool IsValidOrgId(std::string_view id);
// "NL", or two upper-case letters and 2-4 digits (CBS: GM0518, PV28, GG3406).
bool IsValidRegion(std::string_view region);
// A message kind name as used in `accepts` and routing: 1-32 of [a-z0-9_], starting a-z.
bool IsValidMessageKind(std::string_view kind);

}  // namespace ketenpoort
