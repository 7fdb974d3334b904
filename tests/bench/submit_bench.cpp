// Message submission over HTTPS: sustained POST /v1/messages of one sealed envelope against a
// real `ketenpoort serve` on loopback. Run by hand; it measures and prints, never passes or fails.
//
//   kp_submit_bench --clients 1,8,32 --seconds 10 --rate 1000 --rate-seconds 10
//
// Set-up: `ketenpoort init --demo` in a fresh folder under /tmp (or $KETENPOORT_BENCH_DIR),
// `ketenpoort serve`, and ONE payload: random bytes signed by shop-denhaag (Keyring::SignCms)
// and sealed (crypto::SealCms) to comensha and shop-denhaag, sized so that the DER envelope is
// --payload-bytes long. Every
// request submits it as a signal with routing {"region":"GM0518","age_band":"adult"}, which the
// demo rules send to comensha alone. Only 202 counts as a success; a 202 means the message is
// committed to the database (synchronous=FULL) before the answer.
//
// Phases:
//  1. closed loop, for each N in --clients: N threads, each its own libcurl easy handle kept
//     alive (one TLS handshake per thread, before the clock starts), submit back to back for
//     --seconds. Prints msg/s and latency p50/p95/p99/max.
//  2. open loop (when --rate > 0): requests are scheduled every 1/rate seconds for
//     --rate-seconds, sent by a pool of --open-clients connections; latency is measured from
//     the scheduled send time, so a stalled server is charged for the requests it delayed
//     (no coordinated omission). Prints the achieved rate and the percentiles.
//  3. durability check (unless --no-verify): kill -9 the gateway, start it again and count the
//     messages in comensha's inbox; it must equal the 202s (printed, not asserted).
// Also printed per phase: CPU used by the server process and by this client, in cores, and
// the load average (other engineers may share the machine).
//
// Every loop stops by time and by count (--max-requests per phase); requests time out after
// 10 s. Loopback only. The gateway is stopped at the end; the deployment folder is removed
// unless --keep.
#include <curl/curl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gateway/crypto/random.h"
#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using testing::GatewayProcess;

struct Options {
  std::vector<int> clients = {1, 8, 32};
  double seconds = 10;
  double rate = 1000;
  double rate_seconds = 10;
  int open_clients = 64;
  std::size_t payload_bytes = 4096;
  long max_requests = 2'000'000;  // per phase
  bool keep = false;
  bool verify = true;
  std::string endpoint = "messages";  // "resolve": POST /v1/routes/resolve (HTTP machinery only)
};

void Usage() {
  std::fprintf(stderr,
               "usage: kp_submit_bench [--clients 1,8,32] [--seconds 10] [--rate 1000]\n"
               "         [--rate-seconds 10] [--open-clients 64] [--payload-bytes 4096]\n"
               "         [--max-requests 2000000] [--endpoint messages|resolve] [--keep]\n"
               "         [--no-verify]\n"
               "  --rate 0 skips the open loop; --clients '' skips the closed loop.\n");
}

bool ParseOptions(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--clients") {
        o.clients.clear();
        std::stringstream ss(value());
        for (std::string item; std::getline(ss, item, ',');) {
          if (!item.empty())
            o.clients.push_back(std::stoi(item));
        }
      } else if (a == "--seconds") {
        o.seconds = std::stod(value());
      } else if (a == "--rate") {
        o.rate = std::stod(value());
      } else if (a == "--rate-seconds") {
        o.rate_seconds = std::stod(value());
      } else if (a == "--open-clients") {
        o.open_clients = std::stoi(value());
      } else if (a == "--payload-bytes") {
        o.payload_bytes = std::stoul(value());
      } else if (a == "--max-requests") {
        o.max_requests = std::stol(value());
      } else if (a == "--endpoint") {
        o.endpoint = value();
      } else if (a == "--keep") {
        o.keep = true;
      } else if (a == "--no-verify") {
        o.verify = false;
      } else {
        std::fprintf(stderr, "unknown argument: %s\n", a.c_str());
        return false;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bad value for %s\n", a.c_str());
      return false;
    }
  }
  bool ok = o.seconds > 0 && o.seconds <= 3600 && o.rate >= 0 && o.rate <= 1e6 &&
            o.rate_seconds > 0 && o.rate_seconds <= 3600 && o.open_clients >= 1 &&
            o.open_clients <= 1024 && o.payload_bytes >= 1024 &&
            o.payload_bytes <= 8 * 1024 * 1024 && o.max_requests > 0 &&
            (o.endpoint == "messages" || o.endpoint == "resolve");
  for (int n : o.clients)
    ok = ok && n >= 1 && n <= 1024;
  return ok;
}

