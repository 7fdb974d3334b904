// `ketenpoort send --config FILE --as ORG --kind KIND --payload FILE [--to ORG,...]
//  [--routing k=v,...] [--legal-basis B] [--subject-ref REF] [--deadline T]
//  [--idempotency-key K]`: signs the payload with the organisation's key, encrypts it for every
// recipient and the sender, and submits it to the gateway (POST /v1/messages).
//
//   $ ketenpoort send --config d/gateway.json --as shop-denhaag --kind signal
//       --routing region=GM0599,age_band=minor --payload signal.json     (one line)
//   recipient comensha
//   recipient meldpunt-rotterdam
//   recipient veilig-thuis-rotterdam
//   m-0f3a...                                  <- always the last line
//
// Without --to the gateway resolves the recipients (POST /v1/routes/resolve); their
// certificates come from GET /v1/directory. Exit 2 for bad arguments, config, token or key;
// exit 1 when the gateway refuses or cannot be reached.
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/kinds/registry.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/client_pseudonym.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/cli/list_args.h"
#include "gateway/cli/org_session.h"
#include "gateway/cli/payload_check.h"
#include "gateway/cli/send_securemail.h"
#include "gateway/client/directory_certificates.h"
#include "gateway/client/sealed_content.h"
#include "gateway/client/submission.h"
#include "gateway/core/legal_basis.h"
#include "gateway/core/pseudonym.h"
#include "gateway/core/routing_rules.h"
#include "gateway/io/file.h"

