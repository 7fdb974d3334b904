// What every server-rendered browser page of Ketenpoort shares (the secure-mail portal under
// /m/, the workspace): the page language (Dutch first, English beside it), HTML escaping, and
// the headers and cookies that keep a page to itself.
//
//   // (compiled in examples_test.cpp)
//   Lang lang = ParseLang(QueryValue(req, "lang"), req.Header("Accept-Language").value_or(""));
//   Response page = HtmlPage(200, "<p>" + HtmlEscape(name) + "</p>", kCsp);  // text/html + CSP
//   Response moved = SeeOther("/inbox", kCsp);                               // 303, Location
//   moved.headers.emplace_back("Set-Cookie", SessionCookie("kp_ws", token, "/"));
//   std::string html = PageLayout(lang, {.brand = "Ketenpoort", .stylesheet = "/assets/a.css",
//                                        .other_lang = "English"}, "Log in", body, "/login");
//   TextIn(kTexts, lang, "title")    // kTexts: key -> {Dutch, English}; unknown: the key
//
// Contract:
// - ParseLang: "en" -> kEn, "nl" -> kNl; otherwise whichever of nl and en comes first in an
//   Accept-Language value; otherwise kNl.
// - HtmlEscape writes &, <, >, " and ' as entities; every value that comes from a person goes
//   through it, in text and in attribute values alike.
// - HtmlPage and SeeOther set the security headers of SetPageHeaders: the given
//   Content-Security-Policy, Referrer-Policy: no-referrer, and X-Frame-Options DENY (or
//   SAMEORIGIN for a `framable` response, e.g. a preview shown in a frame of our own page).
//   The server adds Cache-Control: no-store, nosniff and HSTS to every response
//   (https_server.h).
// - SessionCookie is the Set-Cookie value "NAME=VALUE; Path=PATH; HttpOnly; Secure;
//   SameSite=Strict"; ExpiredCookie the same with Max-Age=0 and an empty value, which makes the
//   browser forget it. Values are sent as given: use URL- and cookie-safe values (base64url).
// - PageLayout is a whole HTML document in `lang`: viewport for phones, no referrer, the title
//   "TITLE · BRAND", the head's icon, stylesheet and (deferred) script when given, a header
//   with the brand and the language switch (id "lang-switch", to SELF?lang=OTHER), and
//   <main id="main"> with <h1>TITLE</h1> and `body_html` (trusted markup, not escaped). No
//   inline script or style.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "gateway/api/http_types.h"

namespace ketenpoort::api {

enum class Lang { kNl, kEn };

Lang ParseLang(std::string_view explicit_lang, std::string_view accept_language = {});
std::string_view LangCode(Lang lang);

std::string HtmlEscape(std::string_view text);

void SetPageHeaders(Response& response, std::string_view content_security_policy,
                    bool framable = false);

// A text/html; charset=utf-8 response with the page headers.
Response HtmlPage(int status, std::string html, std::string_view content_security_policy);

// 303 See Other to `location` (a path of ours), with the page headers.
Response SeeOther(const std::string& location, std::string_view content_security_policy);

// A page's texts: key -> {Dutch, English}.
using PageTexts = std::map<std::string_view, std::pair<std::string_view, std::string_view>>;
std::string_view TextIn(const PageTexts& texts, Lang lang, std::string_view key);

// What sets one kind of page apart in PageLayout; empty paths are left out.
struct PageHead {
  std::string_view brand{};
  std::string_view stylesheet{};
  std::string_view script{};
  std::string_view icon{};        // an SVG
  std::string_view other_lang{};  // the switch's label, in the other language ("English")
};
std::string PageLayout(Lang lang, const PageHead& head, std::string_view title,
                       std::string_view body_html, std::string_view self_path);

std::string SessionCookie(std::string_view name, std::string_view value, std::string_view path);
std::string ExpiredCookie(std::string_view name, std::string_view path);

}  // namespace ketenpoort::api