// --- the measured client -------------------------------------------------------------------

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

size_t KeepBody(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() < 4096)  // answers are small; keep enough to name an error
    body->append(data, size * n);
  return size * n;
}

struct Target {
  std::string url;   // the POST endpoint
  std::string warm;  // GET, to open the connection before the clock starts
  std::string ca_file;
  std::string token;
  std::string body;
  long success_status = 202;
};

// One keep-alive connection: a libcurl easy handle reused for every request.
class Connection {
 public:
  explicit Connection(const Target& t) : target_(t), curl_(curl_easy_init()) {
    curl_slist* l = nullptr;
    l = curl_slist_append(l, "Content-Type: application/json");
    l = curl_slist_append(l, "Expect:");  // no 100-continue round trip
    l = curl_slist_append(l, ("Authorization: Bearer " + t.token).c_str());
    headers_.reset(l);
    CURL* c = curl_.get();
    curl_easy_setopt(c, CURLOPT_CAINFO, t.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, KeepBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer_);
  }

  // GET the warm-up URL (opens TCP and TLS); true on 200.
  bool Warm() {
    CURL* c = curl_.get();
    curl_easy_setopt(c, CURLOPT_URL, target_.warm.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    answer_.clear();
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(c, CURLOPT_URL, target_.url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers_.get());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, target_.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(target_.body.size()));
    return status == 200;
  }

  // One POST. Returns the HTTP status, or 0 with `error` set.
  long Submit(std::string& error) {
    answer_.clear();
    CURLcode rc = curl_easy_perform(curl_.get());
    if (rc != CURLE_OK) {
      error = curl_easy_strerror(rc);
      return 0;
    }
    long status = 0;
    curl_easy_getinfo(curl_.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status != target_.success_status) {
      try {
        error = json::parse(answer_).at("error").at("code").get<std::string>();
      } catch (const std::exception&) {
        error = "unparsed answer";
      }
    }
    return status;
  }

 private:
  const Target& target_;
  CurlPtr curl_;
  SlistPtr headers_;
  std::string answer_;
};

// What one thread saw.
struct Tally {
  std::vector<double> latencies_ms;  // successes only
  std::map<std::string, long> errors;
  long failed = 0;

  // One request's outcome; a success counts with its latency from `since` to `end`.
  void Add(long status, const std::string& error, long success_status, Clock::time_point since,
           Clock::time_point end) {
    if (status == success_status) {
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(end - since).count());
      return;
    }
    ++failed;
    ++errors[std::to_string(status) + " " + error];
  }
  void Merge(Tally&& other) {
    latencies_ms.insert(latencies_ms.end(), other.latencies_ms.begin(), other.latencies_ms.end());
    for (const auto& [k, v] : other.errors)
      errors[k] += v;
    failed += other.failed;
  }
};

// Waits for every thread, then merges their tallies.
Tally JoinAll(std::vector<std::thread>& threads, std::vector<Tally>& tallies) {
  for (auto& th : threads)
    th.join();
  Tally all;
  for (auto& tally : tallies)
    all.Merge(std::move(tally));
  return all;
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty())
    return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

// --- CPU and load, to read the figures on a shared machine --------------------------------

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 14 and 15: utime, stime
    if (i == 14)
      utime = std::stoull(field);
    if (i == 15)
      stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// The `ketenpoort serve` child of this process (the harness does not expose its pid).
