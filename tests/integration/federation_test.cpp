// Federation between real `ketenpoort serve` processes on loopback: gateway A (the sender's)
// delivers through its outbox to B and C over mutual TLS, with signed receipts, retries while a
// peer is down, dead letters for refusals, and exactly-once reception.
//
// Set-up, on top of three `ketenpoort init --demo` deployments:
//   A: comensha and ind live on B, meldpunt-rotterdam on C (directory "gateway" URLs). A holds
//      B's and C's certificates of comensha and meldpunt-rotterdam (so A's Sealer seals for the
//      peers' keys), but its own stale certificate of ind (so B refuses what A sealed for it).
//      gateway.json: federation {trust_anchors: B's and C's CAs, peers B and C with the peer
//      tokens they issued to gw-a, retry 100..500 ms}; listen.client_ca = certs/clients.pem
//      (A's, B's and C's CAs). A issued a peer token to gw-b, bound to B's URL and B's
//      gateway certificate. B has an outbox towards A with it (federation {trust_anchors: A's
//      CA, peers: A}), for the status reports of its recipients; tests also use it by hand.
//   B, C: shop-denhaag lives on A. listen.client_ca = certs/ca.cert.pem, rewritten as a bundle
//      of A's CA (first: the Sealer checks signatures against the first certificate) and their
//      own, so every client, A's outbox included, must present a certificate. The peer tokens
//      they issued to gw-a are bound to A's URL and A's gateway certificate
//      (certs/gateway.cert.pem, which A's outbox presents).
// Peer tokens work only over a connection with their certificate, which the HTTPS server hands
// to handlers (api::Request::client_cert_sha256).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/harness/harness.h"
#include "tests/harness/prometheus_text.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

json ReadJson(const std::string& path) {
  return json::parse(ReadFileOrEmpty(path));
}

void WriteText(const std::string& path, const std::string& text, mode_t mode = 0644) {
  ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

// One gateway of the federation: its deployment, its process, and how tests reach it.
struct Node {
  std::unique_ptr<Deployment> dep;
  std::unique_ptr<GatewayProcess> process;
  std::string id;         // gateway.id
  bool mutual = false;    // clients must present a certificate
  std::string client_as;  // the org whose certificate test clients present

  HttpsOptions ClientOptions(const std::string& org) const {
    HttpsOptions o;
    if (mutual) {
      o.client_cert = dep->dir() + "/certs/" + org + ".cert.pem";
      o.client_key = dep->dir() + "/certs/" + org + ".key.pem";
    }
    return o;
  }
  HttpsClient Client(const std::string& org) const {
    return HttpsClient(dep->ca_path(), ClientOptions(org));
  }
  // A client of this gateway that presents `gateway`'s TLS certificate, as its outbox does.
  HttpsClient AsGateway(const Node& gateway) const {
    HttpsOptions o;
    o.client_cert = gateway.dep->dir() + "/certs/gateway.cert.pem";
    o.client_key = gateway.dep->dir() + "/certs/gateway.key.pem";
    return HttpsClient(dep->ca_path(), o);
  }
  // POST with a peer token from `gateway`'s connection.
  HttpResponse PostFrom(const Node& gateway, const std::string& path, const std::string& body,
                        const std::string& token) const {
    return AsGateway(gateway).Post(dep->url() + path, body, token);
  }
  HttpResponse Get(const std::string& path, const std::string& org) const {
    return Client(org).Get(dep->url() + path, dep->Token(org));
  }
  // GET /metrics without a token (metrics.allow_from is loopback), read; a series' value or 0.
  double Metric(const std::string& name, const std::map<std::string, std::string>& labels) const {
    HttpResponse r = Client(client_as).Get(dep->url() + "/metrics");
    PromText t = ParsePrometheusText(r.body);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(t.error.empty()) << t.error;
    return t.Value(name, labels).value_or(0);
  }
  HttpResponse Post(const std::string& path, const std::string& body, const std::string& org,
                    const std::string& token = {}) const {
    return Client(org).Post(dep->url() + path, body, token.empty() ? dep->Token(org) : token);
  }

  // Starts `ketenpoort serve` and waits (bounded) until /healthz answers over (mutual) TLS,
  // presenting `client_as`'s certificate when clients must present one.
  ::testing::AssertionResult Start() {
    process = std::make_unique<GatewayProcess>(dep->config_path());
    if (!process->Start(dep->port(), dep->ca_path(), 15000, ClientOptions(client_as)))
      return ::testing::AssertionFailure() << process->error;
    return ::testing::AssertionSuccess();
  }
  int Stop() {
    int code = process->Terminate();
    process.reset();
    return code;
  }

  std::vector<std::string> InboxIds(const std::string& org) const {
    std::vector<std::string> ids;
    std::string after = "0";
    for (int page = 0; page < 100; ++page) {
      auto r = Get("/v1/inbox?limit=500&after=" + after, org);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200)
        break;
      json body = json::parse(r.body);
      for (const auto& m : body["messages"])
        ids.push_back(m["id"]);
      if (body["messages"].empty())
        break;
      after = body["next"];
    }
    return ids;
  }
};

class FederationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ = new Node{Deployment::Create(), nullptr, "gw-a", true, "shop-denhaag"};
    b_ = new Node{Deployment::Create(), nullptr, "gw-b", true, "comensha"};
    c_ = new Node{Deployment::Create(), nullptr, "gw-c", true, "meldpunt-rotterdam"};
    const std::string a_ca = ReadFileOrEmpty(a_->dep->ca_path());
    peer_token_a_for_b_ = IssuePeerToken(*a_, *b_);
    ASSERT_FALSE(peer_token_a_for_b_.empty());
    std::string peer_anchors;
    json peers = json::array();
    for (Node* n : {a_, b_, c_}) {
      json config = ReadJson(n->dep->config_path());
      config["gateway"]["id"] = n->id;
      if (n != a_) {
        const std::string own_ca = ReadFileOrEmpty(n->dep->ca_path());
        peer_anchors += own_ca;
        WriteText(n->dep->ca_path(), a_ca + own_ca);
        config["listen"]["client_ca"] = "certs/ca.cert.pem";
        // The senders live on A (the police start B8s).
        Relocate(*n, "shop-denhaag", *a_, /*copy_certificate=*/true);
        Relocate(*n, "politie-avim-haaglanden", *a_, /*copy_certificate=*/false);
        // The token A's outbox presents to this peer, bound to A and A's TLS certificate.
        std::string token = IssuePeerToken(*n, *a_);
        ASSERT_FALSE(token.empty());
        (n == b_ ? peer_token_b_ : peer_token_c_) = token;
        const std::string token_file = "tokens/" + n->id + ".peer.token";
        WriteText(a_->dep->dir() + "/" + token_file, token + "\n", 0600);
        peers.push_back({{"url", n->dep->url()}, {"token_file", token_file}});
        if (n == b_) {
          // B reports its recipients' moves back to A (status reports), with A's token.
          WriteText(b_->dep->dir() + "/certs/peers.pem", a_ca);
          WriteText(b_->dep->dir() + "/tokens/gw-a.peer.token", peer_token_a_for_b_ + "\n", 0600);
          config["federation"] = {
              {"trust_anchors", "certs/peers.pem"},
              {"peers",
               json::array({{{"url", a_->dep->url()}, {"token_file", "tokens/gw-a.peer.token"}}})},
              {"retry", {{"base_ms", 100}, {"cap_ms", 500}, {"max_age_ms", 120000}}}};
        }
      }
      WriteText(n->dep->config_path(), config.dump(2));
    }
    WriteText(a_->dep->dir() + "/certs/peers.pem", peer_anchors);
    WriteText(a_->dep->dir() + "/certs/clients.pem", a_ca + peer_anchors);
    json config = ReadJson(a_->dep->config_path());
    config["federation"] = {{"trust_anchors", "certs/peers.pem"},
                            {"peers", peers},
                            {"retry", {{"base_ms", 100}, {"cap_ms", 500}, {"max_age_ms", 120000}}}};
    config["listen"]["client_ca"] = "certs/clients.pem";
    config["metrics"] = {{"allow_from", {"127.0.0.1"}}};
    WriteText(a_->dep->config_path(), config.dump(2));
    Relocate(*a_, "comensha", *b_, /*copy_certificate=*/true);
    Relocate(*a_, "meldpunt-rotterdam", *c_, /*copy_certificate=*/true);
    Relocate(*a_, "ind", *b_, /*copy_certificate=*/false);           // A's stale certificate of ind
    Relocate(*a_, "wende-denhaag", *b_, /*copy_certificate=*/true);  // a shelter on B

    for (Node* n : {b_, c_, a_}) {
      ASSERT_TRUE(n->Start());
    }
  }

  static void TearDownTestSuite() {
    for (Node* n : {a_, b_, c_}) {
      if (n != nullptr && n->process) {
        EXPECT_EQ(n->Stop(), 0) << n->id;
      }
      delete n;
    }
  }

  // `ketenpoort token issue --role peer` on `at` for gateway `peer`, bound to its URL and its
  // TLS certificate; the token, or "" (with a test failure).
  static std::string IssuePeerToken(const Node& at, const Node& peer) {
    CommandResult issued = RunKetenpoort(
        {"token", "issue", "--config", at.dep->config_path(), "--org", peer.id, "--role", "peer",
         "--gateway-url", peer.dep->url(), "--cert", peer.dep->dir() + "/certs/gateway.cert.pem"});
    EXPECT_EQ(issued.exit_code, 0) << issued.err;
    return issued.exit_code == 0 ? issued.out.substr(0, issued.out.find('\n')) : "";
  }

  // A's audit trail (`ketenpoort audit export`), one JSON object per entry.
  static std::vector<json> AuditTrail(const Node& n) {
    CommandResult exported = RunKetenpoort({"audit", "export", "--config", n.dep->config_path()});
    EXPECT_EQ(exported.exit_code, 0) << exported.err;
    std::vector<json> entries;
    std::size_t start = 0;
    while (start < exported.out.size()) {
      std::size_t end = exported.out.find('\n', start);
      if (end == std::string::npos)
        end = exported.out.size();
      if (end > start)
        entries.push_back(json::parse(exported.out.substr(start, end - start)));
      start = end + 1;
    }
    return entries;
  }

  // In `at`'s directory, `org` is served by gateway `home`; with `copy_certificate`, `at` also
  // takes `home`'s certificate of `org` (directory and certs/ORG.cert.pem).
  static void Relocate(Node& at, const std::string& org, const Node& home, bool copy_certificate) {
    const std::string dir_path = at.dep->dir() + "/directory.json";
    json dir = ReadJson(dir_path);
    const std::string cert = ReadFileOrEmpty(home.dep->dir() + "/certs/" + org + ".cert.pem");
    for (json& o : dir["organisations"]) {
      if (o["id"] != org)
        continue;
      o["gateway"] = home.dep->url();
      if (copy_certificate)
        o["certificate"] = cert;
    }
    WriteText(dir_path, dir.dump(2));
    if (copy_certificate)
      WriteText(at.dep->dir() + "/certs/" + org + ".cert.pem", cert);
  }

  // Submits on A, from `from`, sealed for `sealed_for` and the sender; the message id.
  static std::string Submit(const json& header, const std::vector<std::string>& sealed_for,
                            const std::string& content, const std::string& from = "shop-denhaag") {
    std::vector<std::string> to = sealed_for;
    to.push_back(from);
    json body = header;
    body["payload"] = Sealer(a_->dep->dir()).SealBase64(from, to, content);
    auto r = a_->Post("/v1/messages", body.dump(), from);
    EXPECT_EQ(r.status, 202) << r.body;
    if (r.status != 202)
      return "";
    return json::parse(r.body)["id"];
  }

  static json AdultSignal() {
    return {{"kind", "signal"},
            {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
            {"subject_ref", "a5808f56c6117d6730668e4953802f6dc18344669da05905ec56f481e7d27675"},
            {"legal_basis", "vital_interest"}};
  }
  static json MinorSignal() {
    return {{"kind", "signal"},
            {"routing", {{"region", "GM0599"}, {"age_band", "minor"}}},
            {"subject_ref", "202791fe332ac1bb68a53d753b4eb919a9fea79eab8f436e094e4caf38fe38c9"},
            {"legal_basis", "vital_interest"}};
  }

  static json Tracking(const std::string& id, const std::string& sender = "shop-denhaag") {
    auto r = a_->Get("/v1/messages/" + id + "/tracking", sender);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body) : json::object();
  }
  static json RecipientIn(const json& tracking, const std::string& org) {
    for (const auto& r : tracking.value("recipients", json::array())) {
      if (r["org"] == org)
        return r;
    }
    return json::object();
  }
  static std::string StateOf(const std::string& id, const std::string& org,
                             const std::string& sender = "shop-denhaag") {
    return RecipientIn(Tracking(id, sender), org).value("state", "");
  }

  static Node* a_;
  static Node* b_;
  static Node* c_;
  static std::string peer_token_b_;        // B's token for gw-a
  static std::string peer_token_c_;        // C's token for gw-a
  static std::string peer_token_a_for_b_;  // A's token for gw-b
};

