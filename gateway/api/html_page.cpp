#include "gateway/api/html_page.h"

#include <utility>

namespace ketenpoort::api {

Lang ParseLang(std::string_view explicit_lang, std::string_view accept_language) {
  if (explicit_lang == "en")
    return Lang::kEn;
  if (explicit_lang == "nl")
    return Lang::kNl;
  auto nl = accept_language.find("nl");
  auto en = accept_language.find("en");
  if (en != std::string_view::npos && (nl == std::string_view::npos || en < nl))
    return Lang::kEn;
  return Lang::kNl;
}

std::string_view LangCode(Lang lang) {
  return lang == Lang::kEn ? "en" : "nl";
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void SetPageHeaders(Response& response, std::string_view content_security_policy, bool framable) {
  response.headers.emplace_back("Content-Security-Policy", std::string(content_security_policy));
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("X-Frame-Options", framable ? "SAMEORIGIN" : "DENY");
}

Response HtmlPage(int status, std::string html, std::string_view content_security_policy) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(html);
  SetPageHeaders(r, content_security_policy);
  return r;
}

Response SeeOther(const std::string& location, std::string_view content_security_policy) {
  Response r;
  r.status = 303;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Location", location);
  SetPageHeaders(r, content_security_policy);
  return r;
}

std::string_view TextIn(const PageTexts& texts, Lang lang, std::string_view key) {
  auto it = texts.find(key);
  if (it == texts.end())
    return key;  // a bug shows, never crashes
  return lang == Lang::kEn ? it->second.second : it->second.first;
}

std::string PageLayout(Lang lang, const PageHead& head, std::string_view title,
                       std::string_view body_html, std::string_view self_path) {
  const std::string other(LangCode(lang == Lang::kEn ? Lang::kNl : Lang::kEn));
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"" + std::string(LangCode(lang)) + "\"><head>";
  out += "<meta charset=\"utf-8\">";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += "<meta name=\"referrer\" content=\"no-referrer\">";
  out += "<title>" + HtmlEscape(title) + " · " + HtmlEscape(head.brand) + "</title>";
  if (!head.icon.empty())
    out += "<link rel=\"icon\" href=\"" + HtmlEscape(head.icon) + "\" type=\"image/svg+xml\">";
  if (!head.stylesheet.empty())
    out += "<link rel=\"stylesheet\" href=\"" + HtmlEscape(head.stylesheet) + "\">";
  if (!head.script.empty())
    out += "<script src=\"" + HtmlEscape(head.script) + "\" defer></script>";
  out += "</head><body><header><strong>" + HtmlEscape(head.brand) + "</strong>";
  out += "<a id=\"lang-switch\" href=\"" + HtmlEscape(self_path) + "?lang=" + other +
         "\" hreflang=\"" + other + "\" lang=\"" + other + "\">" + HtmlEscape(head.other_lang) +
         "</a></header><main id=\"main\">";
  out += "<h1>" + HtmlEscape(title) + "</h1>";
  out += body_html;
  out += "</main></body></html>\n";
  return out;
}

std::string SessionCookie(std::string_view name, std::string_view value, std::string_view path) {
  return std::string(name) + "=" + std::string(value) + "; Path=" + std::string(path) +
         "; HttpOnly; Secure; SameSite=Strict";
}

std::string ExpiredCookie(std::string_view name, std::string_view path) {
  return std::string(name) + "=; Path=" + std::string(path) +
         "; Max-Age=0; HttpOnly; Secure; SameSite=Strict";
}

}  // namespace ketenpoort::api
