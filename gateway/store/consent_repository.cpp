#include "gateway/store/consent_repository.h"

#include <algorithm>

namespace ketenpoort::store {

Status ConsentRepository::Withdraw(const ConsentWithdrawal& w) {
  KP_ASSIGN_OR_RETURN(
      Statement s, db_.Prepare("INSERT INTO consent_withdrawals(org, subject_ref, "
                               "recipient_org, reason, time_ms, actor) VALUES (?, ?, ?, ?, ?, ?)"));
  s.Bind(1, w.org)
      .Bind(2, w.subject_ref)
      .Bind(3, w.recipient_org)
      .Bind(4, w.reason)
      .Bind(5, w.time_ms)
      .Bind(6, w.actor);
  KP_RETURN_IF_ERROR(s.Step());
  return Ok();
}

Result<std::string> ConsentRepository::FirstWithdrawn(std::string_view org,
                                                      std::string_view subject_ref,
                                                      const std::vector<std::string>& recipients) {
  KP_ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT recipient_org FROM consent_withdrawals "
                                               "WHERE org = ? AND subject_ref = ?"));
  s.Bind(1, org).Bind(2, subject_ref);
  std::vector<std::string> withdrawn;
  for (;;) {
    KP_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row)
      break;
    withdrawn.push_back(s.ColumnText(0));
  }
  for (const std::string& r : recipients) {
    for (const std::string& w : withdrawn) {
      if (w.empty() || w == r)
        return r;
    }
  }
  return std::string();
}

}  // namespace ketenpoort::store
