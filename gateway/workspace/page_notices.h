// What a page says after an action or a refusal: a notice key (a Text key of
// workspace_pages.cpp), carried in ?notice=KEY on the 303 back to the page, and the gateway's
// refusals turned into one of them, so staff read a sentence and never a code.
//
//   // (compiled in examples_test.cpp)
//   NoticeFor(Conflict("invalid_transition", "..."))    // "error_transition"
//   NoticeFor(Unavailable("gateway_unreachable", "..."))  // "gateway_unavailable"
//   IsKnownNotice("status_saved")                       // true: may be shown
//   NoticeHtml(Lang::kNl, "status_saved")               // <div id="status" aria-live=...>...
//
// Contract: NoticeFor maps every error to a key IsKnownNotice accepts; a ?notice= value that is
// not known is not shown (a link cannot make a page say something of its choosing). NoticeHtml
// always renders the live region (id "status", aria-live), with the notice inside it as
// #notice[data-notice=KEY][role=alert] (class "ok" for a success, "error" else) when given.
#pragma once

#include <string>
#include <string_view>

#include "gateway/api/html_page.h"
#include "gateway/core/error.h"

namespace ketenpoort::workspace {

std::string_view NoticeFor(const Error& error);
bool IsKnownNotice(std::string_view key);
bool IsSuccessNotice(std::string_view key);
std::string NoticeHtml(api::Lang lang, std::string_view key);

}  // namespace ketenpoort::workspace