pid_t FindServer() {
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit))
      continue;
    std::ifstream in(e.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos)
      continue;
    std::istringstream rest(stat.substr(close + 2));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == ::getpid() && stat.substr(open + 1, close - open - 1) == "ketenpoort")
      return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

// Context switches of every thread of `pid`, voluntary and not (/proc/PID/task/*/status).
long ContextSwitches(pid_t pid) {
  long total = 0;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
          line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
        total += std::stol(line.substr(line.find(':') + 1));
    }
  }
  return total;
}

struct CpuSample {
  Clock::time_point wall;
  double server = 0;
  double self = 0;
  long server_switches = 0;
};

CpuSample Sample(pid_t server) {
  return {Clock::now(), ProcessCpuSeconds(server), SelfCpuSeconds(), ContextSwitches(server)};
}

void Report(const std::string& label, const CpuSample& from, const CpuSample& to, Tally& all,
            long offered) {
  std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
  double wall = std::chrono::duration<double>(to.wall - from.wall).count();
  auto ok = static_cast<double>(all.latencies_ms.size());
  std::printf("%-22s %7.0f msg/s  ok=%ld errors=%ld", label.c_str(), ok / wall,
              static_cast<long>(ok), all.failed);
  if (offered > 0)
    std::printf(" offered=%ld", offered);
  std::printf("  p50=%.2f p95=%.2f p99=%.2f max=%.2f ms", Percentile(all.latencies_ms, 0.50),
              Percentile(all.latencies_ms, 0.95), Percentile(all.latencies_ms, 0.99),
              all.latencies_ms.empty() ? 0.0 : all.latencies_ms.back());
  std::printf("  cpu server=%.2f client=%.2f cores  server switches/request=%.1f  load %s\n",
              (to.server - from.server) / wall, (to.self - from.self) / wall,
              ok > 0 ? static_cast<double>(to.server_switches - from.server_switches) / ok : 0.0,
              LoadAverage().c_str());
  for (const auto& [what, n] : all.errors)
    std::printf("    error %-40s x%ld\n", what.c_str(), n);
  std::fflush(stdout);
}

// N connections submitting back to back for `seconds` (and at most `max_requests` in all).
long ClosedLoop(const Target& t, int clients, const Options& o, pid_t server) {
  std::vector<std::unique_ptr<Connection>> conns;
  for (int i = 0; i < clients; ++i) {
    conns.push_back(std::make_unique<Connection>(t));
    if (!conns.back()->Warm()) {
      std::printf("closed loop N=%d: warm-up GET failed\n", clients);
      return 0;
    }
  }
  std::atomic<long> budget{o.max_requests};
  std::vector<Tally> tallies(clients);
  std::vector<std::thread> threads;
  CpuSample from = Sample(server);
  auto stop = from.wall +
              std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      std::string error;
      while (Clock::now() < stop && budget.fetch_sub(1) > 0) {
        auto start = Clock::now();
        long status = conns[i]->Submit(error);
        tallies[i].Add(status, error, t.success_status, start, Clock::now());
      }
    });
  }
  Tally all = JoinAll(threads, tallies);
  CpuSample to = Sample(server);
  long ok = static_cast<long>(all.latencies_ms.size());
  Report("closed N=" + std::to_string(clients), from, to, all, 0);
  return ok;
}

