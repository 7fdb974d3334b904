// `ketenpoort peer invite|join`: connect two gateways with one exchange each way.
//
//   gw-a$ ketenpoort peer invite --config gateway.json --peer gw-b > for-gw-b.txt
//   gw-b$ ketenpoort peer join --config gateway.json --bundle for-gw-b.txt
//   gw-b$ ketenpoort peer invite --config gateway.json --peer gw-a > for-gw-a.txt
//   gw-a$ ketenpoort peer join --config gateway.json --bundle for-gw-a.txt
//   (restart both gateways)
//
// invite prints a bundle (cli/peer_bundle.h) with this gateway's id, URL, CA, TLS certificate,
// the organisations it serves and a new peer token for the invited gateway. That token opens
// nothing until this gateway joins the invited gateway's own bundle: then it is bound to that
// gateway's URL and certificate (auth/api_token.h). When this gateway joined that bundle
// first (the second invite of an exchange), the token is bound at once. join installs the other
// gateway: its CA among the trust anchors and the client CAs (so this gateway accepts its
// connections and trusts its receipts), its organisations in directory.json (served by its URL,
// with their certificates), the token in tokens/GATEWAY.peer.token, its TLS certificate in
// certs/peer-GATEWAY.cert.pem and the peer in federation.peers; and it binds the invitation this
// gateway made for it, if any. Every file is replaced whole (write, fsync, rename); joining the
// same bundle again changes nothing.
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/auth/api_token.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/cli/peer_bundle.h"
#include "gateway/core/directory.h"
#include "gateway/core/gateway_url.h"
#include "gateway/core/organisation.h"
#include "gateway/crypto/certificate.h"
#include "gateway/io/file.h"

namespace ketenpoort::cli {

namespace {

using nlohmann::json;

// The mode of `path`, or `fallback` when it does not exist.
mode_t ModeOf(const std::string& path, mode_t fallback) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : fallback;
}

// `pem` with `cert` appended unless a certificate of the same fingerprint is in it already.
Result<std::string> WithCertificate(const std::string& pem, const crypto::Certificate& cert) {
  if (!pem.empty()) {
    KP_ASSIGN_OR_RETURN(auto chain, crypto::ParsePemChain(pem));
    for (const crypto::Certificate& c : chain) {
      if (c.Sha256Fingerprint() == cert.Sha256Fingerprint())
        return pem;
    }
  }
  std::string out = pem;
  if (!out.empty() && out.back() != '\n')
    out += '\n';
  return out + cert.ToPem();
}

// `path`'s content, or "" when it does not exist.
Result<std::string> ReadIfExists(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0)
    return std::string();
  return io::ReadFile(path);
}

// Replaces `path` with `content` when it differs; true when it changed.
Result<bool> Update(const std::string& path, const std::string& content, mode_t mode) {
  KP_ASSIGN_OR_RETURN(std::string now, ReadIfExists(path));
  if (now == content && ::access(path.c_str(), F_OK) == 0)
    return false;
  KP_RETURN_IF_ERROR(io::ReplaceFile(path, content, ModeOf(path, mode)));
  return true;
}

// Where `peer join` keeps a joined gateway's TLS certificate, for `peer invite` to bind to.
std::string PeerCertificatePath(const config::GatewayConfig& c, const std::string& gateway) {
  return c.base_dir + "/certs/peer-" + gateway + ".cert.pem";
}

// This gateway's URL as peers should name it: --url, else from listen (a wildcard host becomes
// the machine's name).
std::string OwnUrl(const config::GatewayConfig& c, const ParsedFlags& flags) {
  if (flags.Has("url"))
    return flags.Get("url");
  std::string host = c.listen.host;
  if (host == "0.0.0.0" || host == "::" || host.empty()) {
    char name[HOST_NAME_MAX + 1] = {};
    host = ::gethostname(name, sizeof name) == 0 ? name : "localhost";
  }
  return "https://" + host + ":" + std::to_string(c.listen.port);
}

