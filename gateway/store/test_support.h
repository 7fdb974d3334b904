// Helpers for the store's tests: a temporary folder under /tmp that removes itself, a fresh
// migrated database in it, and snapshots of files and folders to prove that an operation
// changed nothing on disk.
//
//   // (compiled in examples_test.cpp)
//   TempDir dir;                                                 // /tmp/kp_store_XXXXXX
//   Result<Database> db = MigratedDatabase(dir.File("kp.db"));   // random key, every migration
//   auto before = Snapshot(dir.path());                          // every file's bytes
//   ...                                                          // an operation that must fail
//   EXPECT_EQ(Snapshot(dir.path()), before);                     // and changed nothing
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "gateway/core/error.h"
#include "gateway/store/database.h"
#include "gateway/store/db_key.h"
#include "gateway/store/migrations.h"

namespace ketenpoort::store::test {

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/kp_store_XXXXXX";
    if (::mkdtemp(name) != nullptr) {
      path_ = name;
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) {
      std::filesystem::remove_all(path_, ec);
    }
  }

  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline bool Exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void WriteFileBytes(const std::string& path, const std::string& bytes, mode_t mode) {
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes; }
  ::chmod(path.c_str(), mode);
}

inline mode_t FileMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return 0;
  }
  return st.st_mode & 07777;
}

// Every file in `dir` with its full content.
inline std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    files[entry.path().filename().string()] = ReadFileBytes(entry.path().string());
  }
  return files;
}

inline std::vector<std::string> Names(const std::map<std::string, std::string>& snapshot) {
  std::vector<std::string> names;
  for (const auto& [name, content] : snapshot) {
    names.push_back(name);
  }
  return names;
}

// A new database at `path` with a random key and every migration applied.
inline Result<Database> MigratedDatabase(const std::string& path) {
  KP_ASSIGN_OR_RETURN(Database db, Database::Open(path, DbKey::Generate(), OpenMode::kCreate));
  KP_RETURN_IF_ERROR(Migrate(db));
  return db;
}

}  // namespace ketenpoort::store::test