Node* FederationTest::a_ = nullptr;
Node* FederationTest::b_ = nullptr;
Node* FederationTest::c_ = nullptr;
std::string FederationTest::peer_token_b_;
std::string FederationTest::peer_token_c_;
std::string FederationTest::peer_token_a_for_b_;

TEST_F(FederationTest, ASignalForAPeerOrganisationArrivesThereOnceWithASignedReceipt) {
  const std::map<std::string, std::string> signal = {{"kind", "signal"}};
  const double delivered_before = a_->Metric("ketenpoort_messages_delivered_total", signal);
  const std::string id =
      Submit(AdultSignal(), {"comensha", "politie-avim-haaglanden"}, "synthetic signal via B");
  ASSERT_FALSE(id.empty());
  // The local recipient has it at once; comensha's delivery waits for B's receipt.
  EXPECT_EQ(StateOf(id, "politie-avim-haaglanden"), "delivered");
  ASSERT_TRUE(
      WaitFor([&] { return StateOf(id, "comensha") == "delivered"; }, std::chrono::seconds(20)))
      << Tracking(id).dump();

  json comensha = RecipientIn(Tracking(id), "comensha");
  EXPECT_EQ(comensha["transfer"]["state"], "delivered");
  EXPECT_EQ(comensha["transfer"]["gateway"], b_->dep->url());
  json receipt = comensha["transfer"]["receipt"];
  EXPECT_EQ(receipt["message_id"], id);
  EXPECT_EQ(receipt["recipients"], json({"comensha"}));
  EXPECT_EQ(receipt["gateway"], "gw-b");
  EXPECT_EQ(receipt["payload_sha256"].get<std::string>().size(), 64u);
  EXPECT_FALSE(receipt["signature"].get<std::string>().empty());
  std::vector<std::string> states;
  for (const auto& e : comensha["events"])
    states.push_back(e["state"]);
  EXPECT_EQ(states, (std::vector<std::string>{"sent", "delivered"}));
  EXPECT_EQ(comensha["events"][1]["by"], "gw-b");
  // Counted on A: the police's delivery at submission, comensha's by B's receipt (just after
  // the commit that tracking shows).
  EXPECT_TRUE(WaitFor(
      [&] {
        return a_->Metric("ketenpoort_messages_delivered_total", signal) - delivered_before == 2;
      },
      std::chrono::seconds(5)))
      << a_->Metric("ketenpoort_messages_delivered_total", signal) - delivered_before;

  auto ids = b_->InboxIds("comensha");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), id), 1);
  auto fetched = b_->Get("/v1/messages/" + id, "comensha");
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  json m = json::parse(fetched.body);
  EXPECT_EQ(m["from"], "shop-denhaag");
  EXPECT_EQ(m["kind"], "signal");
  EXPECT_EQ(m["subject_ref"], "a5808f56c6117d6730668e4953802f6dc18344669da05905ec56f481e7d27675");
  EXPECT_EQ(m["legal_basis"], "vital_interest");
  EXPECT_EQ(m["recipients"], json({"comensha"}));
  EXPECT_EQ(Sealer(b_->dep->dir()).Open("comensha", m["payload"]), "synthetic signal via B");
  // The police organisation stays on A: B never heard of this message for it.
  auto police_on_b = b_->InboxIds("politie-avim-haaglanden");
  EXPECT_EQ(std::count(police_on_b.begin(), police_on_b.end(), id), 0);
  // The audit trails of both gateways are intact.
  for (Node* n : {a_, b_}) {
    CommandResult verified = RunKetenpoort({"audit", "verify", "--config", n->dep->config_path()});
    EXPECT_EQ(verified.exit_code, 0) << n->id << ": " << verified.err;
  }
}

// The sender recalls a message a recipient on a peer gateway already holds: the recall travels
// to that gateway as a signed report, which deletes its copy there too (410 from then on), and
// both trails record the recall in the sender's name. A recipient on the sender's own gateway
// loses it at once, as before.
TEST_F(FederationTest, ARecallReachesTheCopyOnThePeerGateway) {
  const std::string id =
      Submit(AdultSignal(), {"comensha", "politie-avim-haaglanden"}, "synthetic signal, recalled");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(
      WaitFor([&] { return StateOf(id, "comensha") == "delivered"; }, std::chrono::seconds(20)))
      << Tracking(id).dump();
  ASSERT_EQ(b_->Get("/v1/messages/" + id, "comensha").status, 200);

  auto recalled = a_->Post("/v1/messages/" + id + "/recall", "{}", "shop-denhaag");
  ASSERT_EQ(recalled.status, 200) << recalled.body;
  EXPECT_EQ(a_->Get("/v1/messages/" + id, "politie-avim-haaglanden").status, 410);
  ASSERT_TRUE(WaitFor([&] { return b_->Get("/v1/messages/" + id, "comensha").status == 410; },
                      std::chrono::seconds(20)))
      << b_->Get("/v1/messages/" + id, "comensha").body;
  auto gone = json::parse(b_->Get("/v1/messages/" + id, "comensha").body);
  EXPECT_EQ(gone["error"]["code"], "message_recalled");

  int recalls_on_b = 0;
  for (const json& e : AuditTrail(*b_)) {
    if (e["event"] == "recall" && e["object"] == id) {
      ++recalls_on_b;
      EXPECT_EQ(e["user"], "shop-denhaag");
      EXPECT_EQ(e["responsible_user"], "gw-a");
      EXPECT_EQ(e["organisation"], "shop-denhaag");
      EXPECT_EQ(e["outcome"], "success");
    }
  }
  EXPECT_EQ(recalls_on_b, 1);
  for (Node* n : {a_, b_}) {
    CommandResult verified = RunKetenpoort({"audit", "verify", "--config", n->dep->config_path()});
    EXPECT_EQ(verified.exit_code, 0) << n->id << ": " << verified.err;
  }
}

