#include "gateway/core/kind_registry.h"

namespace ketenpoort {

void KindRegistry::Add(const MessageKind& kind) {
  kinds_[kind.name()] = &kind;
}

const MessageKind* KindRegistry::Find(std::string_view name) const {
  auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : it->second;
}

std::vector<const MessageKind*> KindRegistry::All() const {
  std::vector<const MessageKind*> out;
  for (const auto& [name, kind] : kinds_)
    out.push_back(kind);
  return out;
}

const Lifecycle& KindRegistry::LifecycleFor(std::string_view kind) const {
  const MessageKind* k = Find(kind);
  return k == nullptr ? GenericLifecycle() : k->lifecycle();
}

Status KindRegistry::CheckTransition(std::string_view kind, std::string_view from,
                                     std::string_view to) const {
  const Lifecycle& lc = LifecycleFor(kind);
  if (!lc.IsKnown(to)) {
    bool known_elsewhere = GenericLifecycle().IsKnown(to);
    for (const auto& [name, k] : kinds_)
      known_elsewhere = known_elsewhere || k->lifecycle().IsKnown(to);
    if (known_elsewhere) {
      return Conflict("invalid_transition",
                      "a " + std::string(kind) + " cannot be '" + std::string(to) + "'");
    }
  }
  return lc.Check(from, to);
}

Status KindRegistry::ValidateHeader(std::string_view kind, const KindHeader& header,
                                    const CodeListVersions& versions) const {
  KP_RETURN_IF_ERROR(lists_.CheckVersions(versions));
  const CodeListVersions resolved = lists_.Resolve(versions);
  if (const MessageKind* k = Find(kind))
    return k->ValidateHeader(header, lists_, resolved);
  for (std::string_view key : CodeListedRoutingKeys()) {
    auto it = header.routing.find(std::string(key));
    if (it == header.routing.end() || !lists_.Has(key))
      continue;
    KP_RETURN_IF_ERROR(lists_.CheckCode(key, resolved, it->second, "routing." + std::string(key)));
  }
  return Ok();
}

}  // namespace ketenpoort

namespace ketenpoort {

Result<KindDeadlines> KindRegistry::ConfigureDeadlines(
    const std::map<std::string, nlohmann::json, std::less<>>& settings) const {
  for (const auto& [name, value] : settings) {
    const MessageKind* k = Find(name);
    if (k == nullptr) {
      std::string known;
      for (const auto& [n, kind] : kinds_)
        known += (known.empty() ? "" : ", ") + n;
      return InvalidArgument("invalid_config", "no such message kind (known: " + known + ")",
                             "kinds." + name);
    }
    if (!k->spec().deadline && !(value.is_object() && value.empty()))
      return InvalidArgument("invalid_config", "this kind has no settings", "kinds." + name);
  }
  KindDeadlines out;
  const nlohmann::json none = nlohmann::json::object();
  for (const auto& [name, kind] : kinds_) {
    if (!kind->spec().deadline)
      continue;
    auto given = settings.find(name);
    const nlohmann::json& value = given == settings.end() ? none : given->second;
    KP_ASSIGN_OR_RETURN(auto rule, kind->spec().deadline.configure(
                                       JsonFields(value, "kinds." + name, "invalid_config")));
    out.emplace(name, std::move(rule));
  }
  return out;
}

}  // namespace ketenpoort
