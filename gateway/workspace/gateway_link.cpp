#include "gateway/workspace/gateway_link.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <utility>

#include "gateway/client/directory_certificates.h"
#include "gateway/client/sealed_content.h"
#include "gateway/config/config_reader.h"
#include "gateway/crypto/detached_envelope.h"

namespace ketenpoort::workspace {

namespace {

using nlohmann::json;

// The token file's one line, without surrounding white space.
Result<std::string> ReadToken(const std::string& file) {
  KP_ASSIGN_OR_RETURN(std::string text, config::ReadConfigFile(file));
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  if (first == std::string::npos)
    return InvalidArgument("invalid_token_file", "holds no token", file);
  std::string token = text.substr(first, last - first + 1);
  if (token.find_first_of(" \t\r\n") != std::string::npos)
    return InvalidArgument("invalid_token_file", "holds more than one line", file);
  return token;
}

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

Result<std::unique_ptr<GatewayLink>> GatewayLink::Open(const WorkspaceOrganisation& org) {
  std::unique_ptr<GatewayLink> link(new GatewayLink());
  link->org_ = org;
  link->key_id_ = "org:" + org.id;
  KP_ASSIGN_OR_RETURN(crypto::Certificate cert, crypto::Certificate::LoadPemFile(org.cert_file));
  link->keyring_ = std::make_unique<crypto::Keyring>();
  if (auto loaded = link->keyring_->LoadKeyFile(link->key_id_, org.key_file); !loaded) {
    Error e = std::move(loaded).error();
    if (e.field.empty())
      e.field = org.key_file;
    return e;
  }
  KP_ASSIGN_OR_RETURN(std::string public_pem, link->keyring_->PublicKeyPem(link->key_id_));
  if (public_pem != cert.PublicKeyPem()) {
    return InvalidArgument("key_certificate_mismatch",
                           "the key does not belong to certificate " + org.cert_file, org.key_file);
  }
  link->certificate_ = std::make_unique<crypto::Certificate>(std::move(cert));
  const std::string& anchors = org.trust_anchors.empty() ? org.ca_file : org.trust_anchors;
  if (anchors.empty()) {
    return InvalidArgument("missing_trust_anchors",
                           "names neither trust_anchors nor ca_file: a signature cannot be checked",
                           "organisations." + org.id);
  }
  KP_ASSIGN_OR_RETURN(link->anchors_, crypto::LoadPemChainFile(anchors));
  if (FileExists(org.pseudonym_key_file)) {
    KP_RETURN_IF_ERROR(
        link->keyring_->LoadPseudonymSecretFile(link->key_id_, org.pseudonym_key_file));
  }
  client::ApiClientOptions options;
  options.base_url = org.gateway_url;
  while (!options.base_url.empty() && options.base_url.back() == '/')
    options.base_url.pop_back();
  options.ca_file = org.ca_file;
  KP_ASSIGN_OR_RETURN(options.token, ReadToken(org.token_file));
  // Presented when the gateway asks for a client certificate (listen.client_ca); unused else.
  options.keyring = link->keyring_.get();
  options.client_key_id = link->key_id_;
  options.client_chain = {*link->certificate_};
  options.timeout_ms = 30000;
  link->client_ = std::make_unique<client::ApiClient>(std::move(options));
  return link;
}

std::vector<std::string> GatewayLink::Headers(const std::string& user,
                                              const std::vector<std::string>& more) const {
  std::vector<std::string> h = more;
  h.push_back(std::string(kActingUserHeader) + ": " + user);
  return h;
}

Result<json> GatewayLink::Get(const std::string& user, const std::string& path,
                              const std::vector<client::QueryParam>& query) const {
  return client_->Get(path, query, Headers(user));
}

Result<json> GatewayLink::Post(const std::string& user, const std::string& path, const json& body,
                               const std::vector<std::string>& headers) const {
  return client_->Post(path, body, Headers(user, headers));
}

Result<std::string> GatewayLink::Download(const std::string& user, const std::string& path) const {
  // open_memstream keeps the bytes in memory: an attachment is never written to disk here.
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = ::open_memstream(&buffer, &size);
  if (out == nullptr)
    return Internal("out_of_memory", "cannot hold the download");
  auto got = client_->DownloadTo(path, out, Headers(user));
  std::fclose(out);
  std::string bytes(buffer == nullptr ? "" : std::string(buffer, size));
  std::free(buffer);
  if (!got)
    return got.error();
  return bytes;
}

Result<json> GatewayLink::Directory(const std::string& user) const {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(directory_mutex_);
    if (directory_.is_array() && now - directory_at_ < kDirectoryTtl)
      return directory_;
  }
  KP_ASSIGN_OR_RETURN(json fetched, Get(user, "/v1/directory"));
  if (!fetched.is_array())
    return Internal("invalid_response", "the directory is not a JSON array");
  std::lock_guard lock(directory_mutex_);
  directory_ = fetched;
  directory_at_ = now;
  return fetched;
}

std::string GatewayLink::OrganisationName(const std::string& user, const std::string& org) const {
  auto directory = Directory(user);
  if (directory) {
    for (const json& entry : *directory) {
      if (entry.value("id", "") == org)
        return entry.value("name", org);
    }
  }
  return org;
}

Result<Bytes> GatewayLink::Seal(const std::string& user, ByteView content,
                                const std::vector<std::string>& to) const {
  KP_ASSIGN_OR_RETURN(json directory, Directory(user));
  KP_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> certs,
                      client::DirectoryCertificates(directory, to));
  return client::SealContent(*keyring_, key_id_, *certificate_, content, std::move(certs));
}