TEST_F(FederationTest, MessagesWaitWhileThePeerIsDownAndArriveOnceWhenItIsBack) {
  ASSERT_EQ(b_->Stop(), 0);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(Submit(AdultSignal(), {"comensha", "politie-avim-haaglanden"},
                         "while B is down " + std::to_string(i)));
    ASSERT_FALSE(ids.back().empty());
  }
  // Failed attempts are recorded, with a code and a later next attempt; nothing is lost.
  bool retried = WaitFor(
      [&] {
        return std::all_of(ids.begin(), ids.end(), [](const std::string& id) {
          json t = RecipientIn(Tracking(id), "comensha")["transfer"];
          return t.value("attempts", 0) >= 2 && t.value("state", "") == "pending";
        });
      },
      std::chrono::seconds(20));
  ASSERT_TRUE(retried) << Tracking(ids[0]).dump();
  // The queue towards B, as a scraper sees it.
  EXPECT_GE(a_->Metric("ketenpoort_outbox_pending", {{"queue", "messages"}}), 4);
  EXPECT_GT(a_->Metric("ketenpoort_outbox_oldest_pending_age_seconds", {{"queue", "messages"}}), 0);
  json transfer = RecipientIn(Tracking(ids[0]), "comensha")["transfer"];
  EXPECT_EQ(transfer["last_error"], "peer_unreachable");
  EXPECT_EQ(StateOf(ids[0], "comensha"), "sent");

  ASSERT_TRUE(b_->Start());
  bool delivered = WaitFor(
      [&] {
        return std::all_of(ids.begin(), ids.end(), [](const std::string& id) {
          return StateOf(id, "comensha") == "delivered";
        });
      },
      std::chrono::seconds(20));
  ASSERT_TRUE(delivered) << Tracking(ids[0]).dump();
  auto inbox = b_->InboxIds("comensha");
  Sealer b_keys(b_->dep->dir());
  for (const std::string& id : ids) {
    EXPECT_EQ(std::count(inbox.begin(), inbox.end(), id), 1) << id;
    EXPECT_EQ(RecipientIn(Tracking(id), "comensha")["transfer"]["receipt"]["message_id"], id);
  }
  auto first = b_->Get("/v1/messages/" + ids[0], "comensha");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(b_keys.Open("comensha", json::parse(first.body)["payload"]), "while B is down 0");
}

TEST_F(FederationTest, OneSubmissionReachesLocalAndTwoPeerGateways) {
  const std::string id =
      Submit(MinorSignal(), {"comensha", "meldpunt-rotterdam", "veilig-thuis-rotterdam"},
             "synthetic signal for three gateways");
  ASSERT_FALSE(id.empty());
  bool delivered = WaitFor(
      [&] {
        json t = Tracking(id);
        return RecipientIn(t, "comensha").value("state", "") == "delivered" &&
               RecipientIn(t, "meldpunt-rotterdam").value("state", "") == "delivered";
      },
      std::chrono::seconds(20));
  ASSERT_TRUE(delivered) << Tracking(id).dump();
  json t = Tracking(id);
  EXPECT_EQ(RecipientIn(t, "veilig-thuis-rotterdam")["state"], "delivered");
  EXPECT_EQ(RecipientIn(t, "comensha")["transfer"]["receipt"]["gateway"], "gw-b");
  EXPECT_EQ(RecipientIn(t, "meldpunt-rotterdam")["transfer"]["receipt"]["gateway"], "gw-c");

  struct Where {
    Node* node;
    std::string org;
  };
  for (const Where& w : {Where{b_, "comensha"}, Where{c_, "meldpunt-rotterdam"},
                         Where{a_, "veilig-thuis-rotterdam"}}) {
    auto ids = w.node->InboxIds(w.org);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), id), 1) << w.org;
    auto m = w.node->Get("/v1/messages/" + id, w.org);
    ASSERT_EQ(m.status, 200) << w.org << ": " << m.body;
    EXPECT_EQ(Sealer(w.node->dep->dir()).Open(w.org, json::parse(m.body)["payload"]),
              "synthetic signal for three gateways")
        << w.org;
  }
  // Each peer holds only its own organisations' deliveries.
  EXPECT_EQ(json::parse(b_->Get("/v1/messages/" + id, "comensha").body)["recipients"],
            json({"comensha"}));
  EXPECT_EQ(b_->Get("/v1/messages/" + id, "meldpunt-rotterdam").status, 404);
}

TEST_F(FederationTest, APeerThatRefusesTurnsTheMessageIntoADeadLetter) {
  const std::map<std::string, std::string> b8_kind = {{"kind", "b8"}};
  const double dead_before = a_->Metric("ketenpoort_messages_dead_lettered_total", b8_kind);
  // A seals for its own (stale) certificate of ind; B knows ind's real one and refuses.
  json b8 = {{"kind", "b8"},
             {"routing", {{"region", "GM0518"}}},
             {"recipients", {"ind"}},
             {"subject_ref", "c0822370aea02db5ebd4491ec57362c63273bed272a9fb3c1c4a7a2563840568"}};
  const std::string id =
      Submit(b8, {"ind"}, "synthetic b8 for a stale certificate", "politie-avim-haaglanden");
  ASSERT_FALSE(id.empty());
  const std::string police = "politie-avim-haaglanden";
  ASSERT_TRUE(WaitFor([&] { return StateOf(id, "ind", police) == "undeliverable"; },
                      std::chrono::seconds(20)))
      << Tracking(id, police).dump();
  json ind = RecipientIn(Tracking(id, police), "ind");
  EXPECT_EQ(ind["transfer"]["state"], "dead");
  EXPECT_EQ(ind["transfer"]["attempts"], 1);  // a refusal is final: no retries
  EXPECT_EQ(ind["transfer"]["last_error"], "envelope_recipient_mismatch");
  EXPECT_FALSE(ind["transfer"].contains("receipt"));
  EXPECT_EQ(ind["events"].back()["reason"], "envelope_recipient_mismatch");
  // A dead letter is never silent: the sender has a notice about it.
  json notices = Tracking(id, police)["notices"];
  ASSERT_EQ(notices.size(), 1u) << notices.dump();
  EXPECT_EQ(notices[0]["type"], "dead_letter");
  EXPECT_EQ(notices[0]["to"], police);
  EXPECT_EQ(notices[0]["about"], "ind");
  EXPECT_EQ(notices[0]["reason"], "envelope_recipient_mismatch");
  auto ids = b_->InboxIds("ind");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), id), 0);
  EXPECT_TRUE(WaitFor(
      [&] {
        return a_->Metric("ketenpoort_messages_dead_lettered_total", b8_kind) - dead_before == 1;
      },
      std::chrono::seconds(5)));
}

