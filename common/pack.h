// pack.h: the oomscope evidence pack: its identity, its schema and a defensive reader.
//
// A pack is a SQLite file written by `oomscope collect` (schema/pack.sql, documented in
// docs/pack-format.md). Packs travel between machines and are opened by people other than
// the ones who wrote them, so PackReader treats every pack as untrusted: read-only,
// SQLITE_DBCONFIG_DEFENSIVE, trusted_schema=OFF, no extensions, triggers or views, and an
// authorizer that allows reads only. It checks application_id and user_version and the
// expected tables before anything else.
//
// Example:
//   auto pack = PackReader::open("node-1.oompack");
//   if (!pack) return pack.error();            // "node-1.oompack: not an oomscope pack (application_id 0)"
//   pack->for_each_kernel_log_line([](std::string_view line, const KernelLogRow&) {
//     // "6,1234,5678901,-;Out of memory: Killed process 4711 (java) ..."
//     return true;                               // false stops the walk
//   });
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/sqlite/db.h"

namespace oomscope {

// kPackApplicationId: PRAGMA application_id of every pack, 'OOMP' in ASCII.
inline constexpr int32_t kPackApplicationId = 0x4F4F4D50;
// kPackSchemaVersion: PRAGMA user_version written by this build (schema/pack.sql).
inline constexpr int32_t kPackSchemaVersion = 1;

// pack_schema_sql(): the text of schema/pack.sql, embedded at build time. Executing it on an
// empty database creates every table and sets application_id and user_version.
std::string_view pack_schema_sql();

// pack_table_names(): the tables every pack of kPackSchemaVersion has, in schema order.
const std::vector<std::string>& pack_table_names();

// looks_like_pack(): true if `path` is a regular file starting with the SQLite magic
// ("SQLite format 3\0") whose header says application_id == kPackApplicationId. Reads only
// the first 100 bytes; never throws; false on any error.
bool looks_like_pack(const std::string& path);

// KernelLogRow: one row of the pack's kernel_log table (see schema/pack.sql).
struct KernelLogRow {
  std::string_view source;            // 'kmsg' or the --kernel-log file path
  std::optional<int64_t> seq;         // kmsg sequence number
  std::optional<int64_t> mono_usec;   // microseconds since boot
  std::string_view wall_utc;          // '' when unknown
  std::string_view message;           // decoded text
};

// PackReader: a pack opened for reading.
class PackReader {
 public:
  // open(): opens `path` read-only and defensively. Fails with kFormat when the file is not
  // a pack (a symlink, not a regular file, not SQLite, wrong application_id, missing tables)
  // or was written by a newer oomscope (user_version > kPackSchemaVersion), with kIo when it
  // cannot be read. Values over 64 MiB make later reads fail with "string or blob too big".
  static Result<PackReader> open(const std::string& path);

  // schema_version(): the pack's user_version (1..kPackSchemaVersion).
  int64_t schema_version() const { return version_; }

  // meta(): the value of a meta row, nullopt if absent or NULL.
  std::optional<std::string> meta(std::string_view key);

  // for_each_kernel_log_line(): calls `fn(line, row)` for every kernel_log row in reading
  // order. `line` is the record as the kernel wrote it: the /dev/kmsg raw format
  // "prio,seq,usec,flags;text" (text with the kernel's \xNN escapes, so one record is one
  // line), or a line of a --kernel-log file as stored. Stops early when `fn` returns false.
  // Views are valid only during the call.
  Status for_each_kernel_log_line(
      const std::function<bool(std::string_view line, const KernelLogRow& row)>& fn);

  // query(): prepares a read-only statement on the pack (the authorizer denies writes,
  // ATTACH and state-changing pragmas). For the analyzer's findings.
  Result<sqlite::Statement> query(std::string_view sql) { return db_.prepare(sql); }

  // db(): the underlying connection (read-only, defensive).
  sqlite3* db() const { return db_.get(); }

 private:
  PackReader(sqlite::Db db, int64_t version) : db_(std::move(db)), version_(version) {}
  sqlite::Db db_;
  int64_t version_ = 0;
};

}  // namespace oomscope
