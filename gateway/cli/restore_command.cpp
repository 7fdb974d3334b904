// `ketenpoort restore --config FILE --in FILE`: puts a backup of `ketenpoort backup` back where
// the config says (database.path, database.blob_dir), for a deployment whose database is gone.
//
//   $ ketenpoort restore --config /srv/kp/gateway.json --in /backups/kp-2026-12-03.backup
//   restored /srv/kp/ketenpoort.db and 3 blobs; audit trail intact: 1521 entries, head 3f9c...;
//   the restore is entry 1522
//
// Order, so that a bad backup, a wrong key or a trail that does not verify changes nothing:
// refuse an existing database or a non-empty blob folder; read the whole backup and check its
// manifest and every SHA-256; write the database under a temporary name beside its place, open
// it with the deployment's key (KETENPOORT_DB_KEY or database.key_file; the key is not in the
// backup) and verify its audit trail with the gateway certificate; record the restore as an
// audit entry; write the blobs under temporary names; only then rename the blobs and, last, the
// database into place.
//
// Exit 0 restored and the trail verifies; 1 refused (existing database, non-empty blob folder,
// another gateway's backup), a damaged backup, or a trail that does not verify; 2 bad arguments,
// an unreadable config, or a wrong or missing key.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "gateway/audit/audit_log.h"
#include "gateway/cli/backup_archive.h"
#include "gateway/cli/cli_common.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/flags.h"
#include "gateway/config/gateway_config.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/encoding.h"
#include "gateway/io/file.h"
#include "gateway/io/staged_file.h"
#include "gateway/store/database.h"
#include "gateway/store/database_backup.h"
#include "gateway/store/db_key.h"
#include "gateway/store/migrations.h"

namespace ketenpoort::cli {

namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// True when `folder` holds any entry (other than . and ..).
bool HasEntries(const std::string& folder) {
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr)
    return true;  // a folder we cannot list is not known to be empty
  bool any = false;
  while (dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") {
      any = true;
      break;
    }
  }
  ::closedir(dir);
  return any;
}

int Problem(const std::string& message) {
  std::fprintf(stderr, "ketenpoort: %s\n", message.c_str());
  return kExitProblem;
}

// A blob folder this command created: removed again unless the restore completed.
class CreatedFolder {
 public:
  CreatedFolder() = default;
  CreatedFolder(const CreatedFolder&) = delete;
  CreatedFolder& operator=(const CreatedFolder&) = delete;
  ~CreatedFolder() {
    if (!path_.empty())
      ::rmdir(path_.c_str());
  }
  void Set(std::string path) { path_ = std::move(path); }
  void Keep() { path_.clear(); }

 private:
  std::string path_;
};

}  // namespace

