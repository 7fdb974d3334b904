// The audit trail in the real SQLCipher store against trail size (issue: a tamper-evident audit
// trail). Measures and prints; never passes or fails.
//
//   cmake -S . -B build-abench -G Ninja -DKP_BENCH=ON -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-abench --target kp_audit_store_bench
//   build-abench/tests/bench/kp_audit_store_bench               # up to 10M entries
//   build-abench/tests/bench/kp_audit_store_bench --max 1M      # quick run, 1M only
//
// On a fresh database (Database::Open kCreate, DbKey::Generate, Migrate) in a temporary folder
// under /tmp (or --dir DIR), removed at the end, with AuditLog from gateway/audit/audit_log.h:
// - append cost at an empty trail, at 1M and at 10M entries: 10,000 appends in transactions of
//   1,000 (CPU cost per append; commits without per-append fsync) and 200 appends each in its own
//   transaction (durable: synchronous=FULL, one fsync per commit). Wall and process CPU time.
// - growth between the stages with AuditLog::Append in transactions of 100,000, synthetic but
//   realistic entries (varied events, pseudonyms, users, organisations, message ids).
// - AuditLog::Verify over the whole stored trail at 1M and 10M (entries/s).
// - AuditLog::InclusionProof and ConsistencyProof over the stored trail at tree sizes 1k, 100k,
//   1M, 10M: proof bytes (32 per hash) and time. Proofs read stored perfect subtrees of 16+ leaves
//   (store migration 7).
// Before growing to 10M it checks free disk space (statvfs) against the measured bytes per entry
// and stops at 1M if it does not fit. Every figure is printed with the load average, because
// the machine's cores are shared.
#include <stdlib.h>
#include <sys/statvfs.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/audit/audit_entry.h"
#include "gateway/audit/audit_log.h"
#include "gateway/core/error.h"
#include "gateway/crypto/certificate.h"
#include "gateway/crypto/keyring.h"
#include "gateway/store/database.h"
#include "gateway/store/db_key.h"
#include "gateway/store/migrations.h"

