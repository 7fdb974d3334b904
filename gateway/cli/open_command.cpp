// `ketenpoort open --config FILE --as ORG ID [--out FILE] [--ca-anchors FILE]
// [--save-attachments DIR]`: fetches message ID (GET /v1/messages/ID), decrypts it with the
// organisation's key, verifies the signature and writes the content; with --save-attachments
// also the files of a secure-mail document (attachment_files.h).
//
//   $ ketenpoort open --config d/gateway.json --as comensha m-0f3a... --out signal.json
//   ketenpoort: m-0f3a... from shop-denhaag: signature verified        <- stderr
//
// The signature must chain to the trust anchors AND be made with
// the certificate the directory lists for the message's sender ("from"): content signed by any
// other organisation is refused, even with a valid signature. The trust anchors are, unless
// --ca-anchors names others, those the deployment already trusts: its own CA
// (DIR/certs/ca.cert.pem) and, when it federates, the peers' CAs (federation.trust_anchors), so
// a message from an organisation on a peer gateway opens without further flags. The content goes to
// stdout, or to a NEW file (mode 0600) with --out. Exit 1 when the gateway refuses (unknown, not
// yours, recalled) or the envelope or signature does not check out; exit 2 for bad arguments,
// config, token or key.
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/cli/attachment_files.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/cli/org_session.h"
#include "gateway/cli/payload_check.h"
#include "gateway/client/directory_certificates.h"
#include "gateway/client/sealed_content.h"
#include "gateway/core/organisation.h"
#include "gateway/crypto/encoding.h"
#include "gateway/io/file.h"

namespace ketenpoort::cli {

namespace {

using nlohmann::json;

// Message ids are short and URL-safe ("m-" and hex); refuse anything else before it reaches a
// URL.
bool IsPlausibleMessageId(const std::string& id) {
  if (id.empty() || id.size() > 128)
    return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok)
      return false;
  }
  return true;
}

bool PathExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

int RunOpen(int argc, char** argv) {
  std::vector<Flag> spec = OrgSessionFlags();
  spec.push_back({"out", "FILE", "write the content to this new file (0600) instead of stdout"});
  spec.push_back({"save-attachments", "DIR",
                  "securemail: also write the attachments into this folder (new files, 0600); "
                  "uploaded ones are fetched, decrypted and checked against their signed hash"});
  spec.push_back(
      {"no-validate", "", "write the content even when it does not match its kind's schema"});
  spec.push_back({"ca-anchors", "FILE",
                  "CA certificate(s) a signature must chain to (default DIR/certs/ca.cert.pem "
                  "and, when federating, federation.trust_anchors)"});
  Flags flags("open",
              "Fetches message ID, decrypts it with the organisation's key and checks that it\n"
              "is signed, under the trust anchors, by the directory certificate of its sender.\n"
              "Writes the content to stdout or --out. Exit 1 when the gateway refuses or the\n"
              "envelope or signature does not check out, 2 for bad arguments, config, token or\n"
              "key.",
              spec, "ID");
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  if (parsed->positional().size() != 1)
    return Fail("usage: ketenpoort open --config FILE --as ORG ID (exactly one message id)");
  const std::string id = parsed->positional().front();
  if (!IsPlausibleMessageId(id))
    return Fail(InvalidArgument("invalid_message_id", "not a message id", "ID"));
  const std::string out = parsed->Get("out");
  if (parsed->Has("out") && (out.empty() || PathExists(out)))
    return Fail(InvalidArgument("file_exists", "refusing to overwrite an existing file", out));

  auto session = OrgSession::Open(OrgSessionOptions::FromFlags(*parsed), /*need_key=*/true);
  if (!session)
    return Fail(session.error());
  const OrgSession& s = **session;
  std::vector<std::string> anchor_files = {s.DefaultCaFile()};
  const config::FederationConfig& federation = s.config().federation;
  if (parsed->Has("ca-anchors"))
    anchor_files = {parsed->Get("ca-anchors")};
  else if (federation.enabled && !federation.trust_anchors.empty())
    anchor_files.push_back(federation.trust_anchors);
  std::vector<crypto::Certificate> anchors;
  for (const std::string& file : anchor_files) {
    auto loaded = crypto::LoadPemChainFile(file);
    if (!loaded)
      return Fail(loaded.error());
    anchors.insert(anchors.end(), loaded->begin(), loaded->end());
  }

  auto message = s.client().Get("/v1/messages/" + client::PercentEncode(id));
  if (!message)
    return FailProblem(message.error());
  const std::string from = message->value("from", "");
  if (!IsValidOrgId(from))
    return FailProblem(Internal("invalid_response", "the message has no valid sender"));
  auto sender = client::FetchDirectoryCertificates(s.client(), {from});
  if (!sender)
    return FailProblem(sender.error());
  auto content = client::OpenContent(s.keyring(), s.key_id(), s.certificate(), *message, anchors,
                                     sender->front());
  if (!content)
    return FailProblem(content.error());
  if (!parsed->Has("no-validate")) {
    // The kind's schema at the code-list versions the message recorded.
    CodeListVersions versions;
    if (auto c = message->find("codelists"); c != message->end()) {
      if (auto v = CodeListVersionsFromJson(*c))
        versions = std::move(*v);
    }
    const std::string kind = message->value("kind", "");
    const bool has_basis = !message->value("legal_basis", "").empty();
    if (auto valid = CheckPayload(kind, AsString(*content), versions, has_basis, id); !valid)
      return FailProblem(valid.error());
  }

  if (parsed->Has("out")) {
    auto written = io::WriteNewFile(out, AsString(*content), 0600);
    if (!written)
      return FailProblem(written.error());
  } else if (std::fwrite(content->data(), 1, content->size(), stdout) != content->size() ||
             std::fflush(stdout) != 0) {
    return FailProblem(Internal("write_failed", "cannot write the content to stdout"));
  }
  std::fprintf(stderr, "ketenpoort: %s from %s: signature verified\n", id.c_str(), from.c_str());
  if (parsed->Has("save-attachments")) {
    auto saved = SaveAttachments(s, id, *content, parsed->Get("save-attachments"));
    if (!saved)
      return FailProblem(saved.error());
    for (const std::string& path : *saved)
      std::fprintf(stderr, "ketenpoort: saved %s\n", path.c_str());
  }
  return kExitOk;
}

}  // namespace ketenpoort::cli