// The operator's hands on the queue while the gateway runs (`ketenpoort outbox`): a message for a
// peer that is down is dropped (its recipient undeliverable, the sender told); a dead letter
// caused by a bad peer token is sent again once the token is fixed; both are in the audit trail.
TEST_F(FederationTest, AnOperatorDropsWhatWaitsAndRetriesADeadLetter) {
  const std::string config = a_->dep->config_path();
  json to_meldpunt = MinorSignal();
  to_meldpunt["recipients"] = {"meldpunt-rotterdam"};
  auto transfer = [&](const std::string& id) {
    return RecipientIn(Tracking(id), "meldpunt-rotterdam").value("transfer", json::object());
  };
  // The line `outbox list` prints for message `id`, split at spaces; empty when there is none.
  auto listed = [&](const std::string& state, const std::string& id) {
    CommandResult r = RunKetenpoort({"outbox", "list", "--config", config, "--state", state});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> fields;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.find(" " + id + " ") == std::string::npos)
        continue;
      std::istringstream words(line);
      for (std::string w; words >> w;)
        fields.push_back(w);
    }
    return fields;
  };

  // gw-c is down: the message waits, is listed, and the operator drops it.
  ASSERT_EQ(c_->Stop(), 0);
  const std::string waiting = Submit(to_meldpunt, {"meldpunt-rotterdam"}, "synthetic, dropped");
  ASSERT_FALSE(waiting.empty());
  ASSERT_TRUE(WaitFor([&] { return transfer(waiting).value("attempts", 0) >= 1; },
                      std::chrono::seconds(20)))
      << Tracking(waiting).dump();
  std::vector<std::string> line = listed("pending", waiting);
  ASSERT_GE(line.size(), 5u);
  EXPECT_EQ(line[1], "pending");
  const std::string drop_id = line[0];
  EXPECT_EQ(RunKetenpoort({"outbox", "drop", "--config", config, "--id", drop_id}).exit_code, 2)
      << "a drop needs a reason";
  CommandResult dropped = RunKetenpoort(
      {"outbox", "drop", "--config", config, "--id", drop_id, "--reason", "gw-c decommissioned"});
  ASSERT_EQ(dropped.exit_code, 0) << dropped.err;
  EXPECT_EQ(transfer(waiting)["state"], "dead");
  json t = Tracking(waiting);
  EXPECT_EQ(RecipientIn(t, "meldpunt-rotterdam")["state"], "undeliverable");
  EXPECT_EQ(RecipientIn(t, "meldpunt-rotterdam")["events"].back()["reason"], "gw-c decommissioned");
  ASSERT_EQ(t["notices"].size(), 1u) << t.dump();
  EXPECT_EQ(t["notices"][0]["type"], "dead_letter");
  CommandResult again = RunKetenpoort(
      {"outbox", "drop", "--config", config, "--id", drop_id, "--reason", "gw-c decommissioned"});
  EXPECT_EQ(again.exit_code, 1) << "only a waiting item can be dropped";
  EXPECT_NE(again.err.find("outbox_item_not_pending"), std::string::npos) << again.err;
  ASSERT_TRUE(c_->Start());

  // A's token for gw-c is wrong: gw-c refuses it, which is final, so the message is dead.
  const std::string token_file = a_->dep->dir() + "/tokens/" + c_->id + ".peer.token";
  const std::string good_token = ReadFileOrEmpty(token_file);
  ASSERT_EQ(a_->Stop(), 0);
  WriteText(token_file, "kp_not_the_right_token\n", 0600);
  ASSERT_TRUE(a_->Start());
  const std::string refused = Submit(to_meldpunt, {"meldpunt-rotterdam"}, "synthetic, retried");
  ASSERT_FALSE(refused.empty());
  ASSERT_TRUE(WaitFor([&] { return transfer(refused).value("state", "") == "dead"; },
                      std::chrono::seconds(20)))
      << Tracking(refused).dump();
  // Fixed and restarted, the gateway leaves the dead letter dead until the operator says so.
  ASSERT_EQ(a_->Stop(), 0);
  WriteText(token_file, good_token, 0600);
  ASSERT_TRUE(a_->Start());
  line = listed("dead", refused);
  ASSERT_GE(line.size(), 2u);
  CommandResult retried = RunKetenpoort(
      {"outbox", "retry", "--config", config, "--id", line[0], "--reason", "peer token reissued"});
  ASSERT_EQ(retried.exit_code, 0) << retried.err;
  ASSERT_TRUE(WaitFor([&] { return StateOf(refused, "meldpunt-rotterdam") == "delivered"; },
                      std::chrono::seconds(20)))
      << Tracking(refused).dump();
  auto ids = c_->InboxIds("meldpunt-rotterdam");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), refused), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), waiting), 0);

  std::vector<std::string> operator_entries;
  for (const json& e : AuditTrail(*a_)) {
    if (e["object"].get<std::string>().rfind("outbox:", 0) == 0)
      operator_entries.push_back(e["object"].get<std::string>() + " " +
                                 e["outcome"].get<std::string>());
  }
  EXPECT_EQ(operator_entries, (std::vector<std::string>{"outbox:" + drop_id + " dropped",
                                                        "outbox:" + line[0] + " retried"}));
}

