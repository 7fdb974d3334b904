// Secure-mail accounts at rest (table securemail_accounts, store migration 10): for the
// verification `account`, per e-mail address the TOTP secret its authenticator app shares with
// the gateway (gateway/crypto/totp.h), when the person enrolled, and the last time step used.
//
//   // (compiled in examples_test.cpp)
//   SecureMailAccountRepository accounts(db);
//   KP_ASSIGN_OR_RETURN(std::optional<SecureMailAccount> account, accounts.Find(email));
//   if (!account) {                 // no account yet: issue a secret, show it (EnrolmentCard)
//     account = SecureMailAccount{.email = email, .secret = crypto::NewTotpSecret(),
//                                 .created_ms = now_ms};
//     KP_RETURN_IF_ERROR(accounts.Insert(*account));   // kConflict account_exists: lost a race
//   }
//   auto step = crypto::MatchTotp(account->secret, code, now_ms / 1000, account->last_step);
//   if (!step) return WrongCode();
//   KP_ASSIGN_OR_RETURN(bool fresh, account->enrolled_ms
//                                       ? accounts.SetLastStep(email, *step)
//                                       : accounts.MarkEnrolled(email, now_ms, *step));
//   if (!fresh) return WrongCode();         // another request used this step first: a replay
//
// Contract: an account exists once a secret was issued for its address; it is enrolled once
// the person proved a first code (enrolled_ms set). `email` is the address as the secure-mail
// service keeps recipients: lower-cased; this repository compares it byte for byte and decides
// nothing else (the service checks codes, audits and rate-limits). The last used step only
// rises, and it rises in the UPDATE's WHERE clause, so of two requests that present the same
// code at the same time exactly one gets true.
//
// The secret is stored as is, not hashed: TOTP needs it to compute codes. The database is
// SQLCipher (encrypted at rest under the deployment's database key, store/database.h), which
// protects it on disk; it never appears in an error message or a log line.
// Not thread-safe beyond the Database's own contract; construct one per use, it is cheap.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/bytes.h"
#include "gateway/core/error.h"
#include "gateway/store/database.h"

namespace ketenpoort::store {

struct SecureMailAccount {
  std::string email;                        // lower-cased address
  Bytes secret;                             // the TOTP secret (20 bytes from NewTotpSecret)
  std::optional<std::int64_t> enrolled_ms;  // when the first code was proved; nullopt: not yet
  std::int64_t last_step = 0;               // the latest TOTP time step accepted; 0: none
  std::int64_t created_ms = 0;              // when the secret was issued
};

class SecureMailAccountRepository {
 public:
  explicit SecureMailAccountRepository(Database& db) : db_(db) {}

  // The account of `email`, or nullopt.
  Result<std::optional<SecureMailAccount>> Find(std::string_view email);

  // Adds `account` (all fields as given). An address that already has an account gives
  // kConflict `account_exists` and changes nothing.
  Status Insert(const SecureMailAccount& account);

  // Marks the account enrolled at `time_ms` with `step` as its last used step, if `step` is
  // greater than the stored last step: true. false when it is not (the step was used already,
  // e.g. by a concurrent request); then nothing changes. An enrolment time already set is kept.
  // No account: kNotFound `account_not_found`.
  Result<bool> MarkEnrolled(std::string_view email, std::int64_t time_ms, std::int64_t step);

  // Raises the last used step to `step` if it is greater than the stored one: true. false when
  // it is not (a replay, possibly concurrent); then nothing changes. No account: kNotFound
  // `account_not_found`.
  Result<bool> SetLastStep(std::string_view email, std::int64_t step);

  // Removes the account of `email` (so a new secret can be issued): true when there was one.
  Result<bool> Delete(std::string_view email);

 private:
  // kNotFound `account_not_found` when `email` has no account, else false: the answer of a
  // conditional UPDATE that changed no row.
  Result<bool> NotRaised(std::string_view email);

  Database& db_;
};

}  // namespace ketenpoort::store
