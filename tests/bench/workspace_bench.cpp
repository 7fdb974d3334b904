// The workspace's two pages that staff wait on most, timed from a browser's side of the wire:
// the inbox of an organisation with many received messages (GET /inbox) and one message
// (GET /messages/{id}: fetched from the gateway, decrypted, verified and rendered). It measures
// and prints; it never passes or fails on time.
//
//   kp_workspace_bench [--messages N] [--samples S]
//
// What it does, on loopback, with real parts:
//   1. `ketenpoort init --demo` in a temporary folder and `ketenpoort serve` of it;
//   2. N signals from shop-denhaag to comensha (default 10,000), each a valid signal document
//      signed and sealed for comensha and the sender, submitted over HTTPS by 8 clients;
//   3. the demo workspace (workspace.json of the deployment) started in this process, and a
//      log-in as comensha's demo caseworker with password and TOTP code, as a browser does;
//   4. S requests (default 200) of /inbox, and S of /messages/{id} over S different messages,
//      one at a time on one kept-alive connection, after 5 of each to warm up.
// It prints p50, p95, p99 and the maximum of each, with the load average beside them.
#include <curl/curl.h>
#include <liboath/oath.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/workspace/workspace_config.h"
#include "gateway/workspace/workspace_server.h"
#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  int messages = 10000;
  int samples = 200;
};

std::string LoadAverage() {
  std::string s = testing::ReadFileOrEmpty("/proc/loadavg");
  return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));
}

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One browser: a kept-alive connection with a cookie jar, trusting the deployment's CA.
class Browser {
 public:
  explicit Browser(const std::string& ca) : curl_(curl_easy_init()) {
    curl_easy_setopt(curl_, CURLOPT_CAINFO, ca.c_str());
    curl_easy_setopt(curl_, CURLOPT_COOKIEFILE, "");  // cookies in memory only
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 30000L);
  }
  ~Browser() { curl_easy_cleanup(curl_); }
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  // The status, or 0 when there was no answer; the body in `body`.
  long Request(const std::string& url, const std::string* form, std::string& body) {
    body.clear();
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &body);
    if (form != nullptr)
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, form->c_str());
    else
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    if (curl_easy_perform(curl_) != CURLE_OK)
      return 0;
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

  std::string Escape(const std::string& s) {
    char* e = curl_easy_escape(curl_, s.c_str(), static_cast<int>(s.size()));
    std::string out(e);
    curl_free(e);
    return out;
  }

 private:
  CURL* curl_;
};

// The value of the hidden input `name` in a page.
std::string HiddenValue(const std::string& html, const std::string& name) {
  const std::string key = "name=\"" + name + "\" value=\"";
  auto at = html.find(key);
  if (at == std::string::npos)
    return "";
  at += key.size();
  return html.substr(at, html.find('"', at) - at);
}

std::string TotpNow(const std::string& base32) {
  oath_init();
  char* secret = nullptr;
  size_t length = 0;
  if (oath_base32_decode(base32.c_str(), base32.size(), &secret, &length) != OATH_OK)
    return "";
  char code[7] = {};
  oath_totp_generate(secret, length, std::time(nullptr), 30, 0, 6, code);
  std::free(secret);
  return code;
}

struct Figures {
  double p50, p95, p99, max;
};

Figures Percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms[std::min(ms.size() - 1,
                       static_cast<std::size_t>(q * static_cast<double>(ms.size())))];
  };
  return {at(0.50), at(0.95), at(0.99), ms.back()};
}

