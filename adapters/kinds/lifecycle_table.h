// Test helper for the kinds' table-driven lifecycle tests: checks a lifecycle against a table
// of the transitions it must allow, and that every other pair of its states is refused.
//
//   // (compiled in examples_test.cpp)
//   ExpectExactly(ReferralKind().lifecycle(), {{"received", {"accepted", "declined"}}, ...});
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "gateway/core/lifecycle.h"

namespace ketenpoort::kinds::test {

using Table = std::map<std::string, std::set<std::string>>;

inline void ExpectExactly(const Lifecycle& lc, const Table& allowed) {
  std::set<std::string> states;
  for (const auto& [from, tos] : allowed) {
    states.insert(from);
    states.insert(tos.begin(), tos.end());
  }
  EXPECT_EQ(std::set<std::string>(lc.states().begin(), lc.states().end()), states);
  int checked = 0;
  for (const std::string& from : states) {
    for (const std::string& to : states) {
      auto it = allowed.find(from);
      const bool expect = it != allowed.end() && it->second.contains(to);
      Status s = lc.Check(from, to);
      EXPECT_EQ(s.ok(), expect) << from << " -> " << to;
      if (!s.ok()) {
        EXPECT_EQ(s.error().code, "invalid_transition") << from << " -> " << to;
        EXPECT_EQ(s.error().kind, ErrorKind::kConflict);  // 409 (api/http_status.h)
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(states.size() * states.size()));
}

struct SetterRow {
  std::string state;
  OrgKind org_kind;
  bool is_sender;
  bool is_recipient;
  bool allowed;
};

inline void ExpectSetters(const Lifecycle& lc, const std::vector<SetterRow>& rows) {
  for (const SetterRow& r : rows) {
    Status s = lc.CheckSetter(r.state, r.org_kind, r.is_sender, r.is_recipient);
    EXPECT_EQ(s.ok(), r.allowed) << r.state << " by " << OrgKindName(r.org_kind)
                                 << (r.is_sender ? " (sender)" : "")
                                 << (r.is_recipient ? " (recipient)" : "");
    if (!s.ok()) {
      EXPECT_EQ(s.error().code, "state_not_permitted");
      EXPECT_EQ(s.error().kind, ErrorKind::kPermissionDenied);  // 403 (api/http_status.h)
    }
  }
}

}  // namespace ketenpoort::kinds::test