namespace ketenpoort::cli {

namespace {

using nlohmann::json;

// 1-255 visible ASCII characters: safe as an HTTP header value.
bool IsHeaderToken(const std::string& value) {
  if (value.empty() || value.size() > 255)
    return false;
  for (char c : value) {
    if (c <= ' ' || c > '~')
      return false;
  }
  return true;
}

// A routing validation error, naming the flag instead of the JSON field.
Error AsFlagError(const Error& error) {
  Error e = error;
  const std::string& f = error.field;
  if (f.rfind("routing.", 0) == 0)
    e.field = "--routing " + f.substr(8);
  else if (f.rfind("codelists.", 0) == 0)
    e.field = "--codelists " + f.substr(10);
  else if (f == "subject_ref")
    e.field = "--subject-ref";
  else if (f == "legal_basis")
    e.field = "--legal-basis";
  else
    e.field = "--kind";
  return e;
}

// The kind must be one this build knows (or the generic status kind): a typo is named as such
// rather than reported by the gateway as "no recipients".
Status CheckKnownKind(const KindRegistry& kinds, const std::string& kind) {
  if (kinds.Find(kind) != nullptr || kind == "status")
    return Ok();
  std::string known;
  for (const MessageKind* k : kinds.All())
    known += k->name() + ", ";
  return InvalidArgument("unknown_kind", "unknown kind '" + kind + "' (known: " + known + "status)",
                         "--kind");
}

// What the command line asks for, checked before anything touches the network.
struct SendRequest {
  RoutingInput routing;
  std::vector<std::string> to;  // empty: let the gateway resolve
  std::string subject_ref;
  std::string deadline;
  std::string idempotency_key;
  std::string payload_file;
  CodeListVersions codelists;  // as given; the gateway records the latest for the rest
};

// `subject_ref`: the pseudonym --client derived, else --subject-ref as given.
Result<SendRequest> ReadRequest(const ParsedFlags& f, std::string subject_ref) {
  SendRequest r;
  r.routing.kind = f.Get("kind");
  if (!IsValidMessageKind(r.routing.kind))
    return InvalidArgument("invalid_kind", "not a message kind", "--kind");
  if (f.Has("routing")) {
    KP_ASSIGN_OR_RETURN(r.routing.routing, ParseKeyValueList(f.Get("routing"), "--routing"));
  }
  if (f.Has("legal-basis")) {
    r.routing.legal_basis = ParseLegalBasis(f.Get("legal-basis"));
    if (!r.routing.legal_basis)
      return InvalidArgument("invalid_legal_basis", "not a legal basis", "--legal-basis");
  }
  if (auto valid = ValidateRoutingInput(r.routing); !valid)
    return AsFlagError(valid.error());
  if (f.Has("to")) {
    KP_ASSIGN_OR_RETURN(r.to, ParseOrgList(f.Get("to"), "--to"));
  }
  r.subject_ref = std::move(subject_ref);
  if (!r.subject_ref.empty() && !IsPseudonym(r.subject_ref)) {
    return InvalidArgument("invalid_subject_ref",
                           "must be a pseudonym as `ketenpoort pseudonym` prints it (64 hex "
                           "digits); or give the client number with --client",
                           "--subject-ref");
  }
  r.deadline = f.Get("deadline");
  r.idempotency_key = f.Get("idempotency-key");
  if (f.Has("idempotency-key") && !IsHeaderToken(r.idempotency_key)) {
    return InvalidArgument("invalid_idempotency_key", "use 1-255 visible ASCII characters",
                           "--idempotency-key");
  }
  r.payload_file = f.Get("payload");
  if (f.Has("codelists")) {
    KP_ASSIGN_OR_RETURN(r.codelists, ParseCodeListFlag(f.Get("codelists")));
  }
  // The kind's own header rules (codes of the routing values at the versions asked for, the
  // routing keys and pseudonym it needs), as the gateway will check them.
  const KindRegistry& kinds = kinds::BuiltinKinds();
  KP_RETURN_IF_ERROR(CheckKnownKind(kinds, r.routing.kind));
  if (auto valid = kinds.code_lists().CheckVersions(r.codelists); !valid)
    return AsFlagError(valid.error());
  if (auto valid = kinds.ValidateHeader(r.routing.kind,
                                        KindHeader{.routing = r.routing.routing,
                                                   .subject_ref = r.subject_ref,
                                                   .legal_basis = r.routing.legal_basis},
                                        r.codelists);
      !valid) {
    return AsFlagError(valid.error());
  }
  return r;
}

Result<std::vector<std::string>> ResolveRecipients(const client::ApiClient& client,
                                                   const SendRequest& r) {
  KP_ASSIGN_OR_RETURN(json resolved,
                      client.Post("/v1/routes/resolve", client::ResolveRequestBody(r.routing)));
  KP_ASSIGN_OR_RETURN(std::vector<std::string> out, client::ResolvedRecipients(resolved));
  if (out.empty()) {
    return Refused("no_recipients",
                   "no organisation receives this kind with this routing; give --to or more "
                   "--routing");
  }
  return out;
}

}  // namespace

int RunSend(int argc, char** argv) {
  std::vector<Flag> spec = OrgSessionFlags();
  spec.push_back({"kind", "KIND", "message kind: signal, referral, b8, ...", Flag::kRequired});
  spec.push_back({"payload", "FILE", "the content to send (any bytes)", Flag::kRequired});
  spec.push_back({"to", "ORG,...", "recipients (default: resolved by the gateway from --routing)"});
  spec.push_back({"routing", "K=V,...", "routing facts, e.g. region=GM0599,age_band=minor"});
  spec.push_back({"legal-basis", "B", "consent, legal_obligation, vital_interest or public_task"});
  for (Flag& flag : ClientFlags())
    spec.push_back(std::move(flag));
  spec.push_back({"follows", "ID",
                  "a message of this organisation this one follows up (the same case): a "
                  "re-referral after a decline may go to any organisation of the region"});
  spec.push_back({"follow-reason", "TEXT", "why, with --follows (recorded in the tracking)"});
  spec.push_back({"deadline", "RFC3339", "answer expected by, e.g. 2026-12-01T12:00:00Z"});
  spec.push_back({"idempotency-key", "K", "resubmitting with the same key sends only once"});
  spec.push_back({"codelists", "LIST=V,...",
                  "code-list versions the content uses, e.g. exploitation=1 (default: latest)"});
  for (Flag& flag : SecureMailSendFlags())
    spec.push_back(std::move(flag));
  Flags flags("send",
              "Signs FILE with the organisation's key (CMS SignedData), encrypts it for every\n"
              "recipient and the sender (CMS AuthEnvelopedData, AES-256-GCM) and submits it.\n"
              "A text FILE must be the kind's JSON document (referral, signal, b8: see the\n"
              "README); binary content is sealed as an opaque document.\n"
              "Prints one 'recipient ORG' line per recipient, then the message id as the last\n"
              "line. Exit 0 when accepted, 1 when the gateway refuses or cannot be reached,\n"
              "2 for bad arguments, config, token or key.",
              spec);
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  // A kind for people by e-mail address (securemail): --to takes addresses (send_securemail.h).
  if (const MessageKind* k = kinds::BuiltinKinds().Find(parsed->Get("kind"));
      k != nullptr && k->spec().audience == KindAudience::kEmailAddresses) {
    return RunSendSecureMail(*parsed);
  }
  auto subject_ref = SubjectFromFlags(*parsed);
  if (!subject_ref)
    return Fail(subject_ref.error());
  auto request = ReadRequest(*parsed, std::move(*subject_ref));
  if (!request)
    return Fail(request.error());
  auto payload = io::ReadFile(request->payload_file);
  if (!payload)
    return Fail(payload.error());
  // The kind's schema (adapters/kinds/): checked before anything is sealed or sent.
  if (auto valid = CheckPayload(request->routing.kind, *payload, request->codelists,
                                request->routing.legal_basis.has_value(), request->payload_file);
      !valid) {
    return Fail(valid.error());
  }
  auto session = OrgSession::Open(OrgSessionOptions::FromFlags(*parsed), /*need_key=*/true);
  if (!session)
    return Fail(session.error());
  const OrgSession& s = **session;
  // A kind whose deadline counts from a date in the payload (a b8's reflection_start): the
  // deadline its rule gives, unless --deadline set one.
  if (request->deadline.empty()) {
    auto deadline = DeadlineFromPayload(request->routing.kind, *payload, s.config().kinds);
    if (!deadline)
      return Fail(deadline.error());
    request->deadline = std::move(*deadline);
  }

  std::vector<std::string> recipients = request->to;
  const MessageKind* kind = kinds::BuiltinKinds().Find(request->routing.kind);
  if (recipients.empty() && kind != nullptr && kind->spec().audience == KindAudience::kCaseParty) {
    // A question or answer goes to the other party of the message it follows: its sender.
    if (!parsed->Has("follows")) {
      return Fail(InvalidArgument("missing_option",
                                  "a " + request->routing.kind + " names the message it follows",
                                  "--follows"));
    }
    auto followed = s.client().Get("/v1/messages/" + parsed->Get("follows"));
    if (!followed)
      return FailProblem(followed.error());
    recipients = {followed->value("from", "")};
  }
  if (recipients.empty()) {
    auto resolved = ResolveRecipients(s.client(), *request);
    if (!resolved)
      return FailProblem(resolved.error());
    recipients = std::move(*resolved);
  }
  auto certs = client::FetchDirectoryCertificates(s.client(), recipients);
  if (!certs)
    return FailProblem(certs.error());
  auto envelope = client::SealContent(s.keyring(), s.key_id(), s.certificate(), AsBytes(*payload),
                                      std::move(*certs));
  if (!envelope)
    return FailProblem(envelope.error());

  client::Submission submission{.routing = request->routing,
                                .recipients = recipients,
                                .subject_ref = request->subject_ref,
                                .deadline = request->deadline,
                                .codelists = request->codelists,
                                .envelope = std::move(*envelope)};
  if (parsed->Has("follows")) {
    submission.follows = parsed->Get("follows");
    submission.follow_reason = parsed->Get("follow-reason");
  }
  std::vector<std::string> headers;
  if (!request->idempotency_key.empty())
    headers.push_back("Idempotency-Key: " + request->idempotency_key);

  auto answer = s.client().Post("/v1/messages", client::SubmissionBody(submission), headers);
  if (!answer)
    return FailProblem(answer.error());
  auto accepted = client::AcceptedMessage(*answer);
  if (!accepted)
    return FailProblem(accepted.error());
  for (const std::string& org : accepted->recipients)
    std::printf("recipient %s\n", org.c_str());
  std::printf("%s\n", accepted->id.c_str());
  return kExitOk;
}

}  // namespace ketenpoort::cli
