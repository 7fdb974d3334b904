// The pages that write a new message: /compose (which kinds this person may send) and
// /compose/{kind} (the form generated from the kind's payload schema and code lists).
//
// Stage: /compose is a placeholder; the forms are being built.
#pragma once

#include <memory>

#include "gateway/api/router.h"
#include "gateway/workspace/staff_page.h"

namespace ketenpoort::workspace {

void RegisterComposePages(api::Router& router, std::shared_ptr<const StaffPages> pages);

}  // namespace ketenpoort::workspace
