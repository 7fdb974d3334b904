// `ketenpoort peer invite|join` between two real gateways made by `ketenpoort init --demo`: one
// exchange each way, and messages and status reports flow in both directions; a damaged bundle
// changes nothing. A announces shop-denhaag, B comensha (both demo deployments hold every demo
// organisation; the join moves the announced ones to their gateway).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;

void WriteText(const std::string& path, const std::string& text) {
  ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

// The files `peer join` may change, with their content.
std::map<std::string, std::string> Files(const Deployment& d) {
  std::map<std::string, std::string> out;
  for (const char* f : {"gateway.json", "directory.json", "certs/peers.pem", "certs/clients.pem",
                        "tokens/gw-a.peer.token", "tokens/gw-b.peer.token"})
    out[f] = ReadFileOrEmpty(d.dir() + "/" + f);
  return out;
}

class PeerJoinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = Deployment::Create();
    b_ = Deployment::Create();
    for (auto [d, id] : {std::pair{a_.get(), "gw-a"}, std::pair{b_.get(), "gw-b"}}) {
      json config = json::parse(ReadFileOrEmpty(d->config_path()));
      config["gateway"]["id"] = id;
      ::unlink(d->config_path().c_str());
      WriteText(d->config_path(), config.dump(2));
    }
  }
  void TearDown() override {
    for (auto* p : {&gw_a_, &gw_b_}) {
      if (*p) {
        EXPECT_EQ((*p)->Terminate(), 0);
      }
    }
  }

  // `peer invite` on `at` for `peer`, announcing `orgs`; the bundle's file.
  std::string Invite(const Deployment& at, const std::string& peer, const std::string& orgs) {
    CommandResult r = RunKetenpoort({"peer", "invite", "--config", at.config_path(), "--peer", peer,
                                     "--url", at.url(), "--orgs", orgs});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const std::string file = at.dir() + "/bundle-for-" + peer + ".txt";
    WriteText(file, r.out);
    return file;
  }
  static CommandResult Join(const Deployment& at, const std::string& bundle_file) {
    return RunKetenpoort({"peer", "join", "--config", at.config_path(), "--bundle", bundle_file});
  }
  // A client of `d` presenting `org`'s certificate (mutual TLS after the join).
  static HttpsClient Client(const Deployment& d, const std::string& org) {
    return HttpsClient(d.ca_path(), {.client_cert = d.dir() + "/certs/" + org + ".cert.pem",
                                     .client_key = d.dir() + "/certs/" + org + ".key.pem"});
  }
  static json Tracking(const Deployment& a, const std::string& id) {
    auto r = Client(a, "shop-denhaag")
                 .Get(a.url() + "/v1/messages/" + id + "/tracking", a.Token("shop-denhaag"));
    return r.status == 200 ? json::parse(r.body) : json::object();
  }
  static std::string StateOf(const Deployment& a, const std::string& id, const std::string& org) {
    const json t = Tracking(a, id);
    for (const json& r : t.value("recipients", json::array())) {
      if (r["org"] == org)
        return r["state"];
    }
    return "";
  }

  std::unique_ptr<Deployment> a_, b_;
  std::unique_ptr<GatewayProcess> gw_a_, gw_b_;
};