// Requests scheduled every 1/rate s for rate_seconds, sent by a pool of connections; latency
// from the scheduled time.
long OpenLoop(const Target& t, const Options& o, pid_t server) {
  long total =
      std::min<long>(static_cast<long>(std::llround(o.rate * o.rate_seconds)), o.max_requests);
  std::vector<std::unique_ptr<Connection>> conns;
  for (int i = 0; i < o.open_clients; ++i) {
    conns.push_back(std::make_unique<Connection>(t));
    if (!conns.back()->Warm()) {
      std::printf("open loop: warm-up GET failed\n");
      return 0;
    }
  }
  std::atomic<long> next{0};
  std::atomic<long> late_start{0};  // sent more than 1 ms after their schedule
  std::vector<Tally> tallies(o.open_clients);
  std::vector<std::thread> threads;
  CpuSample from = Sample(server);
  auto origin = from.wall + std::chrono::milliseconds(10);
  // Hard stop: the schedule plus a grace period; requests not sent by then are dropped and
  // reported.
  auto hard_stop = origin + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(o.rate_seconds + 30));
  std::atomic<long> dropped{0};
  const double period_ns = 1e9 / o.rate;
  for (int i = 0; i < o.open_clients; ++i) {
    threads.emplace_back([&, i] {
      std::string error;
      for (long k = next.fetch_add(1); k < total; k = next.fetch_add(1)) {
        auto scheduled =
            origin + std::chrono::nanoseconds(static_cast<long long>(std::llround(k * period_ns)));
        if (Clock::now() > hard_stop) {
          dropped.fetch_add(1);
          continue;
        }
        std::this_thread::sleep_until(scheduled);
        if (Clock::now() - scheduled > std::chrono::milliseconds(1))
          late_start.fetch_add(1);
        long status = conns[i]->Submit(error);
        tallies[i].Add(status, error, t.success_status, scheduled, Clock::now());
      }
    });
  }
  Tally all = JoinAll(threads, tallies);
  CpuSample to = Sample(server);
  long ok = static_cast<long>(all.latencies_ms.size());
  char label[64];
  std::snprintf(label, sizeof label, "open %.0f/s", o.rate);
  Report(label, from, to, all, total);
  std::printf(
      "    %ld of %ld requests started more than 1 ms after their scheduled time (%d connections)",
      late_start.load(), total, o.open_clients);
  if (dropped.load() > 0)
    std::printf("; %ld never sent (time limit)", dropped.load());
  std::printf("\n");
  return ok;
}

// The number of messages in `org`'s inbox, paging 500 at a time (bounded).
long CountInbox(const std::string& url, const std::string& ca, const std::string& token,
                long expected) {
  testing::HttpsClient client(ca);
  long n = 0;
  std::string after = "0";
  for (long page = 0; page <= expected / 500 + 10; ++page) {
    auto r = client.Get(url + "/v1/inbox?limit=500&after=" + after, token);
    if (r.status != 200)
      return -1;
    json body = json::parse(r.body);
    if (body["messages"].empty())
      break;
    n += static_cast<long>(body["messages"].size());
    after = body["next"];
  }
  return n;
}

