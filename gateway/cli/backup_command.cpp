// `ketenpoort backup --config FILE --out FILE`: an online backup while the gateway serves. The
// database is copied as one consistent snapshot with SQLite's backup API, still encrypted
// (store/database_backup.h), then every blob that snapshot records is added, and all of it goes
// into one archive file (backup_archive.h). The key file is not in it.
//
//   $ ketenpoort backup --config /srv/kp/gateway.json --out /backups/kp-2026-12-03.backup
//   backup written to /backups/kp-2026-12-03.backup: database (schema 12, 1520 audit entries)
//   and 3 blobs, 48213504 bytes; keep the key file apart from it
//
// Exit 0 written; 1 refused (the output exists) or failed (disk full, a blob the snapshot
// records is missing); 2 bad arguments, config or key. On failure nothing is left under --out.
// The backup is an audit entry (event `backup`) in the live trail, written after the snapshot,
// so the copied trail is a prefix of the live one and verifies on its own.
#include <sys/stat.h>

#include <cstdio>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gateway/audit/audit_log.h"
#include "gateway/cli/backup_archive.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/crypto/encoding.h"
#include "gateway/crypto/random.h"
#include "gateway/store/blob_repository.h"
#include "gateway/store/blob_store.h"
#include "gateway/store/database_backup.h"
#include "gateway/store/db_key.h"
#include "gateway/store/migrations.h"

namespace ketenpoort::cli {

namespace {

// What the snapshot holds, read from the copy itself.
struct SnapshotFacts {
  int schema_version = 0;
  std::set<std::string> blob_ids;
  std::uint64_t audit_entries = 0;
};

Result<SnapshotFacts> ReadSnapshot(const std::string& path, const store::DbKey& key) {
  KP_ASSIGN_OR_RETURN(store::Database copy,
                      store::Database::Open(path, key, store::OpenMode::kExisting));
  SnapshotFacts facts;
  KP_ASSIGN_OR_RETURN(facts.schema_version, store::SchemaVersion(copy));
  KP_ASSIGN_OR_RETURN(facts.blob_ids, store::BlobRepository(copy).AllIds());
  KP_ASSIGN_OR_RETURN(audit::TreeHead head, audit::AuditLog().CurrentHead(copy));
  facts.audit_entries = head.size;
  // Opening switched it to WAL; back to one self-contained file before it is archived.
  KP_RETURN_IF_ERROR(copy.Exec("PRAGMA journal_mode = DELETE"));
  return facts;
}

}  // namespace

int RunBackup(int argc, char** argv) {
  Flags flags("backup",
              "Writes an online backup of the deployment to --out while the gateway runs: a\n"
              "consistent snapshot of the database (SQLite's backup API), still encrypted under\n"
              "the database key, and every attachment blob it records, in one file of mode 0600.\n"
              "--out must not exist. The database key file is NOT in the backup: keep it apart\n"
              "(as for rekey); `ketenpoort restore` needs it. The backup is an audit entry.\n"
              "Exit 0 written, 1 refused or failed (nothing left under --out), 2 bad arguments,\n"
              "config or key.",
              {{"config", "FILE", "the deployment's gateway.json", Flag::kRequired},
               {"out", "FILE", "the backup file to create (never overwritten)", Flag::kRequired}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  const std::string out_path = parsed->Get("out");
  struct stat st {};
  if (::lstat(out_path.c_str(), &st) == 0) {
    std::fprintf(stderr, "ketenpoort: %s already exists; a backup never overwrites a file\n",
                 out_path.c_str());
    return kExitProblem;
  }
  auto deployment = OpenDeploymentDatabase(parsed->Get("config"));
  if (!deployment)
    return Fail(deployment.error());
  auto key = store::ResolveKey(deployment->config.database.key_file);
  if (!key)
    return Fail(key.error());

  // The snapshot goes beside --out (same file system, so no decrypted byte and no second copy
  // of the data elsewhere), under a random name, and is removed once archived.
  store::DatabaseFilesGuard snapshot(out_path + ".snapshot-" +
                                     crypto::HexEncode(crypto::RandomBytes(8)));
  if (Status s = store::WriteSnapshot(deployment->db, *key, snapshot.path()); !s) {
    std::fprintf(stderr, "ketenpoort: backup failed: %s\n", s.error().ToString().c_str());
    return kExitProblem;
  }
  auto facts = ReadSnapshot(snapshot.path(), *key);
  if (!facts) {
    std::fprintf(stderr, "ketenpoort: backup failed: %s\n", facts.error().ToString().c_str());
    return kExitProblem;
  }

  // Every blob the snapshot records must be there; blobs written later are not needed (no row
  // of the snapshot names them). A blob is never changed after it is committed.
  std::vector<std::pair<std::string, std::string>> sources = {
      {kBackupDatabaseName, snapshot.path()}};
  for (const std::string& id : facts->blob_ids) {
    // Not BlobStore::Open: that would create a missing folder, and a backup changes nothing.
    auto path = store::BlobStore::IsValidId(id)
                    ? Result<std::string>(deployment->config.database.blob_dir + "/" + id)
                    : Result<std::string>(InvalidArgument("invalid_blob_id", "malformed blob id"));
    if (!path || ::stat(path->c_str(), &st) != 0) {
      std::fprintf(stderr,
                   "ketenpoort: backup failed: blob %s, recorded in the database, is missing "
                   "from %s (deleted since the snapshot? run the backup again)\n",
                   id.c_str(), deployment->config.database.blob_dir.c_str());
      return kExitProblem;
    }
    sources.emplace_back(kBackupBlobPrefix + id, *path);
  }

  BackupManifest manifest{.gateway_id = deployment->config.gateway_id,
                          .schema_version = facts->schema_version,
                          .created_ms = audit::NowMs()};
  auto written = WriteBackupArchive(out_path, std::move(manifest), sources);
  if (!written) {
    std::fprintf(stderr, "ketenpoort: backup failed: %s\n", written.error().ToString().c_str());
    return kExitProblem;
  }
  std::uint64_t bytes = 0;
  for (const BackupFile& f : written->files)
    bytes += f.size;

  if (Status logged = AppendOperatorEntry(deployment->db, audit::event::kBackup,
                                          audit::action::kRead, "database");
      !logged) {
    std::fprintf(stderr, "ketenpoort: warning: the backup could not be audited: %s\n",
                 logged.error().ToString().c_str());
  }
  std::printf(
      "backup written to %s: database (schema %d, %llu audit entries) and %zu blobs, %llu "
      "bytes; keep the key file apart from it\n",
      out_path.c_str(), facts->schema_version,
      static_cast<unsigned long long>(facts->audit_entries), facts->blob_ids.size(),
      static_cast<unsigned long long>(bytes));
  return kExitOk;
}

}  // namespace ketenpoort::cli
