#include "common/pack.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "common/strings.h"

namespace oomscope {

const std::vector<std::string>& pack_table_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> out;
    std::string_view sql = pack_schema_sql();
    constexpr std::string_view kCreate = "CREATE TABLE ";
    for (size_t pos = sql.find(kCreate); pos != std::string_view::npos; pos = sql.find(kCreate, pos + 1)) {
      std::string_view rest = sql.substr(pos + kCreate.size());
      out.emplace_back(next_token(rest));
    }
    return out;
  }();
  return kNames;
}

namespace {

// columns_of(): "name type notnull pk" for each column of `table`, in order. Generated
// columns are hidden columns: pragma_table_info() does not list them.
// `table` is one of our own schema's names (letters and '_'), never a pack's: the PRAGMA form
// is used because the read-only authorizer refuses what pragma_table_info() does internally.
std::vector<std::string> columns_of(sqlite::Db& db, const std::string& table) {
  std::vector<std::string> out;
  if (table.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) return out;
  auto st = db.prepare("PRAGMA table_info(\"" + table + "\")");
  if (!st) return out;
  while (st->step_row()) {  // cid, name, type, notnull, dflt_value, pk
    out.push_back(std::string(st->column_text(1)) + " " + std::string(st->column_text(2)) + " " +
                  std::to_string(st->column_int64(3)) + " " + std::to_string(st->column_int64(5)));
  }
  return out;
}

// expected_columns(): the columns of every table of this build's schema.
const std::map<std::string, std::vector<std::string>>& expected_columns() {
  static const auto kColumns = [] {
    std::map<std::string, std::vector<std::string>> m;
    auto db = sqlite::Db::open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (db && db->exec(pack_schema_sql())) {
      for (const auto& t : pack_table_names()) m[t] = columns_of(*db, t);
    }
    return m;
  }();
  return kColumns;
}

}  // namespace

bool looks_like_pack(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st;
  unsigned char hdr[100];
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 100 &&
            ::pread(fd, hdr, sizeof hdr, 0) == static_cast<ssize_t>(sizeof hdr);
  ::close(fd);
  if (!ok) return false;
  if (std::memcmp(hdr, "SQLite format 3", 16) != 0) return false;  // includes the trailing NUL
  // The database header stores application_id big-endian at offset 68.
  uint32_t app = (uint32_t{hdr[68]} << 24) | (uint32_t{hdr[69]} << 16) | (uint32_t{hdr[70]} << 8) | hdr[71];
  return app == static_cast<uint32_t>(kPackApplicationId);
}

Result<PackReader> PackReader::open(const std::string& path) {
  // Refuse non-regular files before SQLite sees them (a FIFO would block, a device is odd),
  // and symlinks (SQLite opens with SQLITE_OPEN_NOFOLLOW anyway; this gives a clear message).
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    int e = errno;
    return Error{ErrorCode::kIo, e, path + ": " + std::strerror(e)};
  }
  if (S_ISLNK(st.st_mode)) {
    return Error{ErrorCode::kFormat, 0, path + ": is a symbolic link; give the path of the pack itself"};
  }
  if (!S_ISREG(st.st_mode)) return Error{ErrorCode::kFormat, 0, path + ": not a regular file"};

  auto db = sqlite::Db::open_untrusted_readonly(path);
  if (!db) return db.error().with_context(path);

  auto app = db->pragma_int("application_id");
  if (!app) {
    // SQLITE_NOTADB shows up here, on the first read.
    Error e = app.error().with_context(path);
    e.code = ErrorCode::kFormat;
    e.message = path + ": not an oomscope pack (not an SQLite database)";
    return e;
  }
  if (*app != kPackApplicationId) {
    return Error{ErrorCode::kFormat, 0,
                 path + ": not an oomscope pack (application_id " + std::to_string(*app) + ", expected " +
                     std::to_string(kPackApplicationId) + ")"};
  }
  auto version = db->pragma_int("user_version");
  if (!version) return version.error().with_context(path);
  if (*version > kPackSchemaVersion) {
    return Error{ErrorCode::kFormat, 0,
                 path + ": pack schema version " + std::to_string(*version) + " is newer than this oomscope (" +
                     std::to_string(kPackSchemaVersion) + "); upgrade oomscope"};
  }
  if (*version < 1) {
    return Error{ErrorCode::kFormat, 0, path + ": pack has no schema version (user_version 0)"};
  }
  auto tables = db->prepare("SELECT name FROM sqlite_schema WHERE type = 'table'");
  if (!tables) return tables.error().with_context(path);
  std::vector<std::string> have;
  while (tables->step_row()) have.emplace_back(tables->column_text(0));
  if (!tables->status()) return tables->status().error().with_context(path);
  std::string missing;
  for (const auto& want : pack_table_names()) {
    bool found = false;
    for (const auto& h : have) found = found || h == want;
    if (!found) missing += (missing.empty() ? "" : ", ") + want;
  }
  if (!missing.empty()) return Error{ErrorCode::kFormat, 0, path + ": pack is missing tables: " + missing};
  // Every expected column, as this schema declares it. A tampered pack could turn a column
  // into a generated one whose expression runs for minutes on each row read (a printf of a
  // billion characters); generated columns are hidden, so they fail this check (issue 5).
  for (const auto& [table, want] : expected_columns()) {
    std::vector<std::string> got = columns_of(*db, table);
    for (const auto& col : want) {
      bool found = false;
      for (const auto& g : got) found = found || g == col;
      if (!found) {
        return Error{ErrorCode::kFormat, 0,
                     path + ": pack table " + table + " was altered: column '" + col.substr(0, col.find(' ')) +
                         "' is not as schema version " + std::to_string(kPackSchemaVersion) + " declares it"};
      }
    }
  }
  return PackReader(std::move(*db), *version);
}

std::optional<std::string> PackReader::meta(std::string_view key) {
  auto st = db_.prepare("SELECT value FROM meta WHERE key = ?1");
  if (!st) return std::nullopt;
  st->bind(1, key);
  if (!st->step_row() || st->column_is_null(0)) return std::nullopt;
  return std::string(st->column_text(0));
}

Status PackReader::for_each_kernel_log_line(
    const std::function<bool(std::string_view line, const KernelLogRow& row)>& fn) {
  auto st = db_.prepare("SELECT raw, source, seq, mono_usec, wall_utc, message FROM kernel_log ORDER BY id");
  if (!st) return st.error().with_context("kernel_log");
  while (st->step_row()) {
    KernelLogRow row{st->column_text(1), st->column_opt_int64(2), st->column_opt_int64(3), st->column_text(4),
                     st->column_text(5)};
    if (!fn(st->column_text(0), row)) return Ok{};
  }
  if (!st->status()) return st->status().error().with_context("kernel_log");
  return Ok{};
}

}  // namespace oomscope
