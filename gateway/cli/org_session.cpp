#include "gateway/cli/org_session.h"

#include <cstdio>
#include <cstdlib>

#include "gateway/cli/commands.h"
#include "gateway/core/organisation.h"
#include "gateway/io/file.h"

namespace ketenpoort::cli {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxTokenBytes = 4096;

// A token is one line of visible ASCII; anything else would corrupt the Authorization header.
Result<std::string> CleanToken(std::string text, const std::string& source) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  if (text.empty())
    return InvalidArgument("empty_token", "the API token is empty", source);
  for (char c : text) {
    if (c <= ' ' || c > '~')
      return InvalidArgument("invalid_token", "the API token is not one line of text", source);
  }
  return text;
}

// Where the token comes from: --token-file, $KETENPOORT_TOKEN, or the deployment's file.
std::string TokenSource(const OrgSessionOptions& o, const std::string& dir) {
  if (!o.token_file.empty())
    return o.token_file;
  if (const char* env = std::getenv("KETENPOORT_TOKEN"); env != nullptr && *env != '\0')
    return "KETENPOORT_TOKEN";
  return dir + "/tokens/" + o.org + ".token";
}

Result<std::string> LoadToken(const OrgSessionOptions& o, const std::string& dir) {
  const std::string source = TokenSource(o, dir);
  if (source == "KETENPOORT_TOKEN")
    return CleanToken(std::getenv("KETENPOORT_TOKEN"), source);
  KP_ASSIGN_OR_RETURN(std::string text, io::ReadFile(source, kMaxTokenBytes));
  return CleanToken(std::move(text), source);
}

// A token of another organisation than --as would have the gateway refuse what is signed and
// sealed as --as with an error about envelopes or certificates: ask whose it is and say so.
// Only a definite answer counts; a gateway that cannot be asked fails the command later with
// its own error.
Status CheckTokenOrganisation(const client::ApiClient& client, const std::string& org,
                              const std::string& source) {
  auto whoami = client.Get("/v1/whoami");
  if (!whoami || !whoami->is_object())
    return Ok();
  auto token_org = whoami->find("org");
  if (token_org == whoami->end() || !token_org->is_string() || *token_org == org)
    return Ok();
  return InvalidArgument("token_of_other_organisation",
                         "this token belongs to organisation '" + token_org->get<std::string>() +
                             "', not to '" + org + "' (--as)",
                         source);
}

}  // namespace

OrgSessionOptions OrgSessionOptions::FromFlags(const ParsedFlags& flags) {
  return OrgSessionOptions{.config_file = flags.Get("config"),
                           .org = flags.Get("as"),
                           .url = flags.Get("url"),
                           .ca_file = flags.Get("ca"),
                           .token_file = flags.Get("token-file"),
                           .key_file = flags.Get("key"),
                           .cert_file = flags.Get("cert")};
}

std::vector<Flag> OrgSessionFlags() {
  return {
      {"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
      {"as", "ORG", "the organisation to act as (its token, key and certificate)", Flag::kRequired},
      {"url", "URL", "gateway base URL (default https://HOST:PORT from the config's listen)"},
      {"ca", "FILE", "CA certificate(s) to verify the gateway (default DIR/certs/ca.cert.pem)"},
      {"token-file", "FILE",
       "API token file (default $KETENPOORT_TOKEN, else DIR/tokens/ORG.token)"},
      {"key", "FILE", "organisation private key (default DIR/certs/ORG.key.pem, mode 0600)"},
      {"cert", "FILE", "organisation certificate (default DIR/certs/ORG.cert.pem)"},
  };
}

std::string GatewayUrlFor(const config::ListenConfig& listen) {
  std::string host = listen.host;
  if (host.empty() || host == "0.0.0.0")
    host = "127.0.0.1";
  else if (host == "::")
    host = "::1";
  if (host.find(':') != std::string::npos)
    host = "[" + host + "]";
  return "https://" + host + ":" + std::to_string(listen.port);
}

std::string OrgSession::DefaultCaFile() const {
  return config_.base_dir + "/certs/ca.cert.pem";
}

Result<std::unique_ptr<OrgSession>> OrgSession::Open(const OrgSessionOptions& o, bool need_key) {
  if (!IsValidOrgId(o.org)) {
    return InvalidArgument("invalid_org", "not an organisation id (lower-case letters, digits, -)",
                           "--as");
  }
  std::unique_ptr<OrgSession> s(new OrgSession());
  KP_ASSIGN_OR_RETURN(s->config_, config::LoadGatewayConfig(o.config_file));
  s->org_ = o.org;
  const std::string& dir = s->config_.base_dir;

  client::ApiClientOptions client;
  client.base_url = o.url.empty() ? GatewayUrlFor(s->config_.listen) : o.url;
  while (!client.base_url.empty() && client.base_url.back() == '/')
    client.base_url.pop_back();
  if (client.base_url.rfind("https://", 0) != 0)
    return InvalidArgument("invalid_url", "the gateway URL must start with https://", "--url");
  client.ca_file = o.ca_file.empty() ? s->DefaultCaFile() : o.ca_file;
  // Fail early, naming the file, rather than with a TLS error later.
  KP_RETURN_IF_ERROR(crypto::LoadPemChainFile(client.ca_file));
  KP_ASSIGN_OR_RETURN(client.token, LoadToken(o, dir));

  bool mutual_tls = !s->config_.listen.client_ca.empty();
  if (need_key || mutual_tls) {
    std::string cert_file =
        o.cert_file.empty() ? dir + "/certs/" + o.org + ".cert.pem" : o.cert_file;
    std::string key_file = o.key_file.empty() ? dir + "/certs/" + o.org + ".key.pem" : o.key_file;
    KP_ASSIGN_OR_RETURN(crypto::Certificate cert, crypto::Certificate::LoadPemFile(cert_file));
    s->keyring_ = std::make_unique<crypto::Keyring>();
    s->key_id_ = "org:" + o.org;
    auto loaded = s->keyring_->LoadKeyFile(s->key_id_, key_file);
    if (!loaded) {
      Error e = std::move(loaded).error();
      if (e.field.empty())
        e.field = key_file;
      return e;
    }
    KP_ASSIGN_OR_RETURN(std::string public_pem, s->keyring_->PublicKeyPem(s->key_id_));
    if (public_pem != cert.PublicKeyPem()) {
      return InvalidArgument("key_certificate_mismatch",
                             "the key does not belong to certificate " + cert_file, key_file);
    }
    s->certificate_ = std::make_unique<crypto::Certificate>(std::move(cert));
    if (mutual_tls) {
      client.keyring = s->keyring_.get();
      client.client_key_id = s->key_id_;
      client.client_chain = {*s->certificate_};
    }
  }
  s->client_ = std::make_unique<client::ApiClient>(std::move(client));
  KP_RETURN_IF_ERROR(CheckTokenOrganisation(*s->client_, o.org, TokenSource(o, dir)));
  return s;
}

int FailProblem(const Error& error) {
  std::fprintf(stderr, "ketenpoort: %s (%s)\n", error.ToString().c_str(), error.code.c_str());
  return kExitProblem;
}

}  // namespace ketenpoort::cli