TEST_F(FederationTest, OnlyPeersMayDeliverAndAReplayIsStoredOnce) {
  // A message A delivered to B before: the same body again, as A's outbox would send it.
  const std::string id =
      Submit(AdultSignal(), {"comensha", "politie-avim-haaglanden"}, "synthetic signal, replayed");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(
      WaitFor([&] { return StateOf(id, "comensha") == "delivered"; }, std::chrono::seconds(20)));
  auto by_sender = a_->Get("/v1/messages/" + id, "shop-denhaag");
  ASSERT_EQ(by_sender.status, 200);
  json m = json::parse(by_sender.body);
  json body = {{"id", id},
               {"kind", m["kind"]},
               {"from", "shop-denhaag"},
               {"recipients", {"comensha"}},
               {"routing", m["routing"]},
               {"subject_ref", m["subject_ref"]},
               {"legal_basis", m["legal_basis"]},
               {"deadline", nullptr},
               {"expires", nullptr},
               {"created", m["created"]},
               {"payload", m["payload"]}};

  // An organisation's token is not a peer's.
  auto forbidden = b_->Post("/v1/federation/messages", body.dump(), "comensha");
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
  // No certificate at all: the TLS handshake fails before any token is looked at.
  HttpsClient no_cert(b_->dep->ca_path());
  EXPECT_EQ(
      no_cert.Post(b_->dep->url() + "/v1/federation/messages", body.dump(), peer_token_b_).status,
      0);

  json first_receipt = RecipientIn(Tracking(id), "comensha")["transfer"]["receipt"];
  for (int i = 0; i < 2; ++i) {
    auto replay = b_->PostFrom(*a_, "/v1/federation/messages", body.dump(), peer_token_b_);
    ASSERT_EQ(replay.status, 202) << replay.body;
    json r = json::parse(replay.body);
    EXPECT_EQ(r["receipt"]["message_id"], id);
    EXPECT_EQ(r["receipt"]["received"], first_receipt["received"]);
    EXPECT_EQ(r["receipt"]["payload_sha256"], first_receipt["payload_sha256"]);
    EXPECT_NE(r["certificate"].get<std::string>().find("BEGIN CERTIFICATE"), std::string::npos);
  }
  auto ids = b_->InboxIds("comensha");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), id), 1);

  // The same id with other content is a conflict, and changes nothing.
  json other = body;
  other["payload"] =
      Sealer(a_->dep->dir()).SealBase64("shop-denhaag", {"comensha"}, "another content, same id");
  auto conflict = b_->PostFrom(*a_, "/v1/federation/messages", other.dump(), peer_token_b_);
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  auto still = b_->Get("/v1/messages/" + id, "comensha");
  ASSERT_EQ(still.status, 200);
  EXPECT_EQ(Sealer(b_->dep->dir()).Open("comensha", json::parse(still.body)["payload"]),
            "synthetic signal, replayed");

  // A peer cannot deliver for an organisation B serves itself, nor to one it does not serve.
  json local_sender = body;
  local_sender["id"] = id + "-x";
  local_sender["from"] = "ind";
  auto local = b_->PostFrom(*a_, "/v1/federation/messages", local_sender.dump(), peer_token_b_);
  EXPECT_EQ(local.status, 403) << local.body;
  EXPECT_EQ(json::parse(local.body)["error"]["code"], "sender_not_remote");
  json elsewhere = body;
  elsewhere["id"] = id + "-y";
  elsewhere["recipients"] = {"shop-denhaag"};
  auto refused = b_->PostFrom(*a_, "/v1/federation/messages", elsewhere.dump(), peer_token_b_);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(json::parse(refused.body)["error"]["code"], "recipient_not_served_here");
  // C's peer token is C's: B does not know it.
  EXPECT_EQ(b_->PostFrom(*a_, "/v1/federation/messages", body.dump(), peer_token_c_).status, 401);
  // A's token from a connection with an organisation's certificate: not A's gateway.
  auto stolen = b_->Post("/v1/federation/messages", body.dump(), "comensha", peer_token_b_);
  EXPECT_EQ(stolen.status, 403) << stolen.body;
  EXPECT_EQ(json::parse(stolen.body)["error"]["code"], "peer_certificate_mismatch");
}

TEST_F(FederationTest, APeerDeliversOnlyForItsOwnOrganisationsAndOnlyWithItsCertificate) {
  // What B would deliver to A for a local organisation of A: a minor signal for Veilig Thuis.
  auto delivery = [](const std::string& id, const std::string& from) {
    json m = MinorSignal();
    m["id"] = id;
    m["from"] = from;
    m["recipients"] = {"veilig-thuis-rotterdam"};
    m["deadline"] = nullptr;
    m["expires"] = nullptr;
    m["created"] = "2026-11-23T00:00:00.000Z";
    m["payload"] = Sealer(a_->dep->dir())
                       .SealBase64("shop-denhaag", {"veilig-thuis-rotterdam"}, "synthetic, via B");
    return m;
  };
  const std::string path = "/v1/federation/messages";
  const std::string own = "fed-own-" + std::to_string(::getpid());
  const std::string forged = "fed-forged-" + std::to_string(::getpid());
  const std::string stolen = "fed-stolen-" + std::to_string(::getpid());

  // B speaks for comensha, which A's directory says B serves, over B's own certificate.
  auto accepted = a_->PostFrom(*b_, path, delivery(own, "comensha").dump(), peer_token_a_for_b_);
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(json::parse(accepted.body)["receipt"]["gateway"], "gw-a");

  // B claims meldpunt-rotterdam, which C serves: refused, and nothing lands in the inbox.
  auto refused =
      a_->PostFrom(*b_, path, delivery(forged, "meldpunt-rotterdam").dump(), peer_token_a_for_b_);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(json::parse(refused.body)["error"]["code"], "sender_not_served_by_peer");

  // B's token from a connection with C's certificate (C's CA is trusted: the handshake passes).
  auto other_cert =
      a_->PostFrom(*c_, path, delivery(stolen, "comensha").dump(), peer_token_a_for_b_);
  EXPECT_EQ(other_cert.status, 403) << other_cert.body;
  EXPECT_EQ(json::parse(other_cert.body)["error"]["code"], "peer_certificate_mismatch");

  auto inbox = a_->InboxIds("veilig-thuis-rotterdam");
  EXPECT_EQ(std::count(inbox.begin(), inbox.end(), own), 1);
  EXPECT_EQ(std::count(inbox.begin(), inbox.end(), forged), 0);
  EXPECT_EQ(std::count(inbox.begin(), inbox.end(), stolen), 0);
  EXPECT_EQ(a_->Get("/v1/messages/" + forged, "veilig-thuis-rotterdam").status, 404);

  // Both refusals are in A's audit trail, by ids only; the forged sender is never recorded as
  // the one who sent anything.
  bool forged_logged = false;
  bool stolen_logged = false;
  for (const json& e : AuditTrail(*a_)) {
    if (e["event"] == "deliver" && e["object"] == forged) {
      EXPECT_EQ(e["outcome"], "sender_not_served_by_peer");
      EXPECT_EQ(e["user"], "gw-b");
      EXPECT_NE(e["responsible_user"], "meldpunt-rotterdam");
      forged_logged = true;
    }
    if (e["event"] == "auth_failed" && e["outcome"] == "peer_certificate_mismatch" &&
        e["user"] == "gw-b") {
      EXPECT_EQ(e["role"], "peer");
      EXPECT_EQ(e["object"].get<std::string>().rfind("api_token:", 0), 0u);
      stolen_logged = true;
    }
    EXPECT_FALSE(e["responsible_user"] == "meldpunt-rotterdam" && e["user"] == "gw-b") << e.dump();
  }
  EXPECT_TRUE(forged_logged);
  EXPECT_TRUE(stolen_logged);
  CommandResult verified = RunKetenpoort({"audit", "verify", "--config", a_->dep->config_path()});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
}