TEST_F(PeerJoinTest, OneExchangeEachWayConnectsBothDirections) {
  const std::string for_b = Invite(*a_, "gw-b", "shop-denhaag");
  CommandResult b_joins = Join(*b_, for_b);
  ASSERT_EQ(b_joins.exit_code, 0) << b_joins.err;
  EXPECT_NE(b_joins.out.find("next: ketenpoort peer invite"), std::string::npos) << b_joins.out;
  const std::string for_a = Invite(*b_, "gw-a", "comensha");
  CommandResult a_joins = Join(*a_, for_a);
  ASSERT_EQ(a_joins.exit_code, 0) << a_joins.err;
  EXPECT_NE(a_joins.out.find("now bound"), std::string::npos) << a_joins.out;
  // Joining again changes nothing.
  auto before = Files(*a_);
  CommandResult again = Join(*a_, for_a);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 file(s) changed"), std::string::npos) << again.out;
  EXPECT_EQ(Files(*a_), before);
  for (const Deployment* d : {a_.get(), b_.get()}) {
    CommandResult checked = RunKetenpoort({"check", "--config", d->config_path()});
    EXPECT_NE(checked.exit_code, 2) << checked.out << checked.err;
  }

  gw_b_ = std::make_unique<GatewayProcess>(b_->config_path());
  ASSERT_TRUE(gw_b_->Start(b_->port(), b_->ca_path(), 15000,
                           {.client_cert = b_->dir() + "/certs/comensha.cert.pem",
                            .client_key = b_->dir() + "/certs/comensha.key.pem"}))
      << gw_b_->error;
  gw_a_ = std::make_unique<GatewayProcess>(a_->config_path());
  ASSERT_TRUE(gw_a_->Start(a_->port(), a_->ca_path(), 15000,
                           {.client_cert = a_->dir() + "/certs/shop-denhaag.cert.pem",
                            .client_key = a_->dir() + "/certs/shop-denhaag.key.pem"}))
      << gw_a_->error;

  // A to B: a signal from shop-denhaag for comensha arrives on B with B's signed receipt.
  json signal = {
      {"kind", "signal"},
      {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
      {"subject_ref", "0f3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a"},
      {"legal_basis", "vital_interest"},
      {"recipients", {"comensha"}}};
  signal["payload"] = Sealer(a_->dir()).SealBase64("shop-denhaag", {"comensha", "shop-denhaag"},
                                                   "synthetic signal across a joined pair");
  auto sent = Client(*a_, "shop-denhaag")
                  .Post(a_->url() + "/v1/messages", signal.dump(), a_->Token("shop-denhaag"));
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string id = json::parse(sent.body)["id"];
  ASSERT_TRUE(WaitFor([&] { return StateOf(*a_, id, "comensha") == "delivered"; },
                      std::chrono::seconds(20)))
      << Tracking(*a_, id).dump();
  // B to A: comensha reads it on B, and A's tracking shows it from B's status report.
  auto read = Client(*b_, "comensha").Get(b_->url() + "/v1/messages/" + id, b_->Token("comensha"));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(json::parse(read.body)["payload"], signal["payload"]);
  ASSERT_TRUE(
      WaitFor([&] { return StateOf(*a_, id, "comensha") == "received"; }, std::chrono::seconds(20)))
      << Tracking(*a_, id).dump();
}

TEST_F(PeerJoinTest, ADamagedOrForeignBundleChangesNothing) {
  const std::string for_b = Invite(*a_, "gw-b", "shop-denhaag");
  std::string text = ReadFileOrEmpty(for_b);
  const auto before = Files(*b_);
  struct Case {
    std::string what, text;
  };
  std::string flipped = text;
  flipped[text.size() / 2] = flipped[text.size() / 2] == 'A' ? 'B' : 'A';
  for (const Case& c : std::vector<Case>{{"truncated", text.substr(0, text.size() / 2)},
                                         {"flipped", flipped},
                                         {"not a bundle", "hello\n"}}) {
    const std::string file = b_->dir() + "/damaged.txt";
    WriteText(file, c.text);
    CommandResult r = Join(*b_, file);
    EXPECT_EQ(r.exit_code, 2) << c.what << ": " << r.out;
    EXPECT_NE(r.err.find("bundle"), std::string::npos) << c.what << ": " << r.err;
    EXPECT_EQ(Files(*b_), before) << c.what;
  }
  // Its own bundle, and a missing option.
  const std::string own = Invite(*b_, "gw-a", "comensha");
  CommandResult self = Join(*b_, own);
  EXPECT_EQ(self.exit_code, 2) << self.out;
  CommandResult usage = RunKetenpoort({"peer", "join", "--config", b_->config_path()});
  EXPECT_EQ(usage.exit_code, 2);
  CommandResult bad_org = RunKetenpoort(
      {"peer", "invite", "--config", a_->config_path(), "--peer", "gw-b", "--orgs", "nobody-here"});
  EXPECT_EQ(bad_org.exit_code, 2) << bad_org.out;
  EXPECT_EQ(Files(*b_), before);
}

}  // namespace
}  // namespace ketenpoort::testing
