// `ketenpoort inbox --config FILE --as ORG [--after CURSOR] [--limit N] [--json]`: lists the
// messages the gateway holds for the organisation (GET /v1/inbox).
//
//   $ ketenpoort inbox --config d/gateway.json --as comensha
//   m-0f3a... signal shop-denhaag delivered 2026-11-23T10:00:00.000Z
//   ketenpoort: next cursor 17 (pass as --after to list only newer messages)   <- stderr
//
// One line per message on stdout: id, kind, from, state ("recalled" when recalled), created,
// separated by single spaces. The next cursor goes to stderr so stdout stays one line per
// message. --json prints the gateway's JSON answer as it is (it holds "next" too).
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/cli/org_session.h"
#include "gateway/client/api_client.h"

namespace ketenpoort::cli {

namespace {

using nlohmann::json;

constexpr int kMaxLimit = 500;

std::string Text(const json& header, const char* key) {
  auto it = header.find(key);
  if (it == header.end() || it->is_null())
    return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

int RunInbox(int argc, char** argv) {
  std::vector<Flag> spec = OrgSessionFlags();
  spec.push_back({"after", "CURSOR", "list only messages after this cursor (from a former run)"});
  spec.push_back({"limit", "N", "at most N messages, 1-500 (default: the gateway's, 100)"});
  spec.push_back({"json", "", "print the gateway's JSON answer instead of lines"});
  Flags flags("inbox",
              "Lists the messages for the organisation: one line per message with id, kind,\n"
              "sender, state and creation time. The cursor for the next page is printed on\n"
              "stderr as 'next cursor C'; pass it as --after. Exit 1 when the gateway refuses\n"
              "or cannot be reached, 2 for bad arguments, config or token.",
              spec);
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  std::vector<client::QueryParam> query;
  if (parsed->Has("after")) {
    if (parsed->Get("after").empty())
      return Fail(InvalidArgument("invalid_cursor", "the cursor is empty", "--after"));
    query.emplace_back("after", parsed->Get("after"));
  }
  if (parsed->Has("limit")) {
    const std::string text = parsed->Get("limit");
    int limit = 0;
    bool digits = !text.empty() && text.size() <= 3 &&
                  text.find_first_not_of("0123456789") == std::string::npos;
    if (digits)
      limit = std::stoi(text);
    if (limit < 1 || limit > kMaxLimit)
      return Fail(InvalidArgument("invalid_limit", "must be a number from 1 to 500", "--limit"));
    query.emplace_back("limit", std::to_string(limit));
  }
  auto session = OrgSession::Open(OrgSessionOptions::FromFlags(*parsed), /*need_key=*/false);
  if (!session)
    return Fail(session.error());

  auto inbox = (*session)->client().Get("/v1/inbox", query);
  if (!inbox)
    return FailProblem(inbox.error());
  if (parsed->Has("json")) {
    std::printf("%s\n", inbox->dump().c_str());
    return kExitOk;
  }
  auto messages = inbox->find("messages");
  if (messages == inbox->end() || !messages->is_array())
    return FailProblem(Internal("invalid_response", "the inbox answer has no message list"));
  for (const json& m : *messages) {
    if (!m.is_object())
      continue;
    auto recalled = m.find("recalled");
    bool is_recalled = recalled != m.end() && recalled->is_boolean() && recalled->get<bool>();
    std::string state = is_recalled ? "recalled" : Text(m, "state");
    std::printf("%s %s %s %s %s\n", Text(m, "id").c_str(), Text(m, "kind").c_str(),
                Text(m, "from").c_str(), state.c_str(), Text(m, "created").c_str());
  }
  std::fprintf(stderr, "ketenpoort: next cursor %s (pass as --after to list only newer messages)\n",
               Text(*inbox, "next").c_str());
  return kExitOk;
}

}  // namespace ketenpoort::cli
