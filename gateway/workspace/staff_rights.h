// What a member of staff may do in the message pages, by their roles (staff_account.h): the
// workspace decides this per person, since the gateway sees one token per organisation.
//
//   coordinator, caseworker   read the organisation's messages and act on them
//   auditor                   read the messages and the audit trail; never act
//   admin                     manages accounts; reads no messages (client data is not theirs)
//
// A person with several roles may do what any of them allows.
#pragma once

#include "gateway/workspace/staff_page.h"

namespace ketenpoort::workspace {

bool MayRead(const StaffContext& staff);
bool MayAct(const StaffContext& staff);
bool MayAudit(const StaffContext& staff);

}  // namespace ketenpoort::workspace