namespace ketenpoort::audit {
namespace {

constexpr std::uint64_t kGrowTransaction = 100'000;
constexpr int kBatchedAppends = 10'000;
constexpr int kBatchSize = 1'000;
constexpr int kDurableAppends = 200;

std::string Load() {
  double avg[3] = {0, 0, 0};
  if (::getloadavg(avg, 3) < 3)
    return "load ?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "load %.2f %.2f %.2f", avg[0], avg[1], avg[2]);
  return buf;
}

double CpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string Count(std::uint64_t n) {
  if (n >= 1'000'000 && n % 1'000'000 == 0)
    return std::to_string(n / 1'000'000) + "M";
  if (n >= 1'000 && n % 1'000 == 0)
    return std::to_string(n / 1'000) + "k";
  char buf[32];
  if (n >= 1'000'000)
    std::snprintf(buf, sizeof buf, "%.2fM", static_cast<double>(n) / 1e6);
  else if (n >= 1'000)
    std::snprintf(buf, sizeof buf, "%.1fk", static_cast<double>(n) / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
  return buf;
}

// Synthetic entries with the variety of a working gateway: a few hundred organisations, tens of
// thousands of users and client pseudonyms, ULID-like message ids. Deterministic (splitmix64).
class EntryMaker {
 public:
  AuditEntry Next() {
    static constexpr std::array<std::string_view, 8> kEvents = {
        event::kSubmit, event::kDeliver,  event::kFetch,        event::kOpen,
        event::kOpen,   event::kDownload, event::kStatusChange, event::kAuditRead};
    static constexpr std::array<std::string_view, 6> kRoles = {
        "sender", "recipient", "coordinator", "case-worker", "auditor", "system"};
    static constexpr std::array<std::string_view, 4> kBases = {"youth_act", "wmo_2015", "consent",
                                                               "treatment_agreement"};
    static constexpr std::array<std::string_view, 6> kOrgKinds = {
        "wijkteam", "jeugdzorg", "ggz", "huisarts", "gemeente", "veilig-thuis"};
    static constexpr std::array<std::string_view, 5> kActions = {
        action::kCreate, action::kRead, action::kRead, action::kUpdate, action::kExecute};
    const std::uint64_t r = Random();
    AuditEntry e;
    e.time_ms = time_ms_ += 1 + static_cast<std::int64_t>(r % 997);
    e.event = std::string(kEvents[r % kEvents.size()]);
    e.subject_ref = Hex(Random() % 40'000, 32);
    const std::uint64_t org = (r >> 8) % 300;
    e.organisation =
        std::string(kOrgKinds[org % kOrgKinds.size()]) + "-" + std::to_string(1000 + org);
    e.user = "user" + std::to_string((r >> 20) % 20'000) + "@" + e.organisation;
    if ((r >> 40) % 10 == 0)
      e.responsible_user = "user" + std::to_string((r >> 44) % 20'000);
    e.role = std::string(kRoles[(r >> 16) % kRoles.size()]);
    e.action = std::string(kActions[(r >> 24) % kActions.size()]);
    e.object = "msg-01HX" + Hex(Random(), 18);
    e.authorisation_basis = std::string(kBases[(r >> 28) % kBases.size()]);
    e.break_glass = (r >> 50) % 1000 == 0;
    e.outcome = (r >> 32) % 50 == 0 ? "forbidden" : std::string(kOutcomeSuccess);
    e.source_address = "192.0.2." + std::to_string((r >> 36) % 254 + 1);
    return e;
  }

 private:
  std::uint64_t Random() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  static std::string Hex(std::uint64_t seed, int digits) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    std::uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
    for (int i = 0; i < digits; ++i) {
      if (i % 16 == 0)
        x = (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9ULL + static_cast<std::uint64_t>(i);
      s.push_back(kDigits[(x >> ((i % 16) * 4)) & 0xf]);
    }
    return s;
  }

  std::uint64_t state_ = 42;
  std::int64_t time_ms_ = 1'795'326'001'123;
};

struct Bench {
  store::Database& db;
  AuditLog log;
  EntryMaker maker;
  std::uint64_t size = 0;
  std::vector<std::string> table;  // markdown rows, printed again at the end
};

std::uint64_t DbBytes(const std::string& path) {
  std::uint64_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(path + suffix, ec);
    if (!ec)
      total += n;
  }
  return total;
}

Status AppendTransactions(Bench& b, std::uint64_t count, std::uint64_t per_tx) {
  for (std::uint64_t done = 0; done < count;) {
    KP_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(b.db));
    const std::uint64_t n = std::min(per_tx, count - done);
    for (std::uint64_t i = 0; i < n; ++i)
      KP_RETURN_IF_ERROR(b.log.Append(b.db, b.maker.Next()));
    KP_RETURN_IF_ERROR(tx.Commit());
    done += n;
    b.size += n;
  }
  return Ok();
}

// Both append costs at the current trail size.
Status MeasureAppends(Bench& b, const std::string& stage) {
  double w0 = WallSeconds(), c0 = CpuSeconds();
  KP_RETURN_IF_ERROR(AppendTransactions(b, kBatchedAppends, kBatchSize));
  double wall = (WallSeconds() - w0) * 1e6 / kBatchedAppends;
  double cpu = (CpuSeconds() - c0) * 1e6 / kBatchedAppends;
  std::string load = Load();
  std::printf("[%s] append, %d in transactions of %d: %.1f us wall, %.1f us CPU per append (%s)\n",
              stage.c_str(), kBatchedAppends, kBatchSize, wall, cpu, load.c_str());
  char row[256];
  std::snprintf(row, sizeof row, "| append, transactions of %d | %s | %.1f µs | %.1f µs | %s |",
                kBatchSize, stage.c_str(), wall, cpu, load.c_str());
  b.table.emplace_back(row);

  w0 = WallSeconds(), c0 = CpuSeconds();
  KP_RETURN_IF_ERROR(AppendTransactions(b, kDurableAppends, 1));
  wall = (WallSeconds() - w0) * 1e6 / kDurableAppends;
  cpu = (CpuSeconds() - c0) * 1e6 / kDurableAppends;
  load = Load();
  std::printf("[%s] append, %d each in its own transaction: %.1f us wall, %.1f us CPU (%s)\n",
              stage.c_str(), kDurableAppends, wall, cpu, load.c_str());
  std::snprintf(row, sizeof row,
                "| append, own transaction (fsync) | %s | %.1f µs | %.1f µs | %s |", stage.c_str(),
                wall, cpu, load.c_str());
  b.table.emplace_back(row);
  return Ok();
}

Status Grow(Bench& b, std::uint64_t target) {
  const double w0 = WallSeconds();
  const std::uint64_t from = b.size;
  while (b.size < target) {
    // Transactions end on every million, so that progress shows there.
    const std::uint64_t next_million = (b.size / 1'000'000 + 1) * 1'000'000;
    const std::uint64_t n = std::min({kGrowTransaction, target - b.size, next_million - b.size});
    KP_RETURN_IF_ERROR(AppendTransactions(b, n, kGrowTransaction));
    if (b.size % 1'000'000 == 0 || b.size == target) {
      const double s = WallSeconds() - w0;
      std::printf("  grown to %llu entries: %.0f s, %.0f appends/s, database %.1f MB (%s)\n",
                  static_cast<unsigned long long>(b.size), s,
                  static_cast<double>(b.size - from) / s, DbBytes(b.db.path()) / 1e6,
                  Load().c_str());
      std::fflush(stdout);
    }
  }
  const double s = WallSeconds() - w0;
  char row[256];
  std::snprintf(row, sizeof row,
                "| grow, transactions of 100k | %s → %s | %.1f µs (%.0fk appends/s) | | %s |",
                Count(from).c_str(), Count(target).c_str(),
                s * 1e6 / static_cast<double>(target - from),
                static_cast<double>(target - from) / s / 1e3, Load().c_str());
  b.table.emplace_back(row);
  return Ok();
}

Status MeasureVerify(Bench& b, const crypto::Certificate& cert, const std::string& stage) {
  const double w0 = WallSeconds(), c0 = CpuSeconds();
  KP_ASSIGN_OR_RETURN(VerifyReport r, b.log.Verify(b.db, cert));
  const double wall = WallSeconds() - w0, cpu = CpuSeconds() - c0;
  const std::string load = Load();
  std::printf(
      "[%s] verify %llu entries: ok=%d signed_size=%llu, %.1f s wall (%.0f entries/s), "
      "%.1f s CPU (%.0f entries/s) (%s)\n",
      stage.c_str(), static_cast<unsigned long long>(r.entries), r.ok ? 1 : 0,
      static_cast<unsigned long long>(r.signed_size), wall, r.entries / wall, cpu, r.entries / cpu,
      load.c_str());
  char row[256];
  std::snprintf(row, sizeof row,
                "| verify %s entries | %s | %.1f s (%.0fk/s) | %.1f s (%.0fk/s) | %s |",
                Count(r.entries).c_str(), stage.c_str(), wall, r.entries / wall / 1e3, cpu,
                r.entries / cpu / 1e3, load.c_str());
  b.table.emplace_back(row);
  return Ok();
}

Status MeasureProofs(Bench& b, std::uint64_t size, int reps) {
  const std::uint64_t seq = size / 3 + 1;
  const std::uint64_t old_size = size / 2 + 7;
  for (int kind = 0; kind < 2; ++kind) {
    std::vector<double> walls, cpus;
    std::size_t hashes = 0;
    for (int i = 0; i < reps; ++i) {
      const double w0 = WallSeconds(), c0 = CpuSeconds();
      Result<std::vector<crypto::Digest>> proof =
          kind == 0 ? b.log.InclusionProof(b.db, seq, size)
                    : b.log.ConsistencyProof(b.db, old_size, size);
      walls.push_back(WallSeconds() - w0);
      cpus.push_back(CpuSeconds() - c0);
      if (!proof.ok())
        return proof.error();
      hashes = proof->size();
    }
    std::sort(walls.begin(), walls.end());
    std::sort(cpus.begin(), cpus.end());
    const char* name = kind == 0 ? "inclusion" : "consistency";
    const std::string load = Load();
    std::printf(
        "  %s proof at size %s: %zu hashes = %zu bytes; %d reps, wall min %.2f ms "
        "median %.2f ms, CPU median %.2f ms (%s)\n",
        name, Count(size).c_str(), hashes, hashes * 32, reps, walls.front() * 1e3,
        walls[walls.size() / 2] * 1e3, cpus[cpus.size() / 2] * 1e3, load.c_str());
    std::fflush(stdout);
    char row[256];
    std::snprintf(row, sizeof row,
                  "| %s proof, %zu B | %s | %.2f ms (median of %d) | %.2f ms | %s |", name,
                  hashes * 32, Count(size).c_str(), walls[walls.size() / 2] * 1e3, reps,
                  cpus[cpus.size() / 2] * 1e3, load.c_str());
    b.table.emplace_back(row);
  }
  return Ok();
}

std::uint64_t FreeBytes(const std::string& dir) {
  struct statvfs s {};
  if (::statvfs(dir.c_str(), &s) != 0)
    return 0;
  return static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize;
}

Status Run(std::uint64_t max, const std::string& parent) {
  char name[4096];
  std::snprintf(name, sizeof name, "%s/kp_audit_bench_XXXXXX", parent.c_str());
  if (::mkdtemp(name) == nullptr)
    return Internal("bench_setup", "cannot create a temporary folder under " + parent);
  const std::string dir = name;
  struct Remove {
    std::string dir;
    ~Remove() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } remove{dir};

  KP_ASSIGN_OR_RETURN(
      store::Database db,
      store::Database::Open(dir + "/kp.db", store::DbKey::Generate(), store::OpenMode::kCreate));
  KP_RETURN_IF_ERROR(store::Migrate(db));
  KP_ASSIGN_OR_RETURN(std::string pub, crypto::Keyring::GenerateKeyFile(dir + "/gateway.key.pem"));
  crypto::Keyring keyring;
  KP_RETURN_IF_ERROR(keyring.LoadKeyFile("gateway", dir + "/gateway.key.pem"));
  crypto::CertificateRequest req;
  req.common_name = "gateway";
  req.public_key_pem = pub;
  req.is_ca = true;
  KP_ASSIGN_OR_RETURN(crypto::Certificate cert, keyring.IssueCertificate("gateway", nullptr, req));

  Bench b{db, {}, {}, 0, {}};
  std::printf("audit trail in SQLCipher at %s, up to %s entries (%s)\n", dir.c_str(),
              Count(max).c_str(), Load().c_str());

  KP_RETURN_IF_ERROR(MeasureAppends(b, "empty"));

  std::printf("growing to 1M in transactions of %llu\n",
              static_cast<unsigned long long>(kGrowTransaction));
  KP_RETURN_IF_ERROR(Grow(b, 1'000'000));
  {
    KP_ASSIGN_OR_RETURN(TreeHead head, b.log.SignHead(db, keyring, "gateway", NowMs()));
    std::printf("signed tree head at size %llu\n", static_cast<unsigned long long>(head.size));
  }
  const double per_entry = static_cast<double>(DbBytes(db.path())) / static_cast<double>(b.size);
  std::printf("database at %llu entries: %.1f MB, %.0f bytes per entry\n",
              static_cast<unsigned long long>(b.size), DbBytes(db.path()) / 1e6, per_entry);
  KP_RETURN_IF_ERROR(MeasureAppends(b, "1M"));
  KP_RETURN_IF_ERROR(MeasureVerify(b, cert, "1M"));
  std::printf("proofs over the stored trail (stored subtrees of 16+ leaves, else leaves):\n");
  KP_RETURN_IF_ERROR(MeasureProofs(b, 1'000, 20));
  KP_RETURN_IF_ERROR(MeasureProofs(b, 100'000, 5));
  KP_RETURN_IF_ERROR(MeasureProofs(b, 1'000'000, 3));

  if (max > 1'000'000) {
    const double need = per_entry * static_cast<double>(max - b.size) * 1.5;
    const std::uint64_t free = FreeBytes(dir);
    std::printf("free disk %.1f GB, needed for %s about %.1f GB\n", free / 1e9, Count(max).c_str(),
                need / 1e9);
    if (static_cast<double>(free) < need) {
      std::printf("not enough free disk: stopping at 1M\n");
      max = 1'000'000;
    }
  }
  if (max > 1'000'000) {
    std::printf("growing to %s in transactions of %llu\n", Count(max).c_str(),
                static_cast<unsigned long long>(kGrowTransaction));
    KP_RETURN_IF_ERROR(Grow(b, max));
    {
      KP_ASSIGN_OR_RETURN(TreeHead head, b.log.SignHead(db, keyring, "gateway", NowMs()));
      std::printf("signed tree head at size %llu\n", static_cast<unsigned long long>(head.size));
    }
    std::printf("database at %llu entries: %.1f MB\n", static_cast<unsigned long long>(b.size),
                DbBytes(db.path()) / 1e6);
    const std::string stage = Count(max);
    KP_RETURN_IF_ERROR(MeasureAppends(b, stage));
    KP_RETURN_IF_ERROR(MeasureVerify(b, cert, stage));
    KP_RETURN_IF_ERROR(MeasureProofs(b, max, 2));
  }

  std::printf(
      "\n| what | trail | wall | CPU | load average (1, 5, 15 min) |\n|---|---|---|---|---|\n");
  for (const std::string& row : b.table)
    std::printf("%s\n", row.c_str());
  return Ok();
}

}  // namespace
}  // namespace ketenpoort::audit

int main(int argc, char** argv) {
  std::uint64_t max = 10'000'000;
  std::string parent = "/tmp";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--max" && i + 1 < argc) {
      const std::string_view v = argv[++i];
      if (v == "1M" || v == "1000000") {
        max = 1'000'000;
      } else if (v == "10M" || v == "10000000") {
        max = 10'000'000;
      } else {
        std::fprintf(stderr, "--max takes 1M or 10M\n");
        return 2;
      }
    } else if (arg == "--dir" && i + 1 < argc) {
      parent = argv[++i];
    } else {
      std::fprintf(stderr, "usage: kp_audit_store_bench [--max 1M|10M] [--dir PARENT]\n");
      return 2;
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure shows as soon as it is measured
  ketenpoort::Status s = ketenpoort::audit::Run(max, parent);
  if (!s.ok()) {
    std::fprintf(stderr, "bench stopped: %s\n", s.error().ToString().c_str());
    return 1;
  }
  return 0;
}
