#include "gateway/server/gateway.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include "adapters/kinds/registry.h"
#include "adapters/transports/sms_client.h"
#include "adapters/transports/smtp_client.h"
#include "gateway/api/https_server.h"
#include "gateway/api/router.h"
#include "gateway/audit/audit_log.h"
#include "gateway/audit/audit_throttle.h"
#include "gateway/audit/checkpoint_signer.h"
#include "gateway/audit/witness_worker.h"
#include "gateway/auth/acting_user.h"
#include "gateway/auth/api_token.h"
#include "gateway/auth/token_cache.h"
#include "gateway/core/directory.h"
#include "gateway/core/routing_rules.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"
#include "gateway/deadlines/reminder_worker.h"
#include "gateway/federation/federation_service.h"
#include "gateway/federation/outbox_worker.h"
#include "gateway/io/file.h"
#include "gateway/log/log.h"
#include "gateway/messages/live_directory.h"
#include "gateway/messages/message_service.h"
#include "gateway/metrics/registry.h"
#include "gateway/securemail/securemail_service.h"
#include "gateway/server/audit_routes.h"
#include "gateway/server/federation_routes.h"
#include "gateway/server/message_routes.h"
#include "gateway/server/metrics_routes.h"
#include "gateway/server/notice_routes.h"
#include "gateway/server/openapi_routes.h"
#include "gateway/server/securemail_routes.h"
#include "gateway/store/blob_repository.h"
#include "gateway/store/blob_store.h"
#include "gateway/store/database.h"
#include "gateway/store/db_key.h"
#include "gateway/store/group_commit.h"
#include "gateway/store/guarded_database.h"
#include "gateway/store/migrations.h"
#include "gateway/worker/backoff.h"
#include "gateway/worker/worker.h"

