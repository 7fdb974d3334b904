// Online backup and restore on a real gateway: `ketenpoort backup` runs while `ketenpoort serve`
// accepts messages from several threads; the backup restores into a fresh deployment folder
// (config, directory, routes, certificates and key file copied; no database, no blobs), whose
// audit trail verifies and which serves every message acknowledged (202) before the backup
// began. Restore refuses an existing database, a truncated or altered backup and a wrong key,
// and changes nothing on disk when it does.
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/harness/harness.h"
#include "tests/harness/sealer.h"

namespace ketenpoort::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int kSubmitters = 3;
constexpr auto kLoadLimit = std::chrono::seconds(60);  // the submitters stop by then regardless

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A deployment folder with everything of `from` but its database and blobs, listening on a
// port of its own.
void CopyDeploymentWithoutData(const std::string& from, const std::string& to, int port) {
  for (const auto& entry : fs::directory_iterator(from)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("ketenpoort.db", 0) == 0)
      continue;  // the database, its -wal/-shm and the blob folder
    fs::copy(entry.path(), to + "/" + name,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
  json config = json::parse(ReadFileOrEmpty(to + "/gateway.json"));
  config["listen"]["port"] = port;
  WriteBytes(to + "/gateway.json", config.dump(2));
  ::chmod((to + "/db.key").c_str(), 0600);
}

std::vector<std::string> FolderEntries(const std::string& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec))
    names.push_back(entry.path().filename().string());
  return names;
}

