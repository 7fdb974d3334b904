// Fuzzes the readers of JSON that arrives from outside: a message header as POST /v1/messages
// and a peer gateway's delivery read it (JsonFields, RoutingInputFromJson, ReadCommonHeader,
// CodeListVersionsFromJson, KindRegistry::ValidateHeader, FederationMessageFromJson), and a
// payload as `ketenpoort send` checks it before sealing and `ketenpoort open` after decrypting
// (cli::CheckPayload: the kinds' payload schemas). A sender controls all of it; none of it may
// throw or crash. Also what a peer gateway answers: a delivery receipt with its chain
// (ReceiptAnswerFromJson, SignedReceiptFromJson) and a signed audit tree head
// (audit::TreeHeadFromJson).
//
// Input: the JSON text itself. Corpus: tests/fuzz/corpus/json_fields/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/kinds/registry.h"
#include "gateway/audit/tree_head.h"
#include "gateway/cli/payload_check.h"
#include "gateway/core/code_lists.h"
#include "gateway/core/json_fields.h"
#include "gateway/core/routing_rules.h"
#include "gateway/federation/receipt.h"
#include "gateway/messages/federation_message.h"
#include "gateway/messages/message_fields.h"

namespace {

using ketenpoort::JsonFields;
using nlohmann::json;

constexpr std::int64_t kNow = 1790000000000;  // 2026-09-21, a fixed clock

void ReadHeader(const json& body) {
  const ketenpoort::KindRegistry& kinds = ketenpoort::kinds::BuiltinKinds();
  JsonFields f(body, "", "unknown_field");
  (void)f.IsObject();
  (void)f.OnlyKeys({"kind", "recipients", "routing", "subject_ref", "legal_basis", "deadline",
                    "expires", "codelists", "payload"});
  auto routing = ketenpoort::RoutingInputFromJson(body);
  JsonFields typed(body, "", "invalid_request");
  (void)typed.StringArray("recipients", /*required=*/false);
  (void)typed.StringOrArray("recipients");
  (void)typed.OptionalBool("urgent", false);
  (void)typed.OptionalString("kind");
  (void)typed.RequiredArray("recipients");
  auto header = ketenpoort::server::ReadCommonHeader(typed, kNow);
  ketenpoort::CodeListVersions requested;
  if (const json* c = f.Find("codelists")) {
    auto versions = ketenpoort::CodeListVersionsFromJson(*c);
    if (versions)
      requested = *versions;
  }
  if (routing && header) {
    (void)kinds.ValidateHeader(routing->kind,
                               ketenpoort::KindHeader{.routing = routing->routing,
                                                      .subject_ref = header->subject_ref,
                                                      .legal_basis = routing->legal_basis,
                                                      .deadline_ms = header->deadline_ms},
                               requested);
  }
  (void)kinds.code_lists().Resolve(requested);
  if (auto payload = typed.RequiredString("payload"))
    (void)ketenpoort::server::DecodeSealedPayload(*payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = ketenpoort::ParseJsonText(text, "invalid_request");
  if (doc) {
    ReadHeader(*doc);
    if (auto message = ketenpoort::delivery::FederationMessageFromJson(*doc))
      (void)ketenpoort::delivery::ToJson(*message);
    else
      (void)ketenpoort::delivery::MessageIdOf(*doc);
    if (auto receipt = ketenpoort::delivery::SignedReceiptFromJson(*doc))
      (void)ketenpoort::delivery::Validate(receipt->receipt);
    (void)ketenpoort::delivery::ReceiptAnswerFromJson(*doc);
    (void)ketenpoort::audit::TreeHeadFromJson(*doc);
  }

  const auto latest = ketenpoort::kinds::BuiltinKinds().code_lists().LatestVersions();
  for (const char* kind : {"referral", "signal", "b8"}) {
    (void)ketenpoort::cli::CheckPayload(kind, text, latest, /*has_legal_basis=*/false,
                                        "payload.json");
  }
  return 0;
}