int Run(const Options& o) {
  auto dep = testing::Deployment::Create({.demo = true});
  testing::GatewayProcess gw(dep->config_path());
  if (!gw.Start(dep->port(), dep->ca_path())) {
    std::fprintf(stderr, "%s\n", gw.error.c_str());
    return 1;
  }
  std::printf("deployment %s, gateway %s, cpus %u\n", dep->dir().c_str(), dep->url().c_str(),
              std::thread::hardware_concurrency());

  // 2. The inbox, filled over HTTPS.
  testing::Sealer sealer(dep->dir());
  const std::string document =
      json{{"indicators", {"isolation", "debt_bondage"}},
           {"minor", false},
           {"exploitation", "sexual"},
           {"location", "Rotterdam-Zuid"},
           {"description", "Synthetic signal for the workspace benchmark."}}
          .dump();
  const std::string token = dep->Token("shop-denhaag");
  std::atomic<int> next{0}, accepted{0};
  const auto fill_start = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      testing::Sealer own(dep->dir());  // a Keyring per thread
      testing::HttpsClient http(dep->ca_path());
      for (int i = next++; i < o.messages; i = next++) {
        const json body = {
            {"kind", "signal"},
            {"recipients", {"comensha"}},
            {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
            {"payload", own.SealBase64("shop-denhaag", {"comensha", "shop-denhaag"}, document)}};
        if (http.Post(dep->url() + "/v1/messages", body.dump(), token).status == 202)
          ++accepted;
      }
    });
  }
  for (std::thread& t : clients)
    t.join();
  const double fill_s = std::chrono::duration<double>(Clock::now() - fill_start).count();
  std::printf("inbox filled: %d of %d signals accepted in %.1f s\n", accepted.load(), o.messages,
              fill_s);
  if (accepted.load() != o.messages)
    return 1;

  // 3. The workspace, and a log-in.
  auto config = workspace::LoadWorkspaceConfig(dep->dir() + "/workspace.json");
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().ToString().c_str());
    return 1;
  }
  auto server = workspace::WorkspaceServer::Open(*config);
  if (!server || !(*server)->Start().ok()) {
    std::fprintf(stderr, "the workspace did not start\n");
    return 1;
  }
  const std::string ws = (*server)->Url();
  json staff = json::parse(testing::ReadFileOrEmpty(dep->dir() + "/staff.json"));
  json person;
  for (const json& s : staff) {
    if (s["org"] == "comensha")
      person = s;
  }
  Browser browser(dep->ca_path());
  std::string page;
  browser.Request(ws + "/login", nullptr, page);
  const std::string form = "csrf=" + browser.Escape(HiddenValue(page, "csrf")) +
                           "&username=" + browser.Escape(person["username"]) +
                           "&password=" + browser.Escape(person["password"]) +
                           "&code=" + TotpNow(person["totp_secret"]);
  const long login = browser.Request(ws + "/login", &form, page);
  if (login != 303) {
    std::fprintf(stderr, "log-in as %s: HTTP %ld\n", person["username"].get<std::string>().c_str(),
                 login);
    return 1;
  }

  // The ids to open: comensha's inbox at the gateway.
  testing::HttpsClient http(dep->ca_path());
  json inbox =
      json::parse(http.Get(dep->url() + "/v1/inbox?limit=500", dep->Token("comensha")).body);
  std::vector<std::string> ids;
  for (const json& m : inbox["messages"])
    ids.push_back(m["id"]);

  // The page must show the latest: the newest message of the inbox is on it.
  json newest = json::parse(
      http.Get(dep->url() + "/v1/inbox?order=newest&limit=1", dep->Token("comensha")).body);
  browser.Request(ws + "/inbox", nullptr, page);
  const std::string newest_id = newest["messages"][0]["id"];
  std::printf("the newest message (%s) is on /inbox: %s\n", newest_id.c_str(),
              page.find("msg-" + newest_id) != std::string::npos ? "yes" : "NO");

  // 4. Timings.
  auto time_pages = [&](const char* what, auto url_of) {
    std::vector<double> ms;
    long bad = 0;
    std::size_t bytes = 0;
    for (int i = -5; i < o.samples; ++i) {
      const std::string url = url_of(i < 0 ? 0 : i);
      const auto t0 = Clock::now();
      const long status = browser.Request(url, nullptr, page);
      const double took = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (status != 200)
        ++bad;
      if (i >= 0) {
        ms.push_back(took);
        bytes = page.size();
      }
    }
    Figures f = Percentiles(ms);
    std::printf(
        "%-22s %4d samples  p50 %6.1f ms  p95 %6.1f ms  p99 %6.1f ms  max %6.1f ms  "
        "(%zu bytes, %ld not 200)  load %s\n",
        what, o.samples, f.p50, f.p95, f.p99, f.max, bytes, bad, LoadAverage().c_str());
  };
  time_pages("GET /inbox", [&](int) { return ws + "/inbox"; });
  time_pages("GET /messages/{id}", [&](int i) {
    return ws + "/messages/" + ids[static_cast<std::size_t>(i) % ids.size()];
  });
  (*server)->Stop();
  gw.Terminate();
  return 0;
}

}  // namespace
}  // namespace ketenpoort

int main(int argc, char** argv) {
  ketenpoort::Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--messages")
      o.messages = std::atoi(argv[i + 1]);
    else if (flag == "--samples")
      o.samples = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: kp_workspace_bench [--messages N] [--samples S]\n");
      return 2;
    }
  }
  if (o.messages < 1 || o.samples < 1) {
    std::fprintf(stderr, "usage: kp_workspace_bench [--messages N] [--samples S]\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  return ketenpoort::Run(o);
}
