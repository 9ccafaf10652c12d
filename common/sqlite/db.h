// db.h: small RAII types over the SQLite C API, shared by the collector, analyzer and batch.
//
// Db owns a sqlite3* and closes it; Statement finalizes in its destructor; Transaction rolls
// back unless commit() was called. Values are always bound, never spliced into SQL. Errors
// come back as Result/Status with SQLite's message and the SQL that failed as context.
//
// Example:
//   auto db = Db::open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
//   db->exec("CREATE TABLE t(x INTEGER) STRICT");
//   auto st = db->prepare("INSERT INTO t(x) VALUES (?1)");
//   st->bind(1, int64_t{42}); st->step();               // one row with x = 42
//   auto q = db->prepare("SELECT x FROM t");
//   while (q->step_row()) q->column_int64(0);           // 42
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace oomscope::sqlite {

class Statement;

// kUntrustedMaxValueBytes: SQLITE_LIMIT_LENGTH of untrusted read-only connections.
inline constexpr int kUntrustedMaxValueBytes = 64 << 20;

// Db: one connection. Movable, not copyable.
class Db {
 public:
  Db() = default;
  explicit Db(sqlite3* db) : db_(db) {}
  ~Db();
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // open(): sqlite3_open_v2 with `flags` (SQLITE_OPEN_*). Extension loading stays disabled.
  static Result<Db> open(const std::string& path, int flags);

  // open_untrusted_readonly(): read-only, no symlink followed, SQLITE_DBCONFIG_DEFENSIVE on,
  // trusted_schema=OFF, no extension loading, no triggers/views from the file, no ATTACH,
  // values capped at kUntrustedMaxValueBytes ("string or blob too big"), and an authorizer
  // that allows reads only. For packs from other machines.
  static Result<Db> open_untrusted_readonly(const std::string& path);

  // exec(): runs one or more statements with no parameters (DDL, PRAGMAs).
  Status exec(std::string_view sql);

  // prepare(): compiles one statement.
  Result<Statement> prepare(std::string_view sql);

  // pragma_int(): the integer result of "PRAGMA name" (user_version, application_id…).
  Result<int64_t> pragma_int(std::string_view name);

  // close(): closes explicitly; returns the error if statements are still open.
  Status close();

  sqlite3* get() const { return db_; }
  Error last_error(std::string_view context) const;

 private:
  sqlite3* db_ = nullptr;
};

// Statement: a prepared statement; bind() indexes are 1-based, column() indexes 0-based.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  ~Statement();
  Statement(Statement&& o) noexcept : db_(o.db_), st_(o.st_) { o.st_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, int64_t v);
  Statement& bind(int i, double v);
  Statement& bind(int i, std::string_view text);  // TEXT, copied by SQLite
  Statement& bind(int i, const char* text) { return bind(i, std::string_view(text)); }
  Statement& bind_blob(int i, std::string_view bytes);  // BLOB, copied by SQLite
  // bind_blob_nocopy(): BLOB without a copy; `bytes` must stay valid and unchanged until the
  // statement is stepped and reset (step() does both).
  Statement& bind_blob_nocopy(int i, std::string_view bytes);
  // bind_text_nocopy(): TEXT without a copy, under the same rule as bind_blob_nocopy(); for
  // the collector's hot inserts (a copy and a malloc/free per value otherwise).
  Statement& bind_text_nocopy(int i, std::string_view text);
  Statement& bind_text_nocopy(int i, const std::string& text) { return bind_text_nocopy(i, std::string_view(text)); }
  Statement& bind_text_nocopy(int i, const char* text) { return bind_text_nocopy(i, std::string_view(text)); }
  Statement& bind_text_nocopy(int i, const std::optional<std::string>& text) {
    return text ? bind_text_nocopy(i, std::string_view(*text)) : bind_null(i);
  }
  Statement& bind_null(int i);
  // bind(optional): NULL when empty (a missing fact is NULL, never 0).
  template <typename T>
  Statement& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }
  Statement& bind(int i, uint64_t v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind(int i, unsigned v) { return bind(i, static_cast<int64_t>(v)); }

  // step(): runs a statement that returns no rows, then resets it and clears its bindings
  // so it can be reused.
  Status step();
  // step_row(): true while there is a row; false at the end or on error (see status()).
  bool step_row();
  Status status() const { return status_; }
  void reset();

  int column_count() const;
  bool column_is_null(int i) const;
  int64_t column_int64(int i) const;
  double column_double(int i) const;
  std::string_view column_text(int i) const;  // valid until the next step
  std::optional<int64_t> column_opt_int64(int i) const;
  sqlite3_stmt* get() const { return st_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* st_ = nullptr;
  Status status_ = Ok{};
};

// Transaction: BEGIN on construction (via begin()), ROLLBACK in the destructor unless committed.
class Transaction {
 public:
  static Result<Transaction> begin(Db& db);
  ~Transaction();
  Transaction(Transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Status commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_ = nullptr;
};

}  // namespace oomscope::sqlite
