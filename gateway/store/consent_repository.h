// Withdrawn consents (docs/DESIGN.md, data minimisation and consent): an organisation records
// that its client (a pseudonym) no longer consents to hand-offs to one recipient organisation,
// or to any. Later messages of that organisation about that client that rest on consent are
// refused (messages/message_service.h).
//
//   // (compiled in examples_test.cpp)
//   ConsentRepository consents(db);
//   KP_RETURN_IF_ERROR(consents.Withdraw({.org = "shop-denhaag", .subject_ref = ref,
//                                         .recipient_org = "politie-avim-haaglanden",
//                                         .reason = "client withdrew by phone", .time_ms = now,
//                                         .actor = "shop-denhaag/j.devries"}));
//   consents.FirstWithdrawn("shop-denhaag", ref, {"comensha", "politie-avim-haaglanden"})
//   // -> "politie-avim-haaglanden"; "" when none of them is withdrawn
//
// A withdrawal is final for that organisation, client and recipient: renewed consent is not
// modelled yet, and until it is the organisation can send only on another basis the law gives.
// `recipient_org` "" withdraws consent for every recipient.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/store/database.h"

namespace ketenpoort::store {

struct ConsentWithdrawal {
  std::string org{};            // the organisation whose client it is
  std::string subject_ref{};    // the client's pseudonym at that organisation
  std::string recipient_org{};  // "" for every recipient
  std::string reason{};
  std::int64_t time_ms = 0;
  std::string actor{};  // "ORG" or "ORG/USER"
};

class ConsentRepository {
 public:
  explicit ConsentRepository(Database& db) : db_(db) {}

  Status Withdraw(const ConsentWithdrawal& w);
  // The first of `recipients` (in their order) for which `org` withdrew `subject_ref`'s
  // consent, or the first when it withdrew it for every recipient; "" when none.
  Result<std::string> FirstWithdrawn(std::string_view org, std::string_view subject_ref,
                                     const std::vector<std::string>& recipients);

 private:
  Database& db_;
};

}  // namespace ketenpoort::store