namespace ketenpoort::server {

namespace {

using nlohmann::json;

constexpr const char* kTlsKeyId = "tls";
constexpr const char* kPortalKeyId = "portal";

// Prefixes an error's field with the file it came from.
Error InFile(Error e, const std::string& path) {
  e.field = e.field.empty() ? path : path + ": " + e.field;
  return e;
}

// An error of the part configured by `section` of gateway.json (an adapter that names only its
// own key, "from"), as the operator finds it: "/srv/kp/gateway.json: smtp.from".
Error InConfigSection(Error e, const config::GatewayConfig& config, const std::string& section) {
  e.field = config.config_file + ": " + (e.field.empty() ? section : section + "." + e.field);
  return e;
}

// Secure mail: the portal key (keyring only), the SMTP and SMS clients, the service.
Result<std::unique_ptr<SecureMailService>> MakeSecureMail(
    const config::GatewayConfig& config, store::GuardedDatabase& db, const LiveDirectory& directory,
    crypto::Keyring& keyring, const std::vector<crypto::Certificate>& tls_chain,
    const store::BlobStore& blobs, std::shared_ptr<transports::SmtpClient>& smtp,
    std::shared_ptr<transports::SmsClient>& sms) {
  SecureMailService::Deps d;
  d.db = &db;
  d.blobs = &blobs;
  d.directory = &directory;
  d.keyring = &keyring;
  d.portal_key_id = kPortalKeyId;
  d.clock = audit::NowMs;
  KP_RETURN_IF_ERROR(keyring.LoadKeyFile(kPortalKeyId, config.portal.key_file));
  // The deployment CA: the last certificate of the TLS chain file, else the TLS leaf's issuer
  // file beside it.
  auto ca = crypto::LoadPemChainFile(config::DeploymentCaFile(config));
  if (ca)
    d.trust_anchors = std::move(*ca);
  else if (tls_chain.size() > 1)
    d.trust_anchors = {tls_chain.back()};
  const config::PortalConfig& p = config.portal;
  d.options.base_url = p.base_url;
  while (!d.options.base_url.empty() && d.options.base_url.back() == '/')
    d.options.base_url.pop_back();
  d.options.fingerprint = tls_chain.empty() ? "" : tls_chain.front().Sha256Fingerprint();
  d.options.max_attempts = p.max_attempts;
  d.options.max_codes = p.max_codes;
  d.options.code_ttl_ms = p.code_ttl_ms;
  d.options.session_ttl_ms = p.session_ttl_ms;
  d.options.deadline_warning_ms = p.deadline_warning_ms;
  d.options.default_lang = p.default_lang;
  d.options.upload_ttl_ms = config.limits.upload_ttl_ms;
  if (!config.smtp.url.empty()) {
    transports::SmtpClient::Config sc;
    sc.url = config.smtp.url;
    sc.from = config.smtp.from;
    sc.starttls = config.smtp.starttls;
    sc.credentials_file = config.smtp.credentials_file;
    sc.ca_file = config.smtp.ca_file;
    sc.max_sessions = static_cast<int>(config.smtp.max_sessions);
    auto client = transports::SmtpClient::Create(std::move(sc));
    if (!client)
      return InConfigSection(std::move(client).error(), config, "smtp");
    smtp = std::make_shared<transports::SmtpClient>(std::move(*client));
    d.mailer = [c = smtp](const transports::MailMessage& m) { return c->Send(m); };
  }
  if (!config.sms.url.empty()) {
    transports::SmsClient::Config sc;
    sc.url = config.sms.url;
    sc.token_file = config.sms.token_file;
    sc.ca_file = config.sms.ca_file;
    auto client = transports::SmsClient::Create(std::move(sc));
    if (!client)
      return InConfigSection(std::move(client).error(), config, "sms");
    sms = std::make_shared<transports::SmsClient>(std::move(*client));
    d.sms = [c = sms](const std::string& phone, const std::string& text) {
      return c->Send(phone, text);
    };
  }
  return SecureMailService::Create(std::move(d));
}

Result<json> ReadJsonFile(const std::string& path) {
  KP_ASSIGN_OR_RETURN(std::string text, io::ReadFile(path));
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded())
    return InvalidArgument("invalid_json", "is not valid JSON", path);
  return value;
}

// Queues an `auth_failed` entry on the group commit, at most one per source address per second
// (`throttle`): a failure left out is counted into that address's next entry, whose object
// then reads "api; left_out=N". Nothing waits for the entry; a failure to write it is logged.
void RecordAuthFailed(store::GroupCommit& commits, AuditThrottle& throttle, const Error& error,
                      const std::string& source_address) {
  const auto steady_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  std::optional<std::uint64_t> left_out = throttle.Admit(source_address, steady_ms);
  if (!left_out)
    return;
  audit::AuditEntry entry;
  entry.time_ms = audit::NowMs();
  entry.event = std::string(audit::event::kAuthFailed);
  entry.action = std::string(audit::action::kExecute);
  entry.object = *left_out == 0 ? "api" : "api; left_out=" + std::to_string(*left_out);
  entry.outcome = error.code;
  entry.source_address = source_address;
  commits.Submit([entry = std::move(entry)](
                     store::Database& db) { return audit::AuditLog().Append(db, entry); },
                 [](Status s) {
                   if (!s)
                     log::Error("audit_append_failed", {{"error", s.error().ToString()}});
                 });
}

// The outbox worker of `config.federation` (its peers' tokens read from their files). Dead
// letters become notices for their senders, mailed to contacts in `directory`; `notice_recorded`
// wakes the worker that mails them. Deliveries it moves are counted in `counters`.
Result<std::unique_ptr<delivery::OutboxWorker>> MakeOutboxWorker(
    const config::GatewayConfig& config, store::GuardedDatabase& db, const crypto::Keyring& keyring,
    const std::vector<crypto::Certificate>& tls_chain, const LiveDirectory& directory,
    std::function<void()> notice_recorded, const MessageCounters& counters) {
  const config::FederationConfig& f = config.federation;
  delivery::OutboxWorker::Config c;
  c.db = &db;
  c.directory = &directory;
  c.notice_recorded = std::move(notice_recorded);
  c.counted = [counters](std::string_view kind, std::size_t recipients, bool delivered) {
    (delivered ? counters.delivered : counters.dead)->With({kind}).Add(recipients);
  };
  c.keyring = &keyring;
  c.client_key_id = kTlsKeyId;
  c.client_chain = tls_chain;
  c.gateway_id = config.gateway_id;
  c.clock = audit::NowMs;
  c.policy.base = std::chrono::milliseconds(f.retry.base_ms);
  c.policy.cap = std::chrono::milliseconds(f.retry.cap_ms);
  c.policy.max_age = std::chrono::milliseconds(f.retry.max_age_ms);
  // New items come with a Wake (MessageService::OnOutboxQueued); the poll is for retries that
  // came due, so it need not be finer than the first retry's delay.
  c.poll_interval = std::min(c.policy.base, std::chrono::milliseconds(1000));
  if (f.enabled) {
    c.trust_anchors_file = f.trust_anchors;
    for (const config::PeerConfig& peer : f.peers) {
      KP_ASSIGN_OR_RETURN(std::string token, config::ReadTokenFile(peer.token_file));
      c.peers.push_back({peer.url, std::move(token)});
    }
  }
  // Errors name the trust anchors or token file.
  return delivery::OutboxWorker::Create(std::move(c));
}

// The directory and routes files of `config`, read and checked as one snapshot: the rules
// against the directory, every certificate parsed. Errors name the file.
Result<DirectorySnapshot> LoadDirectorySnapshot(const config::GatewayConfig& config) {
  KP_ASSIGN_OR_RETURN(json directory_json, ReadJsonFile(config.directory));
  auto directory = Directory::FromJson(directory_json);
  if (!directory)
    return InFile(std::move(directory).error(), config.directory);
  KP_ASSIGN_OR_RETURN(json routes_json, ReadJsonFile(config.routes));
  auto routes = RoutingRules::FromJson(routes_json, *directory);
  if (!routes)
    return InFile(std::move(routes).error(), config.routes);
  auto snapshot = DirectorySnapshot::Make(std::move(*directory), std::move(*routes));
  if (!snapshot)
    return InFile(std::move(snapshot).error(), config.directory);
  return snapshot;
}

}  // namespace

