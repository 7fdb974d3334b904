// libcurl handles owned by RAII, the process-wide curl_global_init, and the TLS 1.2 cipher
// policy every outbound connection uses (the same suites the server offers: ECDHE with AES-GCM
// or ChaCha20-Poly1305). Shared by the peer, SMTP and SMS clients and the CLI's API client.
//
//   // (compiled in examples_test.cpp)
//   KP_RETURN_IF_ERROR(CurlGlobalInit());            // once per process; safe to call often
//   CurlEasy curl(curl_easy_init());
//   CurlSlist headers(curl_slist_append(nullptr, "Accept: application/json"));
#pragma once

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "gateway/core/error.h"

namespace ketenpoort::transports {

struct CurlEasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlStringDeleter {
  void operator()(char* s) const { curl_free(s); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";

// curl_global_init once per process; its result is remembered for every later call.
inline CURLcode CurlGlobalInit() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

}  // namespace ketenpoort::transports
