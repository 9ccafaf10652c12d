#include "common/pack.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
