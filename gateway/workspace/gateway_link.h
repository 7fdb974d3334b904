// One organisation's link from the workspace to its gateway: the API token, the organisation's
// key (in a keyring of its own) and certificate, its pseudonym secret, and the gateway's
// directory. Every page that talks to the gateway goes through here, so that every request
// names the person acting and every message is sealed and opened in the workspace.
//
//   // (compiled in examples_test.cpp)
//   auto link = GatewayLink::Open(*config.FindOrganisation("shop-denhaag"));
//   if (!link) return link.error();                        // a missing token, key or certificate
//   auto inbox = (*link)->Get("j.devries", "/v1/inbox");   // as j.devries of shop-denhaag
//   auto envelope = (*link)->Seal("j.devries", AsBytes(payload), {"comensha"});
//   auto content = (*link)->Open("j.devries", message);    // decrypted and verified, in memory
//   auto ref = (*link)->Pseudonym("2026-0042");            // the client's pseudonym
//
// Contract:
// - Open reads token_file, key_file (through crypto::Keyring, id "org:ORG"), cert_file (the key
//   must belong to it), the trust anchors (trust_anchors, else ca_file) and, when the file
//   exists, the pseudonym secret. Errors name the file, never its content.
// - Get, Post and Download send the request as the workspace token with the header
//   `Ketenpoort-Acting-User: USER` (docs/API.md, roles): the gateway records USER in its audit
//   trail. USER is the staff member's username; the gateway refuses a malformed one.
// - Seal signs with the organisation's key and seals for the directory certificates of `to` and
//   for the organisation itself (client/sealed_content.h). Open checks the content against the
//   directory certificate of the message's "from" and the trust anchors. Nothing decrypted is
//   written to disk: Download returns the bytes in memory.
// - The directory is fetched once and kept for a minute (kDirectoryTtl); a certificate or an
//   organisation that changes in the gateway's directory shows here within that time.
// - Thread-safe: the pages of many requests use one link at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/client/api_client.h"
#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"
#include "gateway/workspace/workspace_config.h"

namespace ketenpoort::workspace {

// The header a workspace token names the acting person with.
inline constexpr char kActingUserHeader[] = "Ketenpoort-Acting-User";

class GatewayLink {
 public:
  static constexpr std::chrono::seconds kDirectoryTtl{60};

  static Result<std::unique_ptr<GatewayLink>> Open(const WorkspaceOrganisation& org);

  const WorkspaceOrganisation& organisation() const { return org_; }

  Result<nlohmann::json> Get(const std::string& user, const std::string& path,
                             const std::vector<client::QueryParam>& query = {}) const;
  Result<nlohmann::json> Post(const std::string& user, const std::string& path,
                              const nlohmann::json& body,
                              const std::vector<std::string>& headers = {}) const;
  // The body of GET `path` (an attachment), in memory.
  Result<std::string> Download(const std::string& user, const std::string& path) const;

  // GET /v1/directory, from the cache when fresh. Fetched as `user`.
  Result<nlohmann::json> Directory(const std::string& user) const;
  // The organisation's name in the directory, else its id.
  std::string OrganisationName(const std::string& user, const std::string& org) const;

  Result<Bytes> Seal(const std::string& user, ByteView content,
                     const std::vector<std::string>& to) const;
  // `message`: the gateway's answer for GET /v1/messages/ID.
  Result<Bytes> Open(const std::string& user, const nlohmann::json& message) const;

  // A file sealed apart from its message (a secure-mail reply's upload): `ciphertext` as
  // Download fetched it, opened with `envelope_der` (crypto/detached_envelope.h) for this
  // organisation's key. In memory only: the ciphertext is read through an anonymous memory
  // file (memfd), never a file on disk. The GCM tag is checked before anything is returned.
  Result<Bytes> OpenDetached(ByteView envelope_der, std::string_view ciphertext) const;

  bool HasPseudonymSecret() const;
  // kFailedPrecondition "no_pseudonym_secret" without the secret; kInvalidArgument
  // "invalid_client_number" (field "client_number") for a bad number.
  Result<std::string> Pseudonym(std::string_view client_number) const;

 private:
  GatewayLink() = default;
  std::vector<std::string> Headers(const std::string& user,
                                   const std::vector<std::string>& more = {}) const;

  WorkspaceOrganisation org_;
  std::string key_id_;
  std::unique_ptr<crypto::Keyring> keyring_;  // stable address: client_ points into it
  std::unique_ptr<crypto::Certificate> certificate_;
  std::vector<crypto::Certificate> anchors_;
  std::unique_ptr<client::ApiClient> client_;

  mutable std::mutex directory_mutex_;
  mutable nlohmann::json directory_;
  mutable std::chrono::steady_clock::time_point directory_at_{};
};

}  // namespace ketenpoort::workspace
