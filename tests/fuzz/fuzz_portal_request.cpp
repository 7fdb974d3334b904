// Fuzzes what the secure-mail portal reads from a browser: the session cookie
// (api::CookieValue), a posted form (api::FormFields, which decodes as api::ParseQuery) and the
// page language from ?lang= and Accept-Language (portal::ParseLang).
//
// Input: Cookie, Content-Type and Accept-Language as length-prefixed strings
// (FuzzedDataProvider), the rest is the form body. Corpus: tests/fuzz/corpus/portal_request/.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "gateway/api/cookies_and_forms.h"
#include "gateway/securemail/portal/portal_pages.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  ketenpoort::api::Request req;
  std::string cookie = in.ConsumeRandomLengthString(200);
  std::string content_type = in.ConsumeRandomLengthString(80);
  std::string accept_language = in.ConsumeRandomLengthString(80);
  req.body = in.ConsumeRemainingBytesAsString();
  if (!cookie.empty())
    req.headers["Cookie"] = cookie;
  if (!content_type.empty())
    req.headers["Content-Type"] = content_type;

  std::string session = ketenpoort::api::CookieValue(req, "kp_portal");
  if (session.size() > cookie.size())
    __builtin_trap();
  if (auto form = ketenpoort::api::FormFields(req)) {
    auto lang = form->find("lang");
    (void)ketenpoort::portal::ParseLang(lang == form->end() ? "" : lang->second, accept_language);
  }
  (void)ketenpoort::portal::ParseLang("", accept_language);
  return 0;
}
