#include "gateway/cli/payload_check.h"

#include <charconv>

#include "adapters/kinds/payload_deadline.h"
#include "adapters/kinds/registry.h"
#include "gateway/cli/list_args.h"
#include "gateway/core/json_fields.h"

namespace ketenpoort::cli {

bool IsTextPayload(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == 0)
      return false;
    int more = 0;
    if (c < 0x80)
      more = 0;
    else if ((c & 0xE0) == 0xC0 && c >= 0xC2)
      more = 1;
    else if ((c & 0xF0) == 0xE0)
      more = 2;
    else if ((c & 0xF8) == 0xF0 && c <= 0xF4)
      more = 3;
    else
      return false;
    if (more > 0 && i + static_cast<std::size_t>(more) >= bytes.size())
      return false;
    for (int k = 1; k <= more; ++k) {
      if ((static_cast<unsigned char>(bytes[i + k]) & 0xC0) != 0x80)
        return false;
    }
    i += more + 1;
  }
  return true;
}

Status CheckPayload(std::string_view kind, std::string_view content,
                    const CodeListVersions& versions, bool has_legal_basis,
                    const std::string& where) {
  const KindRegistry& kinds = kinds::BuiltinKinds();
  const MessageKind* k = kinds.Find(kind);
  if (k == nullptr || !k->spec().payload || !IsTextPayload(content))
    return Ok();
  auto checked = [&]() -> Status {
    KP_RETURN_IF_ERROR(kinds.code_lists().CheckVersions(versions));
    KP_ASSIGN_OR_RETURN(nlohmann::json doc, ParseJsonText(content, "invalid_payload"));
    return k->ValidatePayload(doc, kinds.code_lists(), kinds.code_lists().Resolve(versions),
                              has_legal_basis);
  }();
  if (checked)
    return Ok();
  Error e = std::move(checked).error();
  e.field = e.field.empty() ? where : where + ": " + e.field;
  return e;
}

Result<std::string> DeadlineFromPayload(
    std::string_view kind, std::string_view content,
    const std::map<std::string, nlohmann::json, std::less<>>& kind_settings) {
  if (!IsTextPayload(content))
    return std::string();
  return kinds::PayloadDeadline(
      kind, nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false), kind_settings);
}

Result<CodeListVersions> ParseCodeListFlag(std::string_view text) {
  KP_ASSIGN_OR_RETURN(auto pairs, ParseKeyValueList(text, "--codelists"));
  CodeListVersions out;
  for (const auto& [name, value] : pairs) {
    int v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size() || v < 1)
      return InvalidArgument("invalid_codelist_version", "must be LIST=VERSION", "--codelists");
    out[name] = v;
  }
  return out;
}

}  // namespace ketenpoort::cli