struct Gateway::State {
  config::GatewayConfig config;
  // GET /metrics: first, so that it outlives everything that counts into it.
  metrics::Registry metrics;
  MessageCounters message_counters = MessageCounters::In(metrics);
  // The one connection that writes, with its lock (SQLite serialises writers anyway).
  std::optional<store::GuardedDatabase> db;
  std::optional<store::GroupCommit> commits;  // the writes of requests, sharing fsyncs; on db
  AuditThrottle auth_failures{{.interval_ms = 1000, .max_addresses = 10000}};
  std::optional<store::BlobStore> blobs;  // attachment uploads (secure mail)
  // A second connection, read-only, for token lookups alone: in WAL mode it reads beside the
  // writer, so authenticating never waits for a group commit or a checkpoint.
  std::optional<store::GuardedDatabase> auth_db;
  // A third, for WAL checkpoints alone (wal_checkpoints): a checkpoint copies pages and
  // fsyncs, which must hold up neither writers nor token lookups.
  std::optional<store::GuardedDatabase> checkpoint_db;
  std::optional<auth::TokenCache> token_cache;  // principals of tokens verified a moment ago
  std::optional<LiveDirectory> directory;       // with the routes; replaced whole by Reload
  KindDeadlines deadlines;                      // the kinds' configured deadline rules
  std::unique_ptr<MessageService> messages;
  std::shared_ptr<transports::SmtpClient> smtp;
  std::shared_ptr<transports::SmsClient> sms;
  std::unique_ptr<SecureMailService> securemail;
  std::unique_ptr<worker::Worker> securemail_worker;  // SecureMailService::RunDueWork
  crypto::Keyring keyring;
  std::vector<crypto::Certificate> tls_chain;
  std::vector<crypto::Certificate> ca_anchors;  // the deployment CA; empty when not found
  std::unique_ptr<FederationService> federation;
  api::Router router;
  std::optional<api::HttpsServer> https;
  std::unique_ptr<CheckpointSigner> checkpoints;
  std::unique_ptr<worker::Worker> wal_checkpoints;  // on checkpoint_db: nobody waits for it
  std::unique_ptr<WitnessWorker> witness;           // when federation has peers
  std::unique_ptr<ReminderWorker> reminders;
  std::unique_ptr<delivery::OutboxWorker> outbox;  // last: stopped and destroyed first
  bool started = false;
};

Gateway::Gateway(std::unique_ptr<State> state) : state_(std::move(state)) {}

Gateway::~Gateway() {
  Stop();
}

Result<std::unique_ptr<Gateway>> Gateway::Open(const config::GatewayConfig& config) {
  return Open(config, kinds::BuiltinKinds());
}

