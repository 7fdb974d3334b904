// The examples at the top of gateway/client's headers, run as written (adapted only as much as
// needed to compile), so that they cannot rot. One TEST per header; scripts/
// check_header_examples.sh fails when a header with a C++ example is not named here. They work
// with a demo deployment made by `ketenpoort init --demo` and a real `ketenpoort serve` of it
// (tests/harness/harness.h).

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/client/api_client.h"
#include "gateway/client/directory_certificates.h"
#include "gateway/client/sealed_content.h"
#include "gateway/client/submission.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/encoding.h"
#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::client {
namespace {

using nlohmann::json;

// A signal from shop-denhaag about a minor in Rotterdam: the demo routes send it to comensha,
// meldpunt-rotterdam and veilig-thuis-rotterdam.
json MinorSignal(const std::string& payload) {
  return {{"kind", "signal"},
          {"routing", {{"region", "GM0599"}, {"age_band", "minor"}, {"exploitation", "sexual"}}},
          {"subject_ref", "1f08c40c287ac474f3f3b0a4133bf082a9bb488d73524fff13b9ff39f75be697"},
          {"legal_basis", "vital_interest"},
          {"payload", payload}};
}

crypto::Certificate OrgCertificate(const testing::Deployment& dep, const std::string& org) {
  auto chain = crypto::LoadPemChainFile(dep.dir() + "/certs/" + org + ".cert.pem");
  EXPECT_TRUE(chain.ok() && !chain->empty());
  return chain->front();
}

// gateway/client/api_client.h
TEST(ClientExamples, ApiClient) {
  auto dep = testing::Deployment::Create();
  testing::GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  const std::string token = dep->Token("shop-denhaag");
  // Sealed for comensha (and the sender) alone, not for the other two the routes name.
  testing::Sealer sealer(dep->dir());
  const json body = MinorSignal(
      sealer.SealBase64("shop-denhaag", {"comensha", "shop-denhaag"}, "synthetic signal"));

  ApiClientOptions options{.base_url = dep->url(), .ca_file = dep->ca_path(), .token = token};
  ApiClient client(options);
  auto dir = client.Get("/v1/directory");  // Result<nlohmann::json>
  auto sent = client.Post("/v1/messages", body, {"Idempotency-Key: k1"});

  ASSERT_TRUE(dir.ok()) << dir.error().ToString();
  ASSERT_TRUE(dir->is_array());
  bool comensha = false;
  for (const json& org : *dir)
    comensha = comensha || org.value("id", "") == "comensha";
  EXPECT_TRUE(comensha) << dir->dump();
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, "envelope_recipient_mismatch");  // the server's code and field
  EXPECT_EQ(sent.error().kind, ErrorKind::kRefused);            // 422
  EXPECT_EQ(sent.error().field, "payload");
  EXPECT_EQ(sent.error().ToString().find(token), std::string::npos);
  EXPECT_EQ(gw.Terminate(), 0);
}

// gateway/client/sealed_content.h
TEST(ClientExamples, SealedContent) {
  auto dep = testing::Deployment::Create();
  const std::string payload = R"({"synthetic":"signal"})";
  const crypto::Certificate shop_cert = OrgCertificate(*dep, "shop-denhaag");
  const crypto::Certificate comensha_cert = OrgCertificate(*dep, "comensha");
  crypto::Keyring keys;
  ASSERT_TRUE(keys.LoadKeyFile("org:shop-denhaag", dep->dir() + "/certs/shop-denhaag.key.pem"));
  crypto::Keyring comensha_keys;
  ASSERT_TRUE(comensha_keys.LoadKeyFile("org:comensha", dep->dir() + "/certs/comensha.key.pem"));
  auto anchors = crypto::LoadPemChainFile(dep->ca_path());
  ASSERT_TRUE(anchors.ok());

  auto envelope = SealContent(keys, "org:shop-denhaag", shop_cert, AsBytes(payload),
                              {comensha_cert});  // also sealed for shop_cert itself
  ASSERT_TRUE(envelope.ok()) << envelope.error().ToString();
  const json message = {{"from", "shop-denhaag"}, {"payload", crypto::Base64Encode(*envelope)}};
  auto content = OpenContent(comensha_keys, "org:comensha", comensha_cert, message, *anchors,
                             shop_cert);  // Result<Bytes>: the payload

  ASSERT_TRUE(content.ok()) << content.error().ToString();
  EXPECT_EQ(AsString(*content), payload);
  // The sender opens what it sent.
  auto own = OpenContent(keys, "org:shop-denhaag", shop_cert, message, *anchors, shop_cert);
  ASSERT_TRUE(own.ok()) << own.error().ToString();
  EXPECT_EQ(AsString(*own), payload);
  // Signed by shop-denhaag, but the message claims another sender: refused.
  auto forged =
      OpenContent(comensha_keys, "org:comensha", comensha_cert, message, *anchors, comensha_cert);
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.error().code, "signer_not_sender");
  auto garbage = OpenContent(comensha_keys, "org:comensha", comensha_cert,
                             {{"from", "shop-denhaag"}, {"payload", "%%%"}}, *anchors, shop_cert);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, "invalid_envelope");
}

// gateway/client/directory_certificates.h
TEST(ClientExamples, DirectoryCertificates) {
  auto dep = testing::Deployment::Create();
  testing::GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  ApiClient client(
      {.base_url = dep->url(), .ca_file = dep->ca_path(), .token = dep->Token("shop-denhaag")});

  auto certs = FetchDirectoryCertificates(client, {"comensha", "politie-cpm-rotterdam"});
  // Result<std::vector<crypto::Certificate>>, in the order asked

  ASSERT_TRUE(certs.ok()) << certs.error().ToString();
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_TRUE(certs->front() == OrgCertificate(*dep, "comensha"));
  auto unknown = FetchDirectoryCertificates(client, {"no-such-org"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "unknown_recipient");
  EXPECT_EQ(gw.Terminate(), 0);
}

// gateway/client/submission.h
TEST(ClientExamples, Submission) {
  RoutingInput in{.kind = "signal", .routing = {{"region", "GM0599"}, {"age_band", "minor"}}};
  EXPECT_EQ(ResolveRequestBody(in),
            json::parse(R"({"kind":"signal","routing":{"age_band":"minor","region":"GM0599"}})"));
  const json answer = {{"recipients", {"comensha", "meldpunt-rotterdam"}},
                       {"rules", json::array()}};
  EXPECT_EQ(ResolvedRecipients(answer).value(),
            (std::vector<std::string>{"comensha", "meldpunt-rotterdam"}));
  EXPECT_EQ(ResolvedRecipients(json::object()).error().code, "invalid_response");
  const Bytes sealed = {1, 2, 3};
  json body = SubmissionBody({.routing = in, .recipients = {"comensha"}, .envelope = sealed});
  EXPECT_EQ(body["payload"], "AQID");
  EXPECT_EQ(body["routing"]["region"], "GM0599");
  EXPECT_FALSE(body.contains("follows"));
  EXPECT_FALSE(body.contains("legal_basis"));
  auto accepted = AcceptedMessage({{"id", "m-1"}, {"recipients", {"comensha"}}});
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->id, "m-1");
  EXPECT_EQ(accepted->recipients, std::vector<std::string>{"comensha"});
  EXPECT_EQ(AcceptedMessage(json::object()).error().code, "invalid_response");
}

}  // namespace
}  // namespace ketenpoort::client
