// The pages of received and sent messages: the inbox with the notices on top (/inbox), one
// message (/messages/{id}) and the actions its lifecycle allows.
//
// Stage: /inbox is a placeholder that says who is logged in (StaffLayout); the received
// messages, the message page and its actions are being built.
#pragma once

#include <memory>

#include "gateway/api/router.h"
#include "gateway/workspace/staff_page.h"

namespace ketenpoort::workspace {

void RegisterMessagePages(api::Router& router, std::shared_ptr<const StaffPages> pages);

}  // namespace ketenpoort::workspace
