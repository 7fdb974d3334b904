// `ketenpoort consent withdraw --config FILE --as ORG --client NUMBER [--recipient ORG]
// --reason TEXT`: records at the gateway that the organisation's client withdrew consent for
// hand-offs to one recipient organisation, or to every one (POST /v1/consents/withdraw). Later
// messages of the organisation about that client that rest on consent are refused; the
// withdrawal is in the audit trail.
#include <cstdio>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gateway/cli/cli_common.h"
#include "gateway/cli/client_pseudonym.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/cli/org_session.h"
#include "gateway/core/reason_text.h"

namespace ketenpoort::cli {

int RunConsent(int argc, char** argv) {
  constexpr const char* kUsage =
      "usage: ketenpoort consent withdraw --config FILE --as ORG --client NUMBER "
      "[--recipient ORG] --reason TEXT\n";
  const std::string_view sub = argc >= 1 ? std::string_view(argv[0]) : std::string_view();
  if (sub == "--help" || sub == "-h") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (sub != "withdraw") {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::vector<Flag> spec = OrgSessionFlags();
  for (Flag& flag : ClientFlags())
    spec.push_back(std::move(flag));
  spec.push_back({"recipient", "ORG", "the organisation the consent was for (default: every one)"});
  spec.push_back({"reason", "TEXT", "how and when the client withdrew it", Flag::kRequired});
  Flags flags("consent withdraw",
              "Records that the client withdrew consent for hand-offs to --recipient (or to\n"
              "every organisation). From then on the gateway refuses this organisation's\n"
              "messages about the client that rest on consent (422 consent_withdrawn).\n"
              "Exit 1 when the gateway refuses or cannot be reached, 2 for bad arguments.",
              spec);
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc - 1, argv + 1, exit_code);
  if (!parsed)
    return exit_code;
  auto subject = SubjectFromFlags(*parsed);
  if (!subject)
    return Fail(subject.error());
  if (subject->empty())
    return Fail(InvalidArgument("invalid_option", "give --client or --subject-ref", "--client"));
  if (Status reason = CheckReasonText(parsed->Get("reason"), "--reason", /*required=*/true);
      !reason)
    return Fail(reason.error());
  auto session = OrgSession::Open(OrgSessionOptions::FromFlags(*parsed), /*need_key=*/false);
  if (!session)
    return Fail(session.error());
  nlohmann::json body = {{"subject_ref", *subject}, {"reason", parsed->Get("reason")}};
  if (parsed->Has("recipient"))
    body["recipient"] = parsed->Get("recipient");
  auto answer = (*session)->client().Post("/v1/consents/withdraw", body);
  if (!answer)
    return FailProblem(answer.error());
  const std::string recipient = answer->value("recipient", nlohmann::json()).is_string()
                                    ? answer->at("recipient").get<std::string>()
                                    : std::string("every recipient");
  std::printf("consent withdrawn for %s at %s\n", recipient.c_str(),
              answer->value("time", "").c_str());
  return kExitOk;
}

}  // namespace ketenpoort::cli