Result<std::unique_ptr<Gateway>> Gateway::Open(const config::GatewayConfig& config,
                                               const KindRegistry& kinds) {
  auto s = std::make_unique<State>();
  s->config = config;
  // The kinds' own settings first: a mistyped deadline is a config error, found before the
  // database is opened.
  auto deadlines = kinds.ConfigureDeadlines(config.kinds);
  if (!deadlines)
    return InFile(std::move(deadlines).error(), config.config_file);

  KP_ASSIGN_OR_RETURN(store::DbKey key, store::ResolveKey(config.database.key_file));
  KP_ASSIGN_OR_RETURN(store::Database db,
                      store::Database::Open(config.database.path, key, store::OpenMode::kExisting));
  KP_RETURN_IF_ERROR(store::Migrate(db));
  // Committing transactions no longer copy the WAL back into the database file themselves
  // (SQLite's auto-checkpoint runs inside the commit that crosses 1000 pages, fsync included,
  // while every other writer waits). A background task checkpoints on a connection of its own
  // instead: in WAL mode a PASSIVE checkpoint runs beside the writer without blocking it.
  KP_RETURN_IF_ERROR(db.Exec("PRAGMA wal_autocheckpoint = 0"));
  s->db.emplace(std::move(db));
  // Token lookups only: in WAL mode readers never wait for the writer, so authenticating a
  // request does not queue behind a group commit and its fsync.
  KP_ASSIGN_OR_RETURN(store::Database auth_db,
                      store::Database::Open(config.database.path, key, store::OpenMode::kExisting));
  s->auth_db.emplace(std::move(auth_db));
  KP_ASSIGN_OR_RETURN(store::Database checkpoint_db,
                      store::Database::Open(config.database.path, key, store::OpenMode::kExisting));
  s->checkpoint_db.emplace(std::move(checkpoint_db));
  s->commits.emplace(*s->db, &s->metrics
                                  .AddHistogram("ketenpoort_db_commit_duration_seconds",
                                                "Group commit transactions, BEGIN to the end "
                                                "of COMMIT (jobs and fsync).",
                                                {}, metrics::LatencyBuckets())
                                  .With({}));

  KP_ASSIGN_OR_RETURN(DirectorySnapshot first, LoadDirectorySnapshot(config));
  s->directory.emplace(std::move(first));

  KP_RETURN_IF_ERROR(s->keyring.LoadKeyFile(kTlsKeyId, config.listen.tls_key));
  KP_ASSIGN_OR_RETURN(s->tls_chain, crypto::LoadPemChainFile(config.listen.tls_cert));

  // A trail that does not verify against its signed heads is never appended to: the gateway
  // would write new entries on top of an altered record (or refuse every audited request).
  // The operator sees why first; `ketenpoort audit verify` says the same at length.
  {
    const auto started = std::chrono::steady_clock::now();
    // Heads signed before the TLS certificate was renewed verify with the certificate stored
    // with them, when the deployment CA issued it (audit_log.h).
    auto anchors = crypto::LoadPemChainFile(config::DeploymentCaFile(config));
    if (anchors)
      s->ca_anchors = std::move(*anchors);
    KP_ASSIGN_OR_RETURN(audit::VerifyReport trail, s->db->Read([&](store::Database& db) {
      return audit::AuditLog().Verify(db, s->tls_chain.front(), s->ca_anchors);
    }));
    if (!trail.ok) {
      return Conflict("audit_trail_altered",
                      "the audit trail does not verify, so the gateway does not start: " +
                          trail.problem + " (see `ketenpoort audit verify`)");
    }
    log::Info("audit_trail_verified",
              {{"entries", std::to_string(trail.entries)},
               {"signed", std::to_string(trail.signed_size)},
               {"ms", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - started)
                                         .count())}});
  }

  State* st = s.get();
  RegisterOpenApiRoutes(s->router);
  // These read only what is in memory (the current directory and routing rules): they never
  // block, so the server answers them on its I/O threads.
  s->router.Add(
      "GET", "/healthz", api::Access::Public(),
      [](api::Request&) {
        return api::Response::Json(200, {{"status", "ok"}});
      },
      api::HandlerCost::kNonBlocking);
  s->router.Add(
      "GET", "/v1/directory", api::Access::AnyToken(),
      [st](api::Request&) {
        json out = json::array();
        const auto known = st->directory->Current();
        for (const Organisation& org : known->directory.all()) {
          out.push_back({{"id", org.id},
                         {"name", org.name},
                         {"kind", OrgKindName(org.kind)},
                         {"regions", org.regions},
                         {"accepts", org.accepts},
                         {"certificate", org.certificate_pem}});
        }
        return api::Response::Json(200, out);
      },
      api::HandlerCost::kNonBlocking);

  // Whose token this is: the CLI and the workspace check it against the organisation they act
  // as before they sign and seal anything in its name.
  s->router.Add(
      "GET", "/v1/whoami", api::Access::AnyToken(),
      [](api::Request& req) {
        const Principal& p = *req.principal;
        json out = {{"org", p.org}, {"role", RoleName(p.role)}};
        if (!p.user.empty())
          out["user"] = p.user;
        return api::Response::Json(200, out);
      },
      api::HandlerCost::kNonBlocking);

  // Which organisations a message would reach, before the sender encrypts for them.
  s->router.Add(
      "POST", "/v1/routes/resolve", api::Access::Roles({Role::kSender}),
      [st](api::Request& req) {
        auto body = api::ParseJsonBody(req);
        if (!body)
          return api::Response::FromError(body.error());
        auto input = RoutingInputFromJson(*body);
        if (!input)
          return api::Response::FromError(input.error());
        Resolution r = st->directory->Current()->routes.Resolve(*input);
        return api::Response::Json(200, {{"recipients", r.recipients}, {"rules", r.rules}});
      },
      api::HandlerCost::kNonBlocking);

  s->deadlines = *deadlines;
  KP_ASSIGN_OR_RETURN(s->messages, MessageService::Create(*s->db, *s->commits, *s->directory, kinds,
                                                          audit::NowMs, &s->deadlines));
  // Every kind's series from the start (at 0), so that a rate() over a kind's first message
  // sees it arrive instead of the series appearing.
  for (const MessageKind* kind : kinds.All()) {
    for (metrics::CounterFamily* family :
         {s->message_counters.accepted, s->message_counters.delivered, s->message_counters.dead})
      family->With({kind->name()});
  }
  auto count_stored = [counters = s->message_counters](const MessageService::Stored& m) {
    counters.accepted->With({m.kind}).Add();
    if (m.delivered > 0)
      counters.delivered->With({m.kind}).Add(m.delivered);
  };
  s->messages->OnStored(count_stored);
  // Attachment uploads: files no row names (a crash between a file and its row) go first.
  KP_ASSIGN_OR_RETURN(store::BlobStore blobs, store::BlobStore::Open(config.database.blob_dir));
  s->blobs.emplace(std::move(blobs));
  {
    KP_ASSIGN_OR_RETURN(std::set<std::string> known, s->db->Read([](store::Database& db) {
      return store::BlobRepository(db).AllIds();
    }));
    KP_ASSIGN_OR_RETURN(int swept, s->blobs->Sweep(known));
    if (swept > 0)
      log::Info("blobs_swept", {{"files", std::to_string(swept)}});
  }
  KP_ASSIGN_OR_RETURN(s->securemail, MakeSecureMail(config, *s->db, *s->directory, s->keyring,
                                                    s->tls_chain, *s->blobs, s->smtp, s->sms));
  s->securemail_worker = std::make_unique<worker::Worker>(
      worker::Worker::Options{.interval =
                                  std::chrono::milliseconds(config.portal.worker_interval_ms)},
      [st](std::stop_token stop) { st->securemail->RunDueWork(std::move(stop)); });
  s->securemail->OnWorkCreated([st] { st->securemail_worker->Wake(); });
  s->securemail->OnStored(count_stored);
  RegisterMessageRoutes(s->router, *s->messages, kinds, s->securemail.get());
  RegisterSecureMailRoutes(
      s->router, *s->securemail,
      s->tls_chain.empty() ? "" : s->tls_chain.front().Sha256Fingerprint(),
      UploadLimits{static_cast<std::uint64_t>(config.limits.max_attachment_bytes),
                   static_cast<int>(config.limits.max_concurrent_uploads)});

  // Federation: peers deliver here (receiving), and the outbox delivers to peers (sending).
  KP_ASSIGN_OR_RETURN(std::string tls_chain_pem, io::ReadFile(config.listen.tls_cert));
  FederationService::Config fc;
  fc.commits = &*s->commits;
  fc.directory = &*s->directory;
  fc.keyring = &s->keyring;
  fc.receipt_key_id = kTlsKeyId;
  fc.gateway_id = config.gateway_id;
  fc.certificate_pem = std::move(tls_chain_pem);
  fc.clock = audit::NowMs;
  fc.kinds = &kinds;
  fc.notice_recorded = [st] { st->reminders->Wake(); };
  KP_ASSIGN_OR_RETURN(s->federation, FederationService::Create(std::move(fc)));
  RegisterFederationRoutes(s->router, *s->federation);
  KP_ASSIGN_OR_RETURN(s->outbox, MakeOutboxWorker(
                                     config, *s->db, s->keyring, s->tls_chain, *s->directory,
                                     [st] { st->reminders->Wake(); }, s->message_counters));
  s->messages->OnNoticeRecorded([st] { st->reminders->Wake(); });
  s->messages->OnOutboxQueued([st] { st->outbox->Wake(); });
  RegisterAuditRoutes(s->router, *s->db, s->tls_chain.front().ToPem());

  // Deadlines and reminders of the message kinds, mailed through the SMTP relay when set.
  RegisterNoticeRoutes(s->router, *s->db);
  RegisterMetricsRoutes(s->router, s->metrics, *s->db, config.metrics.allow_from);
  ReminderWorker::Config rc;
  rc.db = &*s->db;
  rc.directory = &*s->directory;
  rc.kinds = &kinds;
  rc.deadlines = s->deadlines;
  rc.clock = audit::NowMs;
  rc.interval = std::chrono::milliseconds(config.reminders.interval_ms);
  // A failed notice mail is tried again from one pass later, backing off, until it expires.
  rc.mail_retry.base = std::chrono::milliseconds(config.reminders.interval_ms);
  rc.mail_retry.cap = std::max(rc.mail_retry.base, rc.mail_retry.cap);
  rc.mail_retry.max_age = std::chrono::milliseconds(config.reminders.mail_expiry_ms);
  if (s->smtp) {  // the relay secure mail uses (MakeSecureMail)
    rc.send_mail = [c = s->smtp](const std::string& to, const std::string& subject,
                                 const std::string& text) {
      return c->Send({.to = to, .subject = subject, .text = text, .html = ""});
    };
  }
  s->reminders = std::make_unique<ReminderWorker>(std::move(rc));

  return std::unique_ptr<Gateway>(new Gateway(std::move(s)));
}

