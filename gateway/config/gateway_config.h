// gateway.json: the deployment's configuration, loaded and validated in one step.
//
//   // (compiled in examples_test.cpp, as is the example file below)
//   auto config = LoadGatewayConfig("deploy/gateway.json");
//   if (!config) { Die(config.error()); }      // "deploy/gateway.json: listen.port: ..."
//   config->database.path                       // absolute: "/srv/deploy/ketenpoort.db"
//
// Contract:
// - Strict: an unknown key, a value of the wrong type or out of range, or a missing required
//   key is an error whose `field` is "FILE: json.path" and whose message says what is wrong.
// - Relative paths are resolved against the folder holding the config file; every path in the
//   returned struct is absolute.
// - No secrets live here: the database key comes from `database.key_file` or the
//   KETENPOORT_DB_KEY environment variable, never from this file.
//
// Example (the keys operators and tests rely on; see docs/API.md, configuration):
//
//   {
//     "gateway": {"id": "gw-denhaag"},
//     "listen": {"host": "0.0.0.0", "port": 8443, "tls_cert": "certs/gateway.cert.pem",
//                "tls_key": "certs/gateway.key.pem", "client_ca": "certs/ca.cert.pem"},
//     "database": {"path": "ketenpoort.db", "key_file": "db.key"},
//     "directory": "directory.json",
//     "routes": "routes.json",
//     "limits": {"max_body_bytes": 16777216, "max_attachment_bytes": 1073741824,
//                "upload_ttl_ms": 86400000, "max_concurrent_uploads": 16,
//                "max_header_bytes": 16384, "tls_handshake_timeout_ms": 10000,
//                "header_timeout_ms": 10000, "idle_timeout_ms": 60000,
//                "body_stall_timeout_ms": 30000, "max_connections": 4096,
//                "io_threads": 0, "worker_threads": 16, "token_cache_ms": 1000},
//     "smtp": {"url": "smtp://127.0.0.1:2525", "from": "ketenpoort@example.org",
//              "starttls": false},
//     "sms": {"url": "http://127.0.0.1:9099/send", "token_file": null},
//     "portal": {"base_url": "https://localhost:8443"},
//     "federation": {"trust_anchors": "certs/peers.pem",
//                    "peers": [{"url": "https://127.0.0.1:9444", "token_file": "tokens/b.token"}],
//                    "retry": {"base_ms": 1000, "cap_ms": 300000, "max_age_ms": 86400000}},
//     "metrics": {"allow_from": ["127.0.0.1", "10.20.0.0/16"]}
//   }
//
// Federation (optional; absent: this gateway sends to no peer and `federation.enabled` is
// false): `trust_anchors` holds the PEM CA certificates peer gateways' TLS certificates must
// chain to; each peer is an https:// base URL (no user, query or fragment; distinct) and the
// file holding the API token (role peer) that peer issued for this gateway. The token itself
// never appears in gateway.json: ReadTokenFile reads it, refusing a file that group or others
// may access. `retry` bounds are those of worker/backoff.h: 1 <= base_ms <= cap_ms <= 30 days,
// 1 ms <= max_age_ms <= 10 years.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/core/address_range.h"
#include "gateway/core/error.h"