int Invite(const ParsedFlags& flags) {
  auto deployment = OpenDeploymentDatabase(flags.Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  const config::GatewayConfig& c = deployment->config;
  const std::string peer = flags.Get("peer");
  if (!IsValidOrgId(peer) || peer == c.gateway_id) {
    return Fail(InvalidArgument(
        "invalid_option", "the id of another gateway (its gateway.id), not this one's", "--peer"));
  }
  PeerBundle b;
  b.gateway = c.gateway_id;
  b.url = OwnUrl(c, flags);
  if (!ParseGatewayUrl(b.url))
    return Fail(InvalidArgument("invalid_option", "must be an https URL", "--url"));
  const std::string ca_file = flags.Has("ca") ? flags.Get("ca") : c.base_dir + "/certs/ca.cert.pem";
  auto ca = crypto::LoadPemChainFile(ca_file);
  if (!ca || ca->size() != 1)
    return Fail(InvalidArgument("invalid_option", "must hold this gateway's CA certificate",
                                flags.Has("ca") ? "--ca" : ca_file));
  b.ca_pem = ca->front().ToPem();
  auto chain = crypto::LoadPemChainFile(c.listen.tls_cert);
  if (!chain || chain->empty())
    return Fail(
        chain ? InvalidArgument("invalid_certificate", "holds no certificate", c.listen.tls_cert)
              : chain.error());
  if (!crypto::VerifyIssuedBy(chain->front(), *ca)) {
    return Fail(InvalidArgument("invalid_option",
                                "does not hold the CA of this gateway's TLS certificate",
                                flags.Has("ca") ? "--ca" : ca_file));
  }
  b.certificate_pem = chain->front().ToPem();
  auto directory = LoadDeploymentDirectory(c);
  if (!directory)
    return Fail(directory.error());
  std::set<std::string> wanted;
  if (flags.Has("orgs")) {
    std::string list = flags.Get("orgs");
    for (std::size_t start = 0; start <= list.size();) {
      std::size_t end = list.find(',', start);
      if (end == std::string::npos)
        end = list.size();
      if (end > start)
        wanted.insert(list.substr(start, end - start));
      start = end + 1;
    }
  }
  std::set<std::string> missing = wanted;
  for (const Organisation& o : directory->all()) {
    const bool here = o.gateway_url.empty() && o.kind != OrgKind::kPortal;
    if (wanted.empty() ? !here : wanted.count(o.id) == 0)
      continue;
    if (!here) {
      return Fail(InvalidArgument(
          "invalid_option", "'" + o.id + "' is not an organisation this gateway serves", "--orgs"));
    }
    b.organisations.push_back(OrganisationToJson(o));
    missing.erase(o.id);
  }
  if (!missing.empty()) {
    return Fail(NotFound("unknown_organisation",
                         "'" + *missing.begin() + "' is not in " + c.directory, "--orgs"));
  }
  // Joined that gateway's bundle already? Then its URL and certificate are known here, and the
  // token is bound at once; else it waits for that join.
  PeerBinding known;
  const std::string token_file = c.base_dir + "/tokens/" + peer + ".peer.token";
  for (const config::PeerConfig& p : c.federation.peers) {
    if (p.token_file == token_file)
      known.gateway_url = p.url;
  }
  if (auto joined = crypto::LoadPemChainFile(PeerCertificatePath(c, peer));
      joined && !joined->empty() && !known.gateway_url.empty()) {
    known.cert_sha256 = joined->front().Sha256Fingerprint();
  } else {
    known = {};
  }
  auto token = known.empty() ? auth::IssuePeerInvite(deployment->db, peer, "peer-invite")
                             : auth::IssuePeerToken(deployment->db, peer, known, "peer-invite");
  if (!token)
    return Fail(token.error());
  b.token = std::move(*token);
  std::printf("%s\n", BundleToText(b).c_str());
  std::fprintf(stderr,
               "peer invite: a bundle for %s with %zu organisation(s) and %s as this gateway's "
               "URL.\nIt holds a token: hand it over as you would a password. %s\n",
               peer.c_str(), b.organisations.size(), b.url.c_str(),
               known.empty() ? "It opens nothing until this gateway joins that gateway's own "
                               "bundle (ketenpoort peer join)."
                             : "It is bound to the certificate of the bundle joined before.");
  return kExitOk;
}

int Join(const ParsedFlags& flags) {
  const std::string source = flags.Get("bundle");
  auto text = source == "-" ? io::ReadFile("/dev/stdin") : io::ReadFile(source);
  if (!text)
    return Fail(text.error());
  auto bundle = BundleFromText(*text);
  if (!bundle) {
    // "ketenpoort: bundle FILE: certificate: is not issued by the bundle's CA"
    Error e = bundle.error();
    e.field = "bundle " + source + (e.field.empty() ? "" : ": " + e.field);
    return Fail(e);
  }
  const PeerBundle& b = *bundle;
  auto deployment = OpenDeploymentDatabase(flags.Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  const config::GatewayConfig& c = deployment->config;
  if (b.gateway == c.gateway_id)
    return Fail(InvalidArgument("invalid_bundle", "is this gateway's own bundle", "gateway"));
  auto directory = LoadDeploymentDirectory(c);
  if (!directory)
    return Fail(directory.error());
  auto ca = crypto::ParsePemChain(b.ca_pem);
  auto leaf = crypto::ParsePemChain(b.certificate_pem);
  if (!ca || !leaf)
    return Fail(InvalidArgument("invalid_bundle", "certificates do not parse", "ca"));

  // Everything is computed first; files are written only when all of it checked out.
  auto config_text = io::ReadFile(flags.Get("config"));
  if (!config_text)
    return Fail(config_text.error());
  json config = json::parse(*config_text, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object())
    return Fail(InvalidArgument("invalid_config", "is not a JSON object", flags.Get("config")));
  struct Write {
    std::string path;
    std::string content;
    mode_t mode;
  };
  std::vector<Write> writes;

  // Trust anchors: receipts and status reports from the peer chain to its CA.
  json& federation = config["federation"];
  if (!federation.is_object())
    federation = json::object();
  std::string anchors_path = c.federation.trust_anchors;
  if (anchors_path.empty()) {
    federation["trust_anchors"] = "certs/peers.pem";
    anchors_path = c.base_dir + "/certs/peers.pem";
  }
  auto anchors = ReadIfExists(anchors_path);
  if (!anchors)
    return Fail(anchors.error());
  auto new_anchors = WithCertificate(*anchors, ca->front());
  if (!new_anchors)
    return Fail(new_anchors.error());
  writes.push_back({anchors_path, *new_anchors, 0644});

  // Client CAs: the peer's outbox presents its TLS certificate. Turning mutual TLS on keeps
  // this gateway's own CA, whose organisation certificates the CLI presents.
  std::string clients_path = c.listen.client_ca;
  std::string clients;
  if (clients_path.empty()) {
    config["listen"]["client_ca"] = "certs/clients.pem";
    clients_path = c.base_dir + "/certs/clients.pem";
    auto own = io::ReadFile(c.base_dir + "/certs/ca.cert.pem");
    if (!own)
      return Fail(own.error());
    clients = *own;
  } else {
    auto existing = io::ReadFile(clients_path);
    if (!existing)
      return Fail(existing.error());
    clients = *existing;
  }
  auto new_clients = WithCertificate(clients, ca->front());
  if (!new_clients)
    return Fail(new_clients.error());
  writes.push_back({clients_path, *new_clients, 0644});

  // The token this gateway's outbox presents to the peer.
  const std::string token_rel = "tokens/" + b.gateway + ".peer.token";
  writes.push_back({c.base_dir + "/" + token_rel, b.token + "\n", 0600});
  writes.push_back({PeerCertificatePath(c, b.gateway), b.certificate_pem, 0644});
  json peers = json::array();
  for (const json& p : federation.value("peers", json::array())) {
    if (!(p.is_object() && p.value("url", "") == b.url))
      peers.push_back(p);
  }
  peers.push_back({{"url", b.url}, {"token_file", token_rel}});
  federation["peers"] = std::move(peers);
  writes.push_back({flags.Get("config"), config.dump(2) + "\n", 0644});

  // The peer's organisations, served by its URL.
  std::vector<Organisation> orgs = directory->all();
  std::vector<std::string> moved;
  for (const json& entry : b.organisations) {
    json e = entry;
    e["gateway"] = b.url;
    json one = {{"version", 1}, {"organisations", json::array({e})}};
    auto parsed = Directory::FromJson(one);
    if (!parsed) {
      return Fail(InvalidArgument("invalid_bundle",
                                  "organisation '" + entry.value("id", "") +
                                      "' is not a valid directory entry: " + parsed.error().message,
                                  "organisations"));
    }
    const Organisation& o = parsed->all().front();
    bool found = false;
    for (Organisation& mine : orgs) {
      if (mine.id != o.id)
        continue;
      found = true;
      if (mine.gateway_url.empty())
        moved.push_back(o.id);
      mine = o;
    }
    if (!found)
      orgs.push_back(o);
    if (!o.certificate_pem.empty())
      writes.push_back({c.base_dir + "/certs/" + o.id + ".cert.pem", o.certificate_pem, 0644});
  }
  auto next = Directory::FromOrganisations(orgs);
  if (!next)
    return Fail(next.error());
  writes.push_back({c.directory, next->ToJson().dump(2) + "\n", 0644});

  auto tokens_dir = io::MakeDirectory(c.base_dir + "/tokens", 0700);
  (void)tokens_dir;  // exists already in a deployment init made
  int changed = 0;
  for (const Write& w : writes) {
    auto updated = Update(w.path, w.content, w.mode);
    if (!updated)
      return Fail(updated.error());
    changed += *updated ? 1 : 0;
  }
  PeerBinding binding{.gateway_url = b.url, .cert_sha256 = leaf->front().Sha256Fingerprint()};
  auto bound = auth::BindPeerInvites(deployment->db, b.gateway, binding);
  if (!bound)
    return Fail(bound.error());

  std::printf("peer join: %s at %s, %zu organisation(s); %d file(s) changed\n", b.gateway.c_str(),
              b.url.c_str(), b.organisations.size(), changed);
  for (const std::string& id : moved)
    std::printf("note: %s was served by this gateway; it is now served by %s\n", id.c_str(),
                b.gateway.c_str());
  if (*bound > 0) {
    std::printf("the invitation this gateway made for %s is now bound to its certificate\n",
                b.gateway.c_str());
  } else {
    std::printf("next: ketenpoort peer invite --config %s --peer %s, and join that on %s\n",
                flags.Get("config").c_str(), b.gateway.c_str(), b.gateway.c_str());
  }
  std::printf(
      "restart the gateway to apply (client CAs, trust anchors and peers are read at start)\n");
  return kExitOk;
}

}  // namespace

int RunPeer(int argc, char** argv) {
  Flags invite_flags(
      "peer invite",
      "Prints a bundle (one line) for gateway PEER to join: this gateway's id, URL, CA and TLS\n"
      "certificate, the organisations it serves (or --orgs) and a new peer token for PEER.\n"
      "The token opens nothing until this gateway joins PEER's own bundle. The bundle holds a\n"
      "secret: hand it over as you would a password.",
      {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
       {"peer", "GATEWAY_ID", "the invited gateway's id (its gateway.id)", Flag::kRequired},
       {"url", "URL", "this gateway's URL as peers reach it (default: from listen)"},
       {"orgs", "ID,ID", "the organisations to announce (default: all this gateway serves)"},
       {"ca", "PEM_FILE", "this gateway's CA (default: certs/ca.cert.pem beside the config)"}});
  Flags join_flags(
      "peer join",
      "Installs the gateway of BUNDLE (from its `peer invite`): its CA as a trust anchor and\n"
      "client CA, its organisations in directory.json, its token and federation.peers; and\n"
      "binds the invitation this gateway made for it. Restart the gateway afterwards.",
      {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
       {"bundle", "FILE", "the bundle's file, or - for standard input", Flag::kRequired}});
  const std::string_view sub = argc >= 1 ? std::string_view(argv[0]) : "";
  if (sub != "invite" && sub != "join") {
    if (sub == "--help" || sub == "-h") {
      std::fputs(invite_flags.Usage().c_str(), stdout);
      std::fputs("\n", stdout);
      std::fputs(join_flags.Usage().c_str(), stdout);
      return kExitOk;
    }
    return Fail(
        "usage: ketenpoort peer invite --config FILE --peer GATEWAY_ID [--url URL] [--orgs IDS]\n"
        "       ketenpoort peer join --config FILE --bundle FILE");
  }
  const Flags& flags = sub == "invite" ? invite_flags : join_flags;
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc - 1, argv + 1, exit_code);
  if (!parsed)
    return exit_code;
  return sub == "invite" ? Invite(*parsed) : Join(*parsed);
}

}  // namespace ketenpoort::cli
