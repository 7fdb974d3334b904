#include "tests/harness/sealer.h"

#include <stdexcept>

#include "gateway/crypto/certificate.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/envelope.h"

namespace ketenpoort::testing {

namespace {

crypto::Certificate Cert(const std::string& dir, const std::string& org) {
  auto cert = crypto::Certificate::LoadPemFile(dir + "/certs/" + org + ".cert.pem");
  if (!cert)
    throw std::runtime_error("no certificate for " + org + ": " + cert.error().ToString());
  return *cert;
}

}  // namespace

Sealer::Sealer(std::string deployment_dir) : dir_(std::move(deployment_dir)) {}

void Sealer::Load(const std::string& org) {
  if (keys_.Has(org))
    return;
  if (auto s = keys_.LoadKeyFile(org, dir_ + "/certs/" + org + ".key.pem"); !s)
    throw std::runtime_error("cannot load key of " + org + ": " + s.error().ToString());
}

std::string Sealer::SealBase64(const std::string& sender,
                               const std::vector<std::string>& recipients,
                               const std::string& content) {
  Load(sender);
  auto signed_der = keys_.SignCms(sender, Cert(dir_, sender), AsBytes(content));
  if (!signed_der)
    throw std::runtime_error("sign: " + signed_der.error().ToString());
  std::vector<crypto::Certificate> certs;
  for (const std::string& org : recipients)
    certs.push_back(Cert(dir_, org));
  auto sealed = crypto::SealCms(*signed_der, certs);
  if (!sealed)
    throw std::runtime_error("seal: " + sealed.error().ToString());
  return crypto::Base64Encode(*sealed);
}

std::string Sealer::Open(const std::string& org, const std::string& base64_payload) {
  Load(org);
  auto der = crypto::Base64Decode(base64_payload);
  if (!der)
    return "";
  auto inner = keys_.DecryptCms(org, Cert(dir_, org), *der);
  if (!inner)
    return "";
  auto ca = crypto::Certificate::LoadPemFile(dir_ + "/certs/ca.cert.pem");
  if (!ca)
    return "";
  auto verified = crypto::VerifySignedData(*inner, {*ca});
  if (!verified)
    return "";
  return std::string(verified->content.begin(), verified->content.end());
}

}  // namespace ketenpoort::testing