namespace ketenpoort::config {

struct ListenConfig {
  std::string host = "0.0.0.0";
  int port = 8443;
  std::string tls_cert;   // PEM: the gateway certificate, then its chain
  std::string tls_key;    // PEM private key, loaded by the keyring only
  std::string client_ca;  // empty: no client certificates; else mutual TLS against this CA
};

struct DatabaseConfig {
  std::string path;
  std::string key_file;
  // Attachment ciphertexts (store/blob_store.h); default: the database's path + ".blobs".
  std::string blob_dir;
};

struct LimitsConfig {
  std::int64_t max_body_bytes = 16 * 1024 * 1024;  // a JSON request (1 KiB .. 4 GiB)
  // One attachment uploaded to POST /v1/attachments, streamed to disk (1 KiB .. 1 TiB).
  std::int64_t max_attachment_bytes = std::int64_t{1} << 30;
  // An upload no message claimed is deleted after this long (1 s .. 30 days).
  std::int64_t upload_ttl_ms = 24 * 3600 * 1000;
  // Attachment uploads read at once (1 .. 1024); more are answered 503 too_many_uploads.
  std::int64_t max_concurrent_uploads = 16;
  // The front door (api/https_server.h): what one connection may cost before it is cut.
  std::int64_t max_header_bytes = 16 * 1024;      // request line + headers; above: 431
  std::int64_t tls_handshake_timeout_ms = 10000;  // TCP accept to finished handshake
  std::int64_t header_timeout_ms = 10000;         // first byte of a request to its last header
  std::int64_t idle_timeout_ms = 60000;           // a keep-alive connection between requests
  std::int64_t body_stall_timeout_ms = 30000;     // a body (up or down) that makes no progress
  std::int64_t max_connections = 4096;            // beyond: new connections closed at once
  std::int64_t io_threads = 0;                    // 0: one per core
  std::int64_t worker_threads = 16;               // handlers and database work
  // How long a verified API token is remembered (auth/token_cache.h): a token revoked by
  // another process keeps working here for at most this long. 0: look up every request.
  std::int64_t token_cache_ms = 1000;
};

struct SmtpConfig {
  std::string url;  // empty: no mail relay configured
  std::string from;
  bool starttls = false;
  std::string credentials_file;   // empty: no AUTH; else "USER\nPASSWORD\n", mode 0600
  std::string ca_file;            // empty: the system CA store verifies the relay
  std::int64_t max_sessions = 4;  // SMTP sessions at once, process-wide (1..64)
};

struct SmsConfig {
  std::string url;         // empty: no SMS provider configured
  std::string token_file;  // empty: no token
  std::string ca_file;     // empty: the system CA store
};

// Secure mail's portal (gateway/securemail/securemail_service.h).
struct PortalConfig {
  std::string base_url;
  std::string key_file;                         // default certs/portal.key.pem
  std::int64_t max_attempts = 5;                // wrong codes before lock-out (1..100)
  std::int64_t max_codes = 10;                  // one-time codes per notification (1..100)
  std::int64_t code_ttl_ms = 600000;            // 1 s .. 1 day
  std::int64_t session_ttl_ms = 3600000;        // 1 min .. 1 day
  std::int64_t deadline_warning_ms = 86400000;  // 0 .. 30 days before the deadline
  std::int64_t worker_interval_ms = 1000;       // 10 ms .. 1 min
  std::string default_lang = "nl";              // nl | en
};

struct PeerConfig {
  std::string url;         // "https://gw-b.example.org:8443", no trailing slash
  std::string token_file;  // absolute; read with ReadTokenFile
};

struct RetryConfig {
  std::int64_t base_ms = 1000;
  std::int64_t cap_ms = 300000;
  std::int64_t max_age_ms = 86400000;
};

struct FederationConfig {
  bool enabled = false;       // true when gateway.json has a "federation" section
  std::string trust_anchors;  // absolute path of a PEM file of CA certificates
  std::vector<PeerConfig> peers;
  RetryConfig retry;
};

// When the running gateway signs an audit tree head: after `checkpoint_every` new entries, or
// `checkpoint_interval_ms` after the last signed head when the trail grew since.
struct AuditConfig {
  std::int64_t checkpoint_interval_ms = 60000;  // 100 ms .. 1 day
  std::int64_t checkpoint_every = 1000;         // 1 .. 10^9 entries
  // How often the signed heads of federation.peers are fetched and checked (100 ms .. 1 day).
  std::int64_t witness_interval_ms = 60000;
};

// The reminder worker, which checks the message kinds' deadlines every `interval_ms`:
//   "reminders": {"interval_ms": 60000, "mail_expiry_ms": 86400000}
// The deadlines themselves are the kinds' own settings (`kinds` below).
struct RemindersConfig {
  std::int64_t interval_ms = 60000;  // 10 ms .. 1 day
  // A notice's mail that fails is retried (backoff from `interval_ms`, capped at 30 min) until
  // sent or this long after the notice was recorded.
  std::int64_t mail_expiry_ms = 86400000;  // 1 s .. 30 days; default 24 hours
};

// GET /metrics (Prometheus text): an admin token may always scrape it; with `allow_from`, a
// request from one of these addresses may scrape it without a token:
//   "metrics": {"allow_from": ["127.0.0.1", "10.20.0.0/16", "fd00::/8"]}
// Each entry an IPv4 or IPv6 address, or a CIDR block without host bits (core/address_range.h).
struct MetricsConfig {
  std::vector<AddressRange> allow_from;  // empty: an admin token only
};

struct GatewayConfig {
  std::string config_file;  // absolute path of the file this was loaded from
  std::string base_dir;     // its folder
  std::string gateway_id = "ketenpoort";
  ListenConfig listen;
  DatabaseConfig database;
  std::string directory;
  std::string routes;
  LimitsConfig limits;
  SmtpConfig smtp;
  SmsConfig sms;
  PortalConfig portal;
  FederationConfig federation;
  AuditConfig audit;
  RemindersConfig reminders;
  MetricsConfig metrics;
  // Each message kind's own settings, `kinds.NAME` (an object), read by the kind's deadline
  // rule when the gateway opens (KindRegistry::ConfigureDeadlines), which checks their keys:
  //   "kinds": {"referral": {"answer_ms": {"urgent": 14400000, "normal": 259200000}},
  //             "b8": {"reflection_months": 3, "reminder_offsets_ms": [-1209600000, 0]}}
  std::map<std::string, nlohmann::json, std::less<>> kinds;
};

// Reads and validates FILE. Errors name the file and, when it applies, the JSON field.
Result<GatewayConfig> LoadGatewayConfig(const std::string& file);

// certs/ca.cert.pem beside the config: the deployment CA `ketenpoort init` made, which issued
// the gateway's TLS certificate (and its renewals) and the organisations' certificates.
std::string DeploymentCaFile(const GatewayConfig& config);

// Parses the text of a config file as if it were at `file` (used by LoadGatewayConfig and by
// tests); does not touch the disk.
Result<GatewayConfig> ParseGatewayConfig(const std::string& file, std::string_view text);

// Reads an API token from `path`: a regular file that group and others cannot access (else
// kInvalidArgument "token_file_permissions"), holding one token of 1..4096 printable ASCII
// characters without spaces, optionally followed by one newline (else "token_file_invalid").
// Missing or unreadable: "token_file_unreadable". Errors name the file, never its content.
Result<std::string> ReadTokenFile(const std::string& path);

}  // namespace ketenpoort::config
