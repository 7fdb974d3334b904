// What the secure-mail integration tests read from the mails the loopback SMTP server caught:
// the n-th mail to an address (waiting for it), the portal link in a notification, the code in
// a code mail.
//
//   json mail = MailTo(smtp, "a@example.org", 1);     // waits up to 15 s; a test failure if not
//   std::string link = LinkIn(mail);                   // "https://127.0.0.1:PORT/m/TOKEN"
//   std::string code = CodeIn(MailTo(smtp, "a@example.org", 2)["text"]);
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/servers/test_servers.h"

namespace ketenpoort::testing {

inline nlohmann::json MailTo(SmtpSink& smtp, const std::string& to, std::size_t count) {
  for (int i = 0; i < 300; ++i) {
    std::vector<nlohmann::json> mine;
    for (const nlohmann::json& m : smtp.Received()) {
      if (m["rcpt_to"][0] == to)
        mine.push_back(m);
    }
    if (mine.size() >= count)
      return mine[count - 1];
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "no mail number " << count << " to " << to;
  return nlohmann::json::object();
}

inline std::string LinkIn(const nlohmann::json& mail) {
  std::smatch m;
  const std::string text = mail.value("text", "");
  if (std::regex_search(text, m, std::regex("(https://[^\\s]+/m/[A-Za-z0-9_-]{40,})")))
    return m[1];
  return "";
}

inline std::string CodeIn(const std::string& text) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex("([0-9]{6})")))
    return m[1];
  return "";
}

}  // namespace ketenpoort::testing
