#include "collector/pack_writer.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "collector/sys_root.h"
#include "common/pack.h"

namespace oomscope::collector {

namespace {

Error sys_error(int e, const std::string& what) {
  return Error{ErrorCode::kIo, e, what + ": " + std::strerror(e)};
}

std::string random_suffix() {
  std::random_device rd;
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 12; ++i) s.push_back(kHex[rd() % 16]);
  return s;
}

}  // namespace

PackWriter::PackWriter(PackWriter&& o) noexcept
    : db_(std::move(o.db_)),
      raw_(std::move(o.raw_)),
      err_(std::move(o.err_)),
      meta_(std::move(o.meta_)),
      final_path_(std::move(o.final_path_)),
      temp_path_(std::move(o.temp_path_)),
      dir_(std::move(o.dir_)),
      fd_(o.fd_),
      overwrite_(o.overwrite_),
      done_(o.done_) {
  o.fd_ = -1;
  o.done_ = true;
}

PackWriter::~PackWriter() {
  if (!done_) abandon();
}

Result<PackWriter> PackWriter::create(const std::string& final_path, bool overwrite) {
  if (final_path.empty() || final_path == "-") {
    return Error{ErrorCode::kInvalidArg, 0, "a pack is a file: give a path with -o (not '-')"};
  }
  if (final_path.back() == '/') return Error{ErrorCode::kInvalidArg, 0, final_path + ": is a directory"};
  struct stat st;
  if (lstat(final_path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Error{ErrorCode::kInvalidArg, 0, final_path + ": is a directory"};
    if (!overwrite) return Error{ErrorCode::kIo, EEXIST, final_path + ": exists (use --force to replace it)"};
  }

  PackWriter w;
  w.final_path_ = final_path;
  w.overwrite_ = overwrite;
  size_t slash = final_path.rfind('/');
  w.dir_ = slash == std::string::npos ? "." : (slash == 0 ? "/" : final_path.substr(0, slash));
  std::string base = slash == std::string::npos ? final_path : final_path.substr(slash + 1);
  for (int attempt = 0; attempt < 16 && w.fd_ < 0; ++attempt) {
    w.temp_path_ = (w.dir_ == "." && slash == std::string::npos ? "" : w.dir_ + "/") + "." + base + ".tmp-" +
                   std::to_string(getpid()) + "-" + random_suffix();
    w.fd_ = ::open(w.temp_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (w.fd_ < 0 && errno != EEXIST) {
      w.done_ = true;
      return sys_error(errno, "create " + w.temp_path_);
    }
  }
  if (w.fd_ < 0) {
    w.done_ = true;
    return sys_error(EEXIST, "create " + w.temp_path_);
  }
  fchmod(w.fd_, 0600);  // whatever the umask said

  // NOMUTEX: only the collector's main thread uses this connection (reader threads only
  // read files), so SQLite's per-call connection mutex is pure cost.
  auto db = sqlite::Db::open(w.temp_path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX);
  if (!db) return db.error().with_context("pack");
  w.db_ = std::move(*db);
  // Make sure SQLite opened the very file we created (not something swapped in since).
  struct stat ours, theirs;
  if (fstat(w.fd_, &ours) != 0 || lstat(w.temp_path_.c_str(), &theirs) != 0 || ours.st_dev != theirs.st_dev ||
      ours.st_ino != theirs.st_ino) {
    return Error{ErrorCode::kIo, 0, w.temp_path_ + ": replaced while being created; refusing to write"};
  }
  // No rollback journal next to the pack: the temporary file is thrown away on failure,
  // and durability comes from the fsync in finish().
  if (auto s = w.db_.exec("PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;"
                          "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-2048;");
      !s) {
    return s.error().with_context("pack");
  }
  if (auto s = w.db_.exec(pack_schema_sql()); !s) return s.error().with_context("pack schema");

  auto raw = w.db_.prepare("INSERT INTO raw_files(sample, path, size_bytes, truncated, content) VALUES (?1,?2,?3,?4,?5)");
  auto err = w.db_.prepare("INSERT INTO collection_errors(sample, path, errno, error, message) VALUES (?1,?2,?3,?4,?5)");
  auto meta = w.db_.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)");
  if (!raw) return raw.error();
  if (!err) return err.error();
  if (!meta) return meta.error();
  w.raw_ = std::move(*raw);
  w.err_ = std::move(*err);
  w.meta_ = std::move(*meta);
  return w;
}

Status PackWriter::insert_raw(int64_t sample, std::string_view path, std::string_view content, int64_t size_bytes,
                              bool truncated) {
  // Both strings outlive step() (which resets the statement): no copies.
  raw_.bind(1, sample).bind_text_nocopy(2, path).bind(3, size_bytes).bind(4, truncated ? 1 : 0);
  raw_.bind_blob_nocopy(5, content);
  return raw_.step();
}

Status PackWriter::insert_error(int64_t sample, std::string_view path, int err, std::string_view message) {
  err_.bind(1, sample).bind(2, path);
  if (err != 0) {
    err_.bind(3, err).bind(4, errno_name(err));
  } else {
    err_.bind_null(3).bind_null(4);
  }
  err_.bind(5, message);
  return err_.step();
}

Status PackWriter::set_meta(std::string_view key, std::optional<std::string_view> value) {
  meta_.bind(1, key);
  if (value) {
    meta_.bind(2, *value);
  } else {
    meta_.bind_null(2);
  }
  return meta_.step();
}

Status PackWriter::finish() {
  if (done_) return Error{ErrorCode::kInternal, 0, "pack already finished"};
  raw_ = sqlite::Statement();
  err_ = sqlite::Statement();
  meta_ = sqlite::Statement();
  if (auto s = db_.close(); !s) {
    abandon();
    return s.error().with_context("pack");
  }
  if (fsync(fd_) != 0) {
    int e = errno;
    abandon();
    return sys_error(e, "fsync " + temp_path_);
  }
  // The temporary name must still be our inode: in a world-writable directory someone could
  // have replaced it (with a symlink, say) while we wrote through our own descriptors.
  struct stat ours, now;
  if (fstat(fd_, &ours) != 0 || lstat(temp_path_.c_str(), &now) != 0 || ours.st_dev != now.st_dev ||
      ours.st_ino != now.st_ino) {
    temp_path_.clear();  // not ours any more: do not unlink whatever is there now
    abandon();
    return Error{ErrorCode::kIo, 0, final_path_ + ": the temporary file was replaced while writing; no pack written"};
  }
  int rc = renameat2(AT_FDCWD, temp_path_.c_str(), AT_FDCWD, final_path_.c_str(), overwrite_ ? 0 : RENAME_NOREPLACE);
  if (rc != 0 && errno == EINVAL && !overwrite_) {
    // Filesystems without RENAME_NOREPLACE: link() also refuses to replace.
    rc = ::link(temp_path_.c_str(), final_path_.c_str());
    if (rc == 0) ::unlink(temp_path_.c_str());
  }
  if (rc != 0) {
    int e = errno;
    abandon();
    return sys_error(e, "rename to " + final_path_);
  }
  // And the final name is now that inode (closes the window between the check and rename).
  if (lstat(final_path_.c_str(), &now) != 0 || ours.st_dev != now.st_dev || ours.st_ino != now.st_ino) {
    if (S_ISLNK(now.st_mode)) ::unlink(final_path_.c_str());
    temp_path_.clear();
    abandon();
    return Error{ErrorCode::kIo, 0, final_path_ + ": replaced during the rename; no pack written"};
  }
  ::close(fd_);
  fd_ = -1;
  done_ = true;
  int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    ::close(dfd);
  }
  return Ok{};
}

void PackWriter::abandon() {
  raw_ = sqlite::Statement();
  err_ = sqlite::Statement();
  meta_ = sqlite::Statement();
  db_ = sqlite::Db();
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  done_ = true;
}

}  // namespace oomscope::collector
