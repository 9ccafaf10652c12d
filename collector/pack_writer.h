// pack_writer.h: creates an evidence pack atomically and safely.
//
// The pack is built in a temporary file next to the final name, created with
// O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 (so nobody else can read it and no planted symlink
// is followed), opened by SQLite with SQLITE_OPEN_NOFOLLOW, and checked to be the inode we
// created. finish() closes the database, fsyncs the file, renames it to the final name
// (refusing to replace an existing file unless `overwrite`) and fsyncs the directory. If
// finish() is never reached (error, SIGINT, time limit), abandon() or the destructor removes
// the temporary file: no half pack is ever visible under the final name.
//
// Example:
//   auto w = PackWriter::create("/tmp/node.oompack", false);
//   w->insert_raw(1, "proc/meminfo", bytes, bytes.size(), false);
//   w->finish();   // /tmp/node.oompack exists, mode 0600, PRAGMA integrity_check = ok
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/sqlite/db.h"

namespace oomscope::collector {

class PackWriter {
 public:
  // create(): the temporary file and the schema. Fails with kInvalidArg for "-" or a
  // directory, kIo when the directory is not writable or the final name exists (and not
  // `overwrite`).
  static Result<PackWriter> create(const std::string& final_path, bool overwrite);

  ~PackWriter();
  PackWriter(PackWriter&& o) noexcept;
  PackWriter& operator=(PackWriter&&) = delete;
  PackWriter(const PackWriter&) = delete;

  sqlite::Db& db() { return db_; }

  // insert_raw(): a raw_files row. `size_bytes` is the size before any cap.
  Status insert_raw(int64_t sample, std::string_view path, std::string_view content, int64_t size_bytes,
                    bool truncated);
  // insert_error(): a collection_errors row; errno 0 is stored as NULL.
  Status insert_error(int64_t sample, std::string_view path, int err, std::string_view message);
  // set_meta(): a meta row (replaces an existing key).
  Status set_meta(std::string_view key, std::optional<std::string_view> value);

  // finish(): see the header comment. The writer is unusable afterwards.
  Status finish();
  // abandon(): closes and removes the temporary file.
  void abandon();

  const std::string& temp_path() const { return temp_path_; }
  const std::string& final_path() const { return final_path_; }

 private:
  PackWriter() = default;
  sqlite::Db db_;
  sqlite::Statement raw_, err_, meta_;
  std::string final_path_, temp_path_, dir_;
  int fd_ = -1;
  bool overwrite_ = false;
  bool done_ = false;
};

}  // namespace oomscope::collector