TEST(BackupTest, OnlineBackupUnderLoadRestoresEveryAcknowledgedMessage) {
  auto dep = Deployment::Create();
  GatewayProcess gw(dep->config_path());
  ASSERT_TRUE(gw.Start(dep->port(), dep->ca_path())) << gw.error;
  HttpsClient client(dep->ca_path());

  // A blob the database records (an uploaded attachment's ciphertext).
  const std::string blob_bytes = "synthetic attachment ciphertext from example.org";
  auto upload =
      client.Request("POST", dep->url() + "/v1/attachments", blob_bytes, dep->Token("shop-denhaag"),
                     {"Content-Type: application/octet-stream"});
  ASSERT_EQ(upload.status, 201) << upload.body;
  const std::string blob_id = json::parse(upload.body)["attachment_id"];

  Sealer sealer(dep->dir());
  const std::string body =
      json{{"kind", "signal"},
           {"routing", {{"region", "GM0518"}, {"age_band", "adult"}}},
           {"subject_ref", "faa4be2680255c2617b287da85e6f9353f5b4107c1e32e7fbed40c41bb83ed40"},
           {"payload",
            sealer.SealBase64("shop-denhaag", {"comensha", "shop-denhaag"}, "synthetic signal")}}
          .dump();

  std::mutex mu;
  std::vector<std::string> acknowledged;  // ids answered 202, in the order the answers came
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  const auto give_up = std::chrono::steady_clock::now() + kLoadLimit;
  std::vector<std::thread> submitters;
  for (int t = 0; t < kSubmitters; ++t) {
    submitters.emplace_back([&] {
      HttpsClient own(dep->ca_path());
      while (!stop && std::chrono::steady_clock::now() < give_up) {
        auto r = own.Post(dep->url() + "/v1/messages", body, dep->Token("shop-denhaag"));
        if (r.status != 202) {
          ++refused;
          continue;
        }
        const std::string id = json::parse(r.body)["id"];
        std::lock_guard lock(mu);
        acknowledged.push_back(id);
      }
    });
  }
  auto count = [&] {
    std::lock_guard lock(mu);
    return acknowledged.size();
  };
  // The load is running before the backup starts, and goes on while it runs.
  ASSERT_TRUE(WaitFor([&] { return count() >= 30; }, std::chrono::seconds(30)));
  std::vector<std::string> before_backup;
  {
    std::lock_guard lock(mu);
    before_backup = acknowledged;
  }
  testing::TempDir out_dir;
  const std::string backup_path = out_dir.path() + "/kp.backup";
  auto backup = RunKetenpoort({"backup", "--config", dep->config_path(), "--out", backup_path});
  const std::size_t after_backup = count();
  stop = true;
  for (auto& t : submitters)
    t.join();
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_EQ(refused.load(), 0);
  EXPECT_NE(backup.out.find("and 1 blobs"), std::string::npos) << backup.out;
  std::printf("acknowledged before the backup: %zu, while it ran: %zu\n", before_backup.size(),
              after_backup - before_backup.size());
  struct stat st {};
  ASSERT_EQ(::stat(backup_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Nothing but the backup is left beside it (the snapshot and the temporary file are gone).
  EXPECT_EQ(FolderEntries(out_dir.path()), std::vector<std::string>{"kp.backup"});

  // A backup never overwrites; the live trail, with the backup's entry, still verifies.
  const std::string backup_bytes = ReadFileOrEmpty(backup_path);
  auto again = RunKetenpoort({"backup", "--config", dep->config_path(), "--out", backup_path});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find(backup_path), std::string::npos) << again.err;
  EXPECT_EQ(ReadFileOrEmpty(backup_path), backup_bytes);
  EXPECT_EQ(gw.Terminate(), 0);
  auto live_verify = RunKetenpoort({"audit", "verify", "--config", dep->config_path()});
  EXPECT_EQ(live_verify.exit_code, 0) << live_verify.out << live_verify.err;
  auto live_export = RunKetenpoort({"audit", "export", "--config", dep->config_path()});
  EXPECT_NE(live_export.out.find("\"event\":\"backup\""), std::string::npos);

  // Restore refuses a deployment that has its database.
  auto over = RunKetenpoort({"restore", "--config", dep->config_path(), "--in", backup_path});
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_NE(over.err.find(dep->db_path()), std::string::npos) << over.err;

  // A fresh deployment folder: everything but the database and the blobs.
  testing::TempDir fresh;
  const int fresh_port = FreeLoopbackPort();
  CopyDeploymentWithoutData(dep->dir(), fresh.path(), fresh_port);
  const std::string fresh_config = fresh.path() + "/gateway.json";
  const std::string fresh_db = fresh.path() + "/ketenpoort.db";
  const std::string fresh_blobs = fresh_db + ".blobs";
  const auto untouched = FolderEntries(fresh.path());

  // Damaged backups and a wrong key are refused, and nothing is written.
  WriteBytes(out_dir.path() + "/cut.backup", backup_bytes.substr(0, backup_bytes.size() / 2));
  std::string flipped = backup_bytes;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x20);
  WriteBytes(out_dir.path() + "/flipped.backup", flipped);
  for (const std::string name : {"cut.backup", "flipped.backup"}) {
    auto bad =
        RunKetenpoort({"restore", "--config", fresh_config, "--in", out_dir.path() + "/" + name});
    EXPECT_EQ(bad.exit_code, 1) << name;
    EXPECT_NE(bad.err.find("damaged"), std::string::npos) << bad.err;
    EXPECT_EQ(FolderEntries(fresh.path()), untouched) << name;
  }
  auto wrong_key = RunKetenpoort(
      {"restore", "--config", fresh_config, "--in", backup_path},
      {{"KETENPOORT_DB_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}});
  EXPECT_EQ(wrong_key.exit_code, 2);
  EXPECT_NE(wrong_key.err.find("wrong key"), std::string::npos) << wrong_key.err;
  EXPECT_EQ(FolderEntries(fresh.path()), untouched);

  // A blob folder with something in it is refused too.
  fs::create_directory(fresh_blobs);
  WriteBytes(fresh_blobs + "/b-00000000000000000000000000000000", "someone else's");
  auto mixed = RunKetenpoort({"restore", "--config", fresh_config, "--in", backup_path});
  EXPECT_EQ(mixed.exit_code, 1);
  EXPECT_NE(mixed.err.find(fresh_blobs), std::string::npos) << mixed.err;
  EXPECT_FALSE(fs::exists(fresh_db));
  fs::remove_all(fresh_blobs);

  // The real restore: the trail verifies, and the blob is back byte for byte.
  auto restored = RunKetenpoort({"restore", "--config", fresh_config, "--in", backup_path});
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  EXPECT_NE(restored.out.find("audit trail intact"), std::string::npos) << restored.out;
  ASSERT_EQ(::stat(fresh_db.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(ReadFileOrEmpty(fresh_blobs + "/" + blob_id), blob_bytes);
  auto verify = RunKetenpoort({"audit", "verify", "--config", fresh_config});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  auto second = RunKetenpoort({"restore", "--config", fresh_config, "--in", backup_path});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find(fresh_db), std::string::npos) << second.err;

  // The restored gateway serves every message acknowledged before the backup began.
  GatewayProcess restored_gw(fresh_config);
  ASSERT_TRUE(restored_gw.Start(fresh_port, fresh.path() + "/certs/ca.cert.pem"))
      << restored_gw.error;
  HttpsClient restored_client(fresh.path() + "/certs/ca.cert.pem");
  const std::string url = "https://127.0.0.1:" + std::to_string(fresh_port);
  int missing = 0;
  for (const std::string& id : before_backup) {
    auto r = restored_client.Get(url + "/v1/messages/" + id, dep->Token("shop-denhaag"));
    if (r.status != 200) {
      ++missing;
      ADD_FAILURE() << id << ": " << r.status << " " << r.body;
      if (missing > 5)
        break;
    }
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(restored_gw.Terminate(), 0);

  // A blob the database records but that is gone fails the backup, and leaves nothing.
  fs::remove(dep->db_path() + ".blobs/" + blob_id);
  const std::string second_path = out_dir.path() + "/second.backup";
  auto incomplete = RunKetenpoort({"backup", "--config", dep->config_path(), "--out", second_path});
  EXPECT_EQ(incomplete.exit_code, 1);
  EXPECT_NE(incomplete.err.find(blob_id), std::string::npos) << incomplete.err;
  for (const std::string& name : FolderEntries(out_dir.path()))
    EXPECT_EQ(name.find("second.backup"), std::string::npos) << name;
}

// A backup whose audit trail was altered (with raw SQL through the `sqlcipher` tool, keyed from
// db.key) is refused by restore, which leaves the deployment folder as it was.
TEST(BackupTest, RestoreRefusesATrailThatDoesNotVerify) {
  auto dep = Deployment::Create();
  testing::TempDir tmp;
  const std::string script = tmp.path() + "/alter.sql";
  std::string key = ReadFileOrEmpty(dep->dir() + "/db.key");
  key.erase(key.find_last_not_of("\n") + 1);
  WriteBytes(script,
             "PRAGMA key = \"x'" + key +
                 "'\";\nUPDATE audit_entries SET organisation = 'mallory' WHERE seq = 2;\n");
  auto altered = RunShell("sqlcipher -batch '" + dep->db_path() + "' < '" + script + "'");
  ASSERT_EQ(altered.exit_code, 0) << altered.err;
  ASSERT_EQ(RunKetenpoort({"audit", "verify", "--config", dep->config_path()}).exit_code, 1);

  const std::string backup_path = tmp.path() + "/altered.backup";
  auto backup = RunKetenpoort({"backup", "--config", dep->config_path(), "--out", backup_path});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  testing::TempDir fresh;
  CopyDeploymentWithoutData(dep->dir(), fresh.path(), FreeLoopbackPort());
  const auto untouched = FolderEntries(fresh.path());
  auto restored =
      RunKetenpoort({"restore", "--config", fresh.path() + "/gateway.json", "--in", backup_path});
  EXPECT_EQ(restored.exit_code, 1);
  EXPECT_NE(restored.err.find("does not verify"), std::string::npos) << restored.err;
  EXPECT_EQ(FolderEntries(fresh.path()), untouched);
}

}  // namespace
}  // namespace ketenpoort::testing