Result<Bytes> GatewayLink::Open(const std::string& user, const json& message) const {
  const std::string from = message.value("from", "");
  KP_ASSIGN_OR_RETURN(json directory, Directory(user));
  KP_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> sender,
                      client::DirectoryCertificates(directory, {from}));
  return client::OpenContent(*keyring_, key_id_, *certificate_, message, anchors_, sender.front());
}

Result<Bytes> GatewayLink::OpenDetached(ByteView envelope_der, std::string_view ciphertext) const {
  KP_ASSIGN_OR_RETURN(crypto::UnlockedEnvelope key,
                      keyring_->UnlockEnvelope(key_id_, *certificate_, envelope_der));
  // DetachedReader reads a path; an anonymous memory file gives it one without touching disk.
  const int fd = ::memfd_create("kp-attachment", MFD_CLOEXEC);
  if (fd < 0)
    return Internal("out_of_memory", "cannot hold the attachment");
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  std::size_t written = 0;
  while (written < ciphertext.size()) {
    const ssize_t n = ::write(fd, ciphertext.data() + written, ciphertext.size() - written);
    if (n <= 0)
      return Internal("out_of_memory", "cannot hold the attachment");
    written += static_cast<std::size_t>(n);
  }
  KP_ASSIGN_OR_RETURN(
      crypto::DetachedReader reader,
      crypto::DetachedReader::Open(std::move(key), "/proc/self/fd/" + std::to_string(fd)));
  Bytes plain;
  std::vector<std::uint8_t> buffer(64 * 1024);
  for (;;) {
    KP_ASSIGN_OR_RETURN(std::size_t n, reader.Read(buffer));
    if (n == 0)
      break;
    plain.insert(plain.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return plain;
}

bool GatewayLink::HasPseudonymSecret() const {
  return keyring_->HasPseudonymSecret(key_id_);
}

Result<std::string> GatewayLink::Pseudonym(std::string_view client_number) const {
  if (!HasPseudonymSecret()) {
    return Refused("no_pseudonym_secret", "this workspace has no pseudonym secret for " + org_.id,
                   "pseudonym_key_file");
  }
  auto ref = keyring_->Pseudonym(key_id_, client_number);
  if (!ref && ref.error().code == "invalid_client_number") {
    Error e = ref.error();
    e.field = "client_number";
    return e;
  }
  return ref;
}

}  // namespace ketenpoort::workspace