int Run(const Options& o) {
  // A deployment folder of our own (not testing::Deployment) so that --keep can keep it.
  // KETENPOORT_BENCH_DIR puts the deployment (and its database) elsewhere, e.g. on tmpfs
  // (/dev/shm) to tell disk latency from the gateway's own.
  const char* base = std::getenv("KETENPOORT_BENCH_DIR");
  std::string root =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/kp-bench-XXXXXX";
  if (::mkdtemp(root.data()) == nullptr) {
    std::fprintf(stderr, "mkdtemp failed\n");
    return 1;
  }
  std::string dir = root + "/deploy";
  int port = testing::FreeLoopbackPort();
  auto init = testing::RunKetenpoort(
      {"init", "--dir", dir, "--demo", "--port", std::to_string(port), "--host", "127.0.0.1"});
  if (init.exit_code != 0) {
    std::fprintf(stderr, "ketenpoort init failed: %s\n", init.err.c_str());
    return 1;
  }
  std::string url = "https://127.0.0.1:" + std::to_string(port);
  std::string ca = dir + "/certs/ca.cert.pem";
  auto token = [&](const std::string& org) {
    std::string t = testing::ReadFileOrEmpty(dir + "/tokens/" + org + ".token");
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r'))
      t.pop_back();
    return t;
  };

  // One envelope of exactly payload_bytes (DER): measure the overhead of signing and sealing,
  // then size the random content to fill the rest.
  testing::Sealer sealer(dir);
  const std::vector<std::string> sealed_for = {"comensha", "shop-denhaag"};
  auto der_size = [](const std::string& b64) {
    std::size_t pad = b64.ends_with("==") ? 2 : b64.ends_with("=") ? 1 : 0;
    return b64.size() / 4 * 3 - pad;
  };
  auto random_content = [](std::size_t n) {
    Bytes r = crypto::RandomBytes(n);
    return std::string(r.begin(), r.end());
  };
  std::size_t overhead = der_size(sealer.SealBase64("shop-denhaag", sealed_for, "x")) - 1;
  std::size_t content_bytes = o.payload_bytes > overhead ? o.payload_bytes - overhead : 1;
  std::string payload;
  for (int attempt = 0; attempt < 8; ++attempt) {  // DER length octets may shift a byte or two
    payload = sealer.SealBase64("shop-denhaag", sealed_for, random_content(content_bytes));
    std::size_t got = der_size(payload);
    if (got == o.payload_bytes)
      break;
    auto adjusted = static_cast<long>(content_bytes) + static_cast<long>(o.payload_bytes) -
                    static_cast<long>(got);
    content_bytes = static_cast<std::size_t>(std::max(1L, adjusted));
  }
  const json routing = {{"region", "GM0518"}, {"age_band", "adult"}};
  Target t;
  t.ca_file = ca;
  t.token = token("shop-denhaag");
  t.warm = url + "/healthz";
  if (o.endpoint == "messages") {
    t.url = url + "/v1/messages";
    t.body = json{{"kind", "signal"},
                  {"recipients", {"comensha"}},
                  {"routing", routing},
                  {"payload", payload}}
                 .dump();
    t.success_status = 202;
  } else {
    t.url = url + "/v1/routes/resolve";
    t.body = json{{"kind", "signal"}, {"routing", routing}}.dump();
    t.success_status = 200;
  }

  GatewayProcess gw(dir + "/gateway.json");
  if (!gw.Start(port, ca)) {
    std::fprintf(stderr, "%s\n", gw.error.c_str());
    return 1;
  }
  pid_t server = FindServer();
  std::printf("ketenpoort serve pid %d on %s, deployment %s\n", static_cast<int>(server),
              url.c_str(), dir.c_str());
  std::printf("POST %s: body %zu bytes (envelope %zu bytes DER, content %zu bytes)\n",
              t.url.c_str(), t.body.size(), der_size(payload), content_bytes);
  std::printf("cpus %u  load %s\n", std::thread::hardware_concurrency(), LoadAverage().c_str());
  std::fflush(stdout);

  long accepted = 0;
  for (int n : o.clients)
    accepted += ClosedLoop(t, n, o, server);
  if (o.rate > 0)
    accepted += OpenLoop(t, o, server);

  if (o.verify && o.endpoint == "messages") {
    gw.Kill9();
    GatewayProcess again(dir + "/gateway.json");
    if (!again.Start(port, ca, 60000)) {
      std::printf("durability: restart after kill -9 failed: %s\n", again.error.c_str());
    } else {
      long found = CountInbox(url, ca, token("comensha"), accepted);
      std::printf(
          "durability: %ld accepted (202), %ld in comensha's inbox after kill -9 and "
          "restart\n",
          accepted, found);
      again.Terminate();
    }
  } else {
    int code = gw.Terminate();
    if (code != 0)
      std::printf("ketenpoort serve exited with %d\n", code);
  }
  if (o.keep) {
    std::printf("kept deployment %s\n", dir.c_str());
  } else {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
  return 0;
}

}  // namespace
}  // namespace ketenpoort::bench

int main(int argc, char** argv) {
  ketenpoort::bench::Options options;
  if (!ketenpoort::bench::ParseOptions(argc, argv, options)) {
    ketenpoort::bench::Usage();
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int code = ketenpoort::bench::Run(options);
  curl_global_cleanup();
  return code;
}
