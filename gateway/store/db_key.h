// The 256-bit key that encrypts the database (docs/DESIGN.md, security model: at rest): read
// from a key file of mode 0600 holding 64 hex digits, or from the environment variable
// KETENPOORT_DB_KEY; never from the config file.
//
//   // (compiled in examples_test.cpp)
//   DbKey key = DbKey::Generate();
//   KP_RETURN_IF_ERROR(key.WriteNewFile(dir + "/db.key"));    // 0600, refuses to overwrite
//   ...
//   KP_ASSIGN_OR_RETURN(DbKey key, ResolveKey(config.database.key_file));
//   KP_ASSIGN_OR_RETURN(Database db, Database::Open(path, key, OpenMode::kExisting));
//
// Contract: a DbKey is exactly 32 bytes, move-only, and wiped (OPENSSL_cleanse) when destroyed
// or moved from. It has no accessor, no hex form and no stream operator: only WriteNewFile and
// the Database that it keys ever see the bytes. Every error names the file or the variable,
// never the content. Buffers that held key text on the way in or out are wiped as well.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/error.h"

namespace ketenpoort::store {

class Database;

// The environment variable that, when set, overrides the key file.
inline constexpr std::string_view kDbKeyEnvironmentVariable = "KETENPOORT_DB_KEY";

class DbKey {
 public:
  static constexpr std::size_t kSize = 32;

  // A fresh key from OpenSSL's DRBG.
  static DbKey Generate();

  // Exactly 64 hex digits, either case, nothing else. Error `db_key_invalid`.
  static Result<DbKey> FromHex(std::string_view hex);

  // The key file at `path`: 64 hex digits and an optional trailing "\n". Errors, all
  // kInvalidArgument and checked in this order:
  //   key_file_unreadable   missing, not a regular file, or unreadable
  //   key_file_permissions  any group or other permission bit is set ("must be mode 0600")
  //   key_file_invalid      not exactly 64 hex digits
  static Result<DbKey> LoadFile(const std::string& path);

  // KETENPOORT_DB_KEY (64 hex digits). Unset: kNotFound `db_key_not_in_environment`;
  // set but malformed: kInvalidArgument `db_key_env_invalid`.
  static Result<DbKey> FromEnvironment();

  DbKey(DbKey&& other) noexcept;
  DbKey& operator=(DbKey&& other) noexcept;
  DbKey(const DbKey&) = delete;
  DbKey& operator=(const DbKey&) = delete;
  ~DbKey();

  // Writes the key as 64 lower-case hex digits and "\n" to a new file of mode 0600, then
  // fsyncs the file and its folder. An existing file is never touched: kConflict `file_exists`.
  // Other failures: kUnavailable `key_file_write_failed`.
  Status WriteNewFile(const std::string& path) const;

 private:
  friend class Database;
  DbKey() = default;
  void Wipe();

  std::array<std::uint8_t, kSize> bytes_{};
};

// The database key of a deployment: KETENPOORT_DB_KEY when it is set (even if malformed: that
// is an error, not a fallback), otherwise the key file at `key_file_path`.
Result<DbKey> ResolveKey(const std::string& key_file_path);

}  // namespace ketenpoort::store