// `ketenpoort open` on the receiving gateway trusts what the deployment already trusts: a
// message signed by comensha, whose certificate comes from B's CA, opens on A with no
// --ca-anchors, because A's federation.trust_anchors holds B's CA.
TEST_F(FederationTest, OpenOnTheReceivingGatewayTrustsThePeersAnchorsByDefault) {
  // Signed with comensha's key from B, encrypted to veilig-thuis-rotterdam's certificate on A.
  TempDir mixed;
  ASSERT_EQ(::mkdir((mixed.path() + "/certs").c_str(), 0700), 0);
  for (const auto& [from, name] :
       std::vector<std::pair<const Node*, std::string>>{{b_, "comensha.key.pem"},
                                                        {b_, "comensha.cert.pem"},
                                                        {a_, "veilig-thuis-rotterdam.cert.pem"}}) {
    WriteText(mixed.path() + "/certs/" + name, ReadFileOrEmpty(from->dep->dir() + "/certs/" + name),
              0600);
  }
  const std::string id = "fed-open-" + std::to_string(::getpid());
  json m = MinorSignal();
  m["id"] = id;
  m["from"] = "comensha";
  m["recipients"] = {"veilig-thuis-rotterdam"};
  m["deadline"] = nullptr;
  m["expires"] = nullptr;
  m["created"] = "2026-11-23T00:00:00.000Z";
  m["payload"] =
      Sealer(mixed.path()).SealBase64("comensha", {"veilig-thuis-rotterdam"}, "synthetic, from B");
  auto accepted = a_->PostFrom(*b_, "/v1/federation/messages", m.dump(), peer_token_a_for_b_);
  ASSERT_EQ(accepted.status, 202) << accepted.body;

  // --no-validate: the content is a sentence, not a signal document; the signature is the point.
  CommandResult opened = RunKetenpoort({"open", "--config", a_->dep->config_path(), "--as",
                                        "veilig-thuis-rotterdam", id, "--no-validate"});
  EXPECT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_EQ(opened.out, "synthetic, from B");
  EXPECT_NE(opened.err.find("from comensha: signature verified"), std::string::npos) << opened.err;
  // Naming only A's own CA still refuses it: the default is what made the difference.
  CommandResult own_ca_only =
      RunKetenpoort({"open", "--config", a_->dep->config_path(), "--as", "veilig-thuis-rotterdam",
                     id, "--no-validate", "--ca-anchors", a_->dep->ca_path()});
  EXPECT_EQ(own_ca_only.exit_code, 1) << own_ca_only.err;
  EXPECT_NE(own_ca_only.err.find("signer_untrusted"), std::string::npos) << own_ca_only.err;
}