Status Gateway::Start() {
  State* st = state_.get();
  api::HttpsServer::Config c;
  c.host = st->config.listen.host;
  c.port = st->config.listen.port;
  c.client_ca_file = st->config.listen.client_ca;
  const config::LimitsConfig& limits = st->config.limits;
  c.max_body_bytes = static_cast<std::size_t>(limits.max_body_bytes);
  c.max_header_bytes = static_cast<std::size_t>(limits.max_header_bytes);
  c.handshake_timeout = std::chrono::milliseconds(limits.tls_handshake_timeout_ms);
  c.header_timeout = std::chrono::milliseconds(limits.header_timeout_ms);
  c.idle_timeout = std::chrono::milliseconds(limits.idle_timeout_ms);
  c.body_stall_timeout = std::chrono::milliseconds(limits.body_stall_timeout_ms);
  c.max_connections = static_cast<std::size_t>(limits.max_connections);
  c.io_threads = static_cast<unsigned>(limits.io_threads);
  c.worker_threads = static_cast<unsigned>(limits.worker_threads);
  c.metrics = &st->metrics;
  c.install_certificate_and_key = [st](SSL_CTX* ctx) {
    return st->keyring.InstallInTlsContext(kTlsKeyId, st->tls_chain, ctx);
  };
  st->token_cache.emplace(
      auth::TokenCache::Options{std::chrono::milliseconds(st->config.limits.token_cache_ms)});
  // Both paths cache the token's own principal and apply the person a request names
  // (auth/acting_user.h) afterwards, per request: the cache never holds one request's person.
  c.authenticate_cached = [st](std::string_view token,
                               const api::Request& req) -> std::optional<Principal> {
    auto known = st->token_cache->Find(token);
    if (!known)
      return std::nullopt;
    auto acting = auth::ActAs(std::move(*known), req.Header(auth::kActingUserHeader));
    if (!acting)
      return std::nullopt;  // the full path below gives the same refusal
    return std::move(*acting);
  };
  c.authenticate = [st](std::string_view token, const api::Request& req) -> Result<Principal> {
    Result<Principal> principal = [&]() -> Result<Principal> {
      if (auto known = st->token_cache->Find(token))
        return std::move(*known);
      auto found = st->auth_db->Read(
          [&](store::Database& db) { return auth::AuthenticateApiToken(db, token); });
      if (found)
        st->token_cache->Remember(token, *found);
      return found;
    }();
    if (!principal) {
      // A bad token is an audit entry (never the token itself); the request fails either way.
      if (principal.error().kind == ErrorKind::kUnauthenticated)
        RecordAuthFailed(*st->commits, st->auth_failures, principal.error(), req.remote_address);
      return principal;
    }
    return auth::ActAs(std::move(*principal), req.Header(auth::kActingUserHeader));
  };
  st->https.emplace(std::move(c));
  KP_RETURN_IF_ERROR(st->https->Start(st->router));
  st->started = true;
  st->outbox->Start();
  st->securemail_worker->Start();
  st->checkpoints = std::make_unique<CheckpointSigner>(
      *st->db, st->keyring, kTlsKeyId,
      CheckpointSigner::Options{std::chrono::milliseconds(st->config.audit.checkpoint_interval_ms),
                                st->config.audit.checkpoint_every},
      &st->tls_chain.front());
  st->checkpoints->Start();
  st->wal_checkpoints = std::make_unique<worker::Worker>(
      worker::Worker::Options{.interval = std::chrono::milliseconds(200),
                              .first_pass_at_start = false},
      [st](std::stop_token) {
        Status c = st->checkpoint_db->Write(
            [](store::Database& db) { return db.Exec("PRAGMA wal_checkpoint(PASSIVE)"); });
        if (!c)
          log::Warn("wal_checkpoint_failed", {{"error", c.error().code}});
      });
  st->wal_checkpoints->Start();
  if (st->config.federation.enabled && !st->config.federation.peers.empty()) {
    WitnessWorker::Config wc;
    wc.db = &*st->db;
    wc.keyring = &st->keyring;
    wc.key_id = kTlsKeyId;
    wc.tls_chain = st->tls_chain;
    wc.federation = st->config.federation;
    wc.interval = std::chrono::milliseconds(st->config.audit.witness_interval_ms);
    wc.clock = audit::NowMs;
    st->witness = std::make_unique<WitnessWorker>(std::move(wc));
    st->witness->Start();
  }
  st->reminders->Start();
  log::Info("listening", {{"url", Url()}});
  return Ok();
}

