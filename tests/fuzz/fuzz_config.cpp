// Fuzzes the readers of a deployment's files: gateway.json (config::ParseGatewayConfig),
// workspace.json (workspace::ParseWorkspaceConfig), directory.json (Directory::Parse),
// routes.json (RoutingRules::Parse against the demo directory), a code-list document
// (CodeLists::FromDocuments) and an address or block of metrics.allow_from
// (AddressRange::Parse, then Contains). An administrator writes them,
// not an attacker, but a typo must give an error naming the field, never a crash. When a file
// loads, resolving a message against it must not crash either.
//
// Input: the file's text, given to every reader. Corpus: tests/fuzz/corpus/config/.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "gateway/config/gateway_config.h"
#include "gateway/core/address_range.h"
#include "gateway/core/code_lists.h"
#include "gateway/core/directory.h"
#include "gateway/core/json_fields.h"
#include "gateway/core/routing_rules.h"
#include "gateway/io/file.h"
#include "gateway/workspace/workspace_config.h"

namespace {

const ketenpoort::Directory& DemoDirectory() {
  static const auto* directory = [] {
    auto text = ketenpoort::io::ReadFile(KP_SOURCE_DIR "/config/demo/organisations.json");
    if (!text)
      __builtin_trap();
    auto parsed = ketenpoort::Directory::Parse(*text);
    if (!parsed)
      __builtin_trap();
    return new ketenpoort::Directory(std::move(*parsed));
  }();
  return *directory;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto config = ketenpoort::config::ParseGatewayConfig("/etc/ketenpoort/gateway.json", text)) {
    for (const ketenpoort::AddressRange& range : config->metrics.allow_from) {
      (void)range.Contains("10.1.2.3");
      (void)range.Contains("::ffff:10.1.2.3");
      (void)range.Contains("fd00::1");
    }
  }
  // The text as one entry of metrics.allow_from, and as the address of a connection.
  if (auto range = ketenpoort::AddressRange::Parse(text)) {
    if (!range->Contains(text.substr(0, text.find('/'))))
      __builtin_trap();  // a block contains its own (host-bit-free) base address
  }
  if (auto loopback = ketenpoort::AddressRange::Parse("127.0.0.0/8"))
    (void)loopback->Contains(text);
  (void)ketenpoort::workspace::ParseWorkspaceConfig("/etc/ketenpoort/workspace.json", text);

  if (auto directory = ketenpoort::Directory::Parse(text)) {
    for (const auto& org : directory->all())
      (void)directory->Find(org.id);
    // The file format round-trips (directory.h): what loaded once loads again from ToJson.
    if (!ketenpoort::Directory::FromJson(directory->ToJson()))
      __builtin_trap();
  }

  if (auto rules = ketenpoort::RoutingRules::Parse(text, DemoDirectory())) {
    ketenpoort::RoutingInput input;
    input.kind = "signal";
    input.routing = {{"region", "GM0599"}, {"age_band", "minor"}};
    (void)rules->Resolve(input);
  }

  if (auto doc = ketenpoort::ParseJsonText(text, "invalid_codelist")) {
    if (auto lists = ketenpoort::CodeLists::FromDocuments({*doc}))
      (void)lists->LatestVersions();
  }
  return 0;
}
