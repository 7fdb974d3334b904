#include "gateway/audit/checkpoint_signer.h"

#include <algorithm>
#include <utility>

#include "gateway/audit/audit_log.h"
#include "gateway/log/log.h"

namespace ketenpoort::server {

CheckpointSigner::CheckpointSigner(store::GuardedDatabase& db, const crypto::Keyring& keyring,
                                   std::string key_id, Options options,
                                   const crypto::Certificate* signer_cert)
    : db_(db),
      keyring_(keyring),
      key_id_(std::move(key_id)),
      options_(options),
      signer_cert_(signer_cert ? std::optional<crypto::Certificate>(*signer_cert) : std::nullopt),
      // Check often enough for `every` to matter under load, rarely enough to cost nothing idle.
      worker_({.interval = std::min<std::chrono::milliseconds>(options_.interval,
                                                               std::chrono::milliseconds(1000)),
               .first_pass_at_start = false},
              [this](std::stop_token) { MaybeSign(/*force=*/false); }) {}

CheckpointSigner::~CheckpointSigner() {
  Stop();
}

void CheckpointSigner::Start() {
  std::lock_guard lock(lifecycle_mu_);
  started_ = true;
  worker_.Start();
}

void CheckpointSigner::Stop() {
  std::lock_guard lock(lifecycle_mu_);
  if (!started_ || stopped_)
    return;
  stopped_ = true;
  worker_.Stop();
  MaybeSign(/*force=*/true);
}

void CheckpointSigner::MaybeSign(bool force) {
  db_.Write([&](store::Database& db) {
    audit::AuditLog log;
    auto current = log.CurrentHead(db);
    auto latest = log.LatestSignedHead(db);
    if (!current || !latest) {
      log::Error("checkpoint_failed",
                 {{"error", !current ? current.error().code : latest.error().code}});
      return;
    }
    const std::uint64_t signed_size = *latest ? (*latest)->size : 0;
    if (current->size <= signed_size)
      return;
    const bool due = force ||
                     current->size - signed_size >= static_cast<std::uint64_t>(options_.every) ||
                     std::chrono::steady_clock::now() - last_signed_at_ >= options_.interval;
    if (!due)
      return;
    auto head = log.SignHead(db, keyring_, key_id_, audit::NowMs(),
                             signer_cert_ ? &*signer_cert_ : nullptr);
    if (!head) {
      log::Error("checkpoint_failed", {{"error", head.error().code}});
      return;
    }
    last_signed_at_ = std::chrono::steady_clock::now();
    log::Info("checkpoint_signed", {{"size", std::to_string(head->size)}});
  });
}

}  // namespace ketenpoort::server