void Gateway::Stop() {
  if (!state_)
    return;
  if (state_->https) {
    state_->https->Stop();
    state_->https.reset();
  }
  if (state_->commits)
    state_->commits->Stop();  // commits what requests queued, before the database closes
  if (state_->outbox)
    state_->outbox->Stop();  // joins before the database closes
  if (state_->securemail_worker)
    state_->securemail_worker->Stop();  // joins before the database closes
  if (state_->reminders)
    state_->reminders->Stop();
  if (state_->witness)
    state_->witness->Stop();
  if (state_->checkpoints)
    state_->checkpoints->Stop();  // signs a last head over everything, then joins
  if (state_->wal_checkpoints)
    state_->wal_checkpoints->Stop();
  // Everything that used the connections has stopped and joined above: they close now.
  state_->checkpoint_db.reset();
  state_->auth_db.reset();
  state_->db.reset();
}

Status Gateway::ReloadDirectory() {
  auto next = LoadDirectorySnapshot(state_->config);
  if (!next) {
    log::Error("reload_failed",
               {{"error", next.error().ToString()}, {"kept", "the directory and routes in use"}});
    return std::move(next).error();
  }
  const std::size_t organisations = next->directory.all().size();
  const std::size_t rules = next->routes.rules().size();
  const std::uint64_t version = state_->directory->Replace(std::move(*next));
  log::Info("reloaded", {{"version", std::to_string(version)},
                         {"organisations", std::to_string(organisations)},
                         {"rules", std::to_string(rules)}});
  return Ok();
}

std::string Gateway::Url() const {
  const auto& l = state_->config.listen;
  std::string host = (l.host == "0.0.0.0" || l.host == "::") ? "localhost" : l.host;
  if (host.find(':') != std::string::npos)
    host = "[" + host + "]";
  return "https://" + host + ":" + std::to_string(l.port);
}

std::vector<api::RouteInfo> Gateway::Routes() const {
  return state_->router.Routes();
}

}  // namespace ketenpoort::server
