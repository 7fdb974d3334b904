#include "gateway/core/organisation.h"

#include <algorithm>
#include <array>
#include <utility>

namespace ketenpoort {

namespace {
constexpr std::array<std::pair<OrgKind, std::string_view>, 11> kNames{{
    {OrgKind::kCareCoordination, "care_coordination"},
    {OrgKind::kYouth, "youth"},
    {OrgKind::kCare, "care"},
    {OrgKind::kShelter, "shelter"},
    {OrgKind::kReportPoint, "report_point"},
    {OrgKind::kNationalRegistration, "national_registration"},
    {OrgKind::kPolice, "police"},
    {OrgKind::kImmigration, "immigration"},
    {OrgKind::kChildProtection, "child_protection"},
    {OrgKind::kMunicipality, "municipality"},
    {OrgKind::kPortal, "portal"},
}};

constexpr std::array<OrgKind, 11> kAll = [] {
  std::array<OrgKind, 11> all{};
  for (std::size_t i = 0; i < kNames.size(); ++i)
    all[i] = kNames[i].first;
  return all;
}();

bool IsLower(char c) {
  return c >= 'a' && c <= 'z';
}
bool IsUpper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
}  // namespace

std::optional<OrgKind> ParseOrgKind(std::string_view name) {
  for (const auto& [kind, n] : kNames) {
    if (n == name)
      return kind;
  }
  return std::nullopt;
}

std::string_view OrgKindName(OrgKind kind) {
  for (const auto& [k, n] : kNames) {
    if (k == kind)
      return n;
  }
  return "unknown";
}

std::span<const OrgKind> AllOrgKinds() {
  return kAll;
}

bool Organisation::Accepts(std::string_view message_kind) const {
  return std::find(accepts.begin(), accepts.end(), message_kind) != accepts.end();
}

bool IsValidOrgId(std::string_view id) {
  if (id.empty() || id.size() > 64)
    return false;
  if (!IsLower(id[0]) && !IsDigit(id[0]))
    return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return IsLower(c) || IsDigit(c) || c == '-'; });
}

bool IsValidRegion(std::string_view region) {
  if (region == "NL")
    return true;
  if (region.size() < 4 || region.size() > 6)
    return false;
  if (!IsUpper(region[0]) || !IsUpper(region[1]))
    return false;
  return std::all_of(region.begin() + 2, region.end(), IsDigit);
}

bool IsValidMessageKind(std::string_view kind) {
  if (kind.empty() || kind.size() > 32 || !IsLower(kind[0]))
    return false;
  return std::all_of(kind.begin(), kind.end(),
                     [](char c) { return IsLower(c) || IsDigit(c) || c == '_'; });
}

}  // namespace ketenpoort