// A shelter on gateway B works a referral from a coordinator on gateway A: its read, its
// question, the coordinator's answer and its acceptance each move the delivery on both
// gateways (status reports, signed, audited on both sides, applied once), the question and
// the answer travel in the case's thread, and the coordinator hears each step on A.
TEST_F(FederationTest, AShelterOnAPeerGatewayAsksIsAnsweredAndAcceptsAndTheSenderSeesEachStep) {
  const std::string subject = "6b1f0c0e3f1b5a3c9d3e0f7a2b6c4d8e1f2a3b4c5d6e7f8091a2b3c4d5e6f708";
  json referral = {{"kind", "referral"},
                   {"routing",
                    {{"region", "GM0518"},
                     {"age_band", "adult"},
                     {"gender", "male"},
                     {"topic", "shelter"},
                     {"urgency", "normal"}}},
                   {"subject_ref", subject},
                   {"legal_basis", "consent"},
                   {"recipients", {"wende-denhaag"}}};
  const std::string id = Submit(referral, {"wende-denhaag"}, "synthetic referral to B");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(WaitFor([&] { return StateOf(id, "wende-denhaag") == "delivered"; },
                      std::chrono::seconds(20)))
      << Tracking(id).dump();
  auto state_on_b = [&] {
    auto r = b_->Get("/v1/messages/" + id, "wende-denhaag");
    return r.status == 200 ? json::parse(r.body).value("state", "")
                           : "http_" + std::to_string(r.status);
  };
  auto reaches_a = [&](const std::string& state) {
    return WaitFor([&] { return StateOf(id, "wende-denhaag") == state; }, std::chrono::seconds(20));
  };

  // The shelter reads it on B: A's tracking shows it received.
  EXPECT_EQ(state_on_b(), "received");
  ASSERT_TRUE(reaches_a("received")) << Tracking(id).dump();

  // The shelter asks on B; the question reaches the coordinator on A in the case's thread, and
  // the delivery is needs_info on both gateways.
  json question = {{"kind", "question"},
                   {"follows", id},
                   {"follow_reason", "question about the intake"},
                   {"subject_ref", subject}};
  question["payload"] =
      Sealer(b_->dep->dir())
          .SealBase64("wende-denhaag", {"shop-denhaag", "wende-denhaag"}, "synthetic question");
  auto asked = b_->Post("/v1/messages", question.dump(), "wende-denhaag");
  ASSERT_EQ(asked.status, 202) << asked.body;
  const std::string question_id = json::parse(asked.body)["id"];
  EXPECT_EQ(state_on_b(), "needs_info");
  ASSERT_TRUE(reaches_a("needs_info")) << Tracking(id).dump();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto ids = a_->InboxIds("shop-denhaag");
        return std::count(ids.begin(), ids.end(), question_id) == 1;
      },
      std::chrono::seconds(20)));
  auto on_a = a_->Get("/v1/messages/" + question_id, "shop-denhaag");
  ASSERT_EQ(on_a.status, 200) << on_a.body;
  EXPECT_EQ(json::parse(on_a.body)["follows"], id);
  EXPECT_EQ(json::parse(on_a.body)["thread"], id);
  EXPECT_EQ(json::parse(on_a.body)["payload"], question["payload"]);  // sealed end to end

  // The coordinator answers on A: the delivery is received again on A at once, and on B when
  // the report arrives; the answer reaches the shelter in the thread.
  json answer = {{"kind", "answer"},
                 {"follows", question_id},
                 {"follow_reason", "answer about the intake"},
                 {"subject_ref", subject}};
  answer["payload"] =
      Sealer(a_->dep->dir())
          .SealBase64("shop-denhaag", {"wende-denhaag", "shop-denhaag"}, "synthetic answer");
  auto answered = a_->Post("/v1/messages", answer.dump(), "shop-denhaag");
  ASSERT_EQ(answered.status, 202) << answered.body;
  const std::string answer_id = json::parse(answered.body)["id"];
  EXPECT_EQ(StateOf(id, "wende-denhaag"), "received");
  ASSERT_TRUE(WaitFor([&] { return state_on_b() == "received"; }, std::chrono::seconds(20)));
  ASSERT_TRUE(
      WaitFor([&] { return b_->Get("/v1/messages/" + answer_id, "wende-denhaag").status == 200; },
              std::chrono::seconds(20)));
  const json answer_on_b = json::parse(b_->Get("/v1/messages/" + answer_id, "wende-denhaag").body);
  EXPECT_EQ(answer_on_b["follows"], question_id);
  EXPECT_EQ(answer_on_b["thread"], id);
  EXPECT_EQ(Sealer(b_->dep->dir()).Open("wende-denhaag", answer_on_b["payload"]),
            "synthetic answer");

  // The shelter accepts on B; A's tracking shows who, and the coordinator has a notice.
  auto accepted = b_->Post("/v1/messages/" + id + "/status", json({{"state", "accepted"}}).dump(),
                           "wende-denhaag");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  ASSERT_TRUE(reaches_a("accepted")) << Tracking(id).dump();
  const json wende = RecipientIn(Tracking(id), "wende-denhaag");
  std::vector<std::string> states;
  for (const auto& e : wende["events"])
    states.push_back(e["state"]);
  EXPECT_EQ(states, (std::vector<std::string>{"sent", "delivered", "received", "needs_info",
                                              "received", "accepted"}));
  EXPECT_EQ(wende["events"].back()["by"], "wende-denhaag");
  bool noticed = false;
  const json notices = Tracking(id)["notices"];
  for (const auto& n : notices)
    noticed = noticed || (n["about"] == "wende-denhaag" && n["reason"] == "accepted");
  EXPECT_TRUE(noticed) << notices.dump();

  // Signed by the peer or refused: a report with a bad signature, or with a certificate that is
  // not the connection's, changes nothing.
  auto forged = [&](const std::string& certificate_path) {
    json report = {{"id", "r-forged"},
                   {"message_id", id},
                   {"recipient", "wende-denhaag"},
                   {"state", "closed"},
                   {"code", ""},
                   {"reason", ""},
                   {"actor", "wende-denhaag"},
                   {"set", "2026-12-01T10:00:00.000Z"},
                   {"gateway", "gw-b"},
                   {"signature", "MEUCIQ=="}};
    json body = {{"report", report}, {"certificate", ReadFileOrEmpty(certificate_path)}};
    return a_->PostFrom(*b_, "/v1/federation/status", body.dump(), peer_token_a_for_b_);
  };
  auto bad_signature = forged(b_->dep->dir() + "/certs/gateway.cert.pem");
  EXPECT_EQ(bad_signature.status, 422) << bad_signature.body;
  EXPECT_NE(bad_signature.body.find("report_signature_invalid"), std::string::npos);
  auto other_certificate = forged(a_->dep->dir() + "/certs/gateway.cert.pem");
  EXPECT_EQ(other_certificate.status, 403) << other_certificate.body;
  EXPECT_NE(other_certificate.body.find("report_signer_mismatch"), std::string::npos);
  EXPECT_EQ(StateOf(id, "wende-denhaag"), "accepted");

  // Both trails: A took three reports from gw-b in the shelter's name (received, needs_info,
  // accepted) and refused the forgeries; B sent those three and took A's one (received).
  int applied_on_a = 0;
  int refused_on_a = 0;
  for (const json& e : AuditTrail(*a_)) {
    if (e["event"] != "status_change" || e["object"] != id)
      continue;
    if (e["responsible_user"] == "gw-b" && e["organisation"] == "wende-denhaag" &&
        e["outcome"] == "success")
      ++applied_on_a;
    if (e["outcome"] == "report_signature_invalid" || e["outcome"] == "report_signer_mismatch")
      ++refused_on_a;
  }
  EXPECT_EQ(applied_on_a, 3);
  EXPECT_EQ(refused_on_a, 2);
  int reported_by_b = 0;
  int applied_on_b = 0;
  for (const json& e : AuditTrail(*b_)) {
    if (e["object"] != id)
      continue;
    if (e["event"] == "status_report" && e["user"] == "gw-a" && e["outcome"] == "success")
      ++reported_by_b;
    if (e["event"] == "status_change" && e["responsible_user"] == "gw-a" &&
        e["organisation"] == "shop-denhaag" && e["outcome"] == "success")
      ++applied_on_b;
  }
  EXPECT_EQ(reported_by_b, 3);
  EXPECT_EQ(applied_on_b, 1);
  for (Node* n : {a_, b_}) {
    CommandResult verified = RunKetenpoort({"audit", "verify", "--config", n->dep->config_path()});
    EXPECT_EQ(verified.exit_code, 0) << n->id << ": " << verified.err;
  }
}

}  // namespace
}  // namespace ketenpoort::testing