int RunRestore(int argc, char** argv) {
  Flags flags(
      "restore",
      "Restores a backup made by `ketenpoort backup` where --config says: the database at\n"
      "database.path and the blobs in database.blob_dir. Refuses when that database exists\n"
      "or the blob folder is not empty. Checks the whole backup (manifest, SHA-256 of every\n"
      "part) before writing anything, opens the restored database with the deployment's key\n"
      "(KETENPOORT_DB_KEY or database.key_file: the key file is NOT in the backup; the\n"
      "operator keeps it apart, as with rekey) and verifies its audit trail; the restore is\n"
      "an audit entry. Exit 0 restored and verified, 1 refused, damaged backup or trail not\n"
      "intact (nothing written), 2 bad arguments, config or key (nothing written).",
      {{"config", "FILE", "the gateway.json of the deployment to restore into", Flag::kRequired},
       {"in", "FILE", "the backup file", Flag::kRequired}});
  int exit_code = kExitOk;
  auto parsed = ParseCommandLine(flags, argc, argv, exit_code);
  if (!parsed)
    return exit_code;
  auto config = config::LoadGatewayConfig(parsed->Get("config"));
  if (!config)
    return Fail(config.error());
  const std::string& db_path = config->database.path;
  const std::string& blob_dir = config->database.blob_dir;
  for (const char* suffix : {"", "-wal", "-journal"}) {
    if (Exists(db_path + suffix)) {
      return Problem("refusing to restore: database " + db_path + suffix +
                     " already exists; restore never overwrites a database (move it away "
                     "first)");
    }
  }
  if (Exists(blob_dir) && HasEntries(blob_dir)) {
    return Problem("refusing to restore: blob folder " + blob_dir +
                   " is not empty; restore never mixes blobs (move it away first)");
  }
  auto key = store::ResolveKey(config->database.key_file);
  if (!key)
    return Fail(key.error());
  auto chain = crypto::LoadPemChainFile(config->listen.tls_cert);
  if (!chain)
    return Fail(chain.error());

  auto archive = BackupArchiveReader::OpenVerified(parsed->Get("in"));
  if (!archive)
    return Problem(archive.error().ToString());
  const BackupManifest& manifest = archive->manifest();
  if (manifest.gateway_id != config->gateway_id) {
    return Problem("refusing to restore: the backup is of gateway '" + manifest.gateway_id +
                   "', the config is of '" + config->gateway_id + "'");
  }
  if (manifest.schema_version > store::LatestSchemaVersion()) {
    return Problem("refusing to restore: the backup has schema version " +
                   std::to_string(manifest.schema_version) + ", newer than this binary's " +
                   std::to_string(store::LatestSchemaVersion()));
  }

  // The database, under a temporary name until everything is in place.
  auto staged_db = io::StagedFile::Create(db_path, 0600);
  if (!staged_db)
    return Problem(staged_db.error().ToString());
  // What SQLite puts beside the staged copy while it is open there (and the copy, if it is
  // still under its temporary name).
  store::DatabaseFilesGuard side_files(staged_db->temp_path());
  if (Status s = archive->CopyTo(0, *staged_db); !s)
    return Problem(s.error().ToString());
  if (Status s = staged_db->Close(); !s)
    return Problem(s.error().ToString());
  audit::VerifyReport report;
  {
    auto db = store::Database::Open(staged_db->temp_path(), *key, store::OpenMode::kExisting);
    if (!db) {
      if (db.error().code == "database_key_mismatch") {
        return Fail("the backup's database does not open with the key of " +
                    config->database.key_file +
                    " (or KETENPOORT_DB_KEY): wrong key; nothing was restored");
      }
      return Problem(db.error().ToString());
    }
    if (Status s = store::Migrate(*db); !s)
      return Problem(s.error().ToString());
    auto verified = audit::AuditLog().Verify(*db, chain->front());
    if (!verified)
      return Problem(verified.error().ToString());
    if (!verified->ok) {
      return Problem("the backup's audit trail does not verify: " + verified->problem +
                     "; nothing was restored");
    }
    report = *verified;
    if (Status s =
            AppendOperatorEntry(*db, audit::event::kRestore, audit::action::kCreate, "database");
        !s)
      return Problem("cannot record the restore in the audit trail: " + s.error().ToString());
    // One self-contained file again before it is renamed into place.
    if (Status s = db->Exec("PRAGMA journal_mode = DELETE"); !s)
      return Problem(s.error().ToString());
  }

  // The blobs, under temporary names in their folder.
  CreatedFolder created;
  if (!Exists(blob_dir)) {
    if (Status s = io::MakeDirectory(blob_dir, 0700); !s)
      return Problem(s.error().ToString());
    created.Set(blob_dir);
  }
  std::vector<io::StagedFile> staged_blobs;
  const std::string prefix = kBackupBlobPrefix;
  for (std::size_t i = 1; i < manifest.files.size(); ++i) {
    const std::string id = manifest.files[i].name.substr(prefix.size());
    auto blob = io::StagedFile::Create(blob_dir + "/" + id, 0600);
    if (!blob)
      return Problem(blob.error().ToString());
    if (Status s = archive->CopyTo(i, *blob); !s)
      return Problem(s.error().ToString());
    if (Status s = blob->Close(); !s)
      return Problem(s.error().ToString());
    staged_blobs.push_back(std::move(*blob));
  }

  // Into place: blobs first, the database last, so that a database in place means a complete
  // restore.
  for (io::StagedFile& blob : staged_blobs) {
    if (Status s = blob.Commit(); !s)
      return Problem("restore interrupted: " + s.error().ToString());
  }
  created.Keep();
  if (Status s = staged_db->Commit(); !s) {
    return Problem("restore interrupted after the blobs were in place (empty " + blob_dir +
                   " before trying again): " + s.error().ToString());
  }
  std::printf(
      "restored %s and %zu blobs; audit trail intact: %llu entries, head %s; the restore is "
      "entry %llu\n",
      db_path.c_str(), staged_blobs.size(), static_cast<unsigned long long>(report.entries),
      crypto::HexEncode(report.head).c_str(), static_cast<unsigned long long>(report.entries + 1));
  return kExitOk;
}

}  // namespace ketenpoort::cli
