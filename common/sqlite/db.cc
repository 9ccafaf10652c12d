#include "common/sqlite/db.h"

#include <utility>

namespace oomscope::sqlite {

namespace {

Error make_error(sqlite3* db, int rc, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  ErrorCode code = ErrorCode::kIo;
  int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) code = ErrorCode::kFormat;
  if (primary == SQLITE_INTERRUPT) code = ErrorCode::kInterrupted;
  if (primary == SQLITE_MISUSE || primary == SQLITE_ERROR || primary == SQLITE_RANGE) code = ErrorCode::kInternal;
  int sys_errno = db ? sqlite3_system_errno(db) : 0;
  return Error{code, sys_errno, std::move(msg)};
}

// Authorizer for untrusted packs: reads only. No ATTACH (which could open other files),
// no writes, no pragmas that change state; reading pragmas we need are allowed.
int readonly_authorizer(void*, int action, const char* a, const char*, const char*, const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_PRAGMA: {
      std::string_view p = a ? a : "";
      if (p == "user_version" || p == "application_id" || p == "table_info" || p == "table_list" ||
          p == "integrity_check" || p == "quick_check" || p == "page_size" || p == "page_count")
        return SQLITE_OK;
      return SQLITE_DENY;
    }
    default:
      return SQLITE_DENY;
  }
}

}  // namespace

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(o.db_, nullptr);
  }
  return *this;
}

Result<Db> Db::open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_EXRESCODE, nullptr);
  Db db(raw);  // closes on every path
  if (rc != SQLITE_OK) return make_error(raw, rc, "open " + path);
  sqlite3_db_config(raw, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Result<Db> Db::open_untrusted_readonly(const std::string& path) {
  auto db = open(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW);
  if (!db) return db.error();
  sqlite3* raw = db->get();
  sqlite3_db_config(raw, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(raw, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(raw, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  sqlite3_db_config(raw, SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
  sqlite3_limit(raw, SQLITE_LIMIT_ATTACHED, 0);
  // No legitimate value is larger than a capped raw smaps (64 MiB): a bigger string or blob
  // (a tampered row, a generated column) fails with SQLITE_TOOBIG instead of being allocated.
  sqlite3_limit(raw, SQLITE_LIMIT_LENGTH, kUntrustedMaxValueBytes);
  if (auto st = db->exec("PRAGMA trusted_schema=OFF"); !st) return st.error();
  sqlite3_set_authorizer(raw, readonly_authorizer, nullptr);
  return db;
}

Status Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    std::string head = s.substr(0, 60);
    return Error{ErrorCode::kIo, sqlite3_system_errno(db_), "sql \"" + head + "\": " + msg};
  }
  return Ok{};
}

Result<Statement> Db::prepare(std::string_view sql) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st,
                              nullptr);
  if (rc != SQLITE_OK) return make_error(db_, rc, "prepare \"" + std::string(sql.substr(0, 60)) + "\"");
  return Statement(db_, st);
}

Result<int64_t> Db::pragma_int(std::string_view name) {
  auto st = prepare("PRAGMA " + std::string(name));
  if (!st) return st.error();
  if (!st->step_row()) {
    if (!st->status()) return st->status().error();
    return Error{ErrorCode::kFormat, 0, "PRAGMA " + std::string(name) + " returned no row"};
  }
  return st->column_int64(0);
}

Status Db::close() {
  if (!db_) return Ok{};
  int rc = sqlite3_close(db_);
  if (rc != SQLITE_OK) return make_error(db_, rc, "close");
  db_ = nullptr;
  return Ok{};
}

Error Db::last_error(std::string_view context) const { return make_error(db_, sqlite3_errcode(db_), context); }

Statement::~Statement() {
  if (st_) sqlite3_finalize(st_);
}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    if (st_) sqlite3_finalize(st_);
    db_ = o.db_;
    st_ = std::exchange(o.st_, nullptr);
  }
  return *this;
}

Statement& Statement::bind(int i, int64_t v) {
  sqlite3_bind_int64(st_, i, v);
  return *this;
}
Statement& Statement::bind(int i, double v) {
  sqlite3_bind_double(st_, i, v);
  return *this;
}
Statement& Statement::bind(int i, std::string_view text) {
  sqlite3_bind_text64(st_, i, text.data() ? text.data() : "", text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::bind_blob(int i, std::string_view bytes) {
  sqlite3_bind_blob64(st_, i, bytes.data() ? bytes.data() : "", bytes.size(), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_blob_nocopy(int i, std::string_view bytes) {
  sqlite3_bind_blob64(st_, i, bytes.data() ? bytes.data() : "", bytes.size(), SQLITE_STATIC);
  return *this;
}
Statement& Statement::bind_text_nocopy(int i, std::string_view text) {
  sqlite3_bind_text64(st_, i, text.data() ? text.data() : "", text.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}
Statement& Statement::bind_null(int i) {
  sqlite3_bind_null(st_, i);
  return *this;
}

Status Statement::step() {
  int rc = sqlite3_step(st_);
  Status result = Ok{};
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    result = make_error(db_, rc, "step \"" + std::string(sqlite3_sql(st_)).substr(0, 60) + "\"");
  }
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
  return result;
}

bool Statement::step_row() {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = make_error(db_, rc, "step \"" + std::string(sqlite3_sql(st_)).substr(0, 60) + "\"");
  return false;
}

void Statement::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
  status_ = Ok{};
}

int Statement::column_count() const { return sqlite3_column_count(st_); }
bool Statement::column_is_null(int i) const { return sqlite3_column_type(st_, i) == SQLITE_NULL; }
int64_t Statement::column_int64(int i) const { return sqlite3_column_int64(st_, i); }
double Statement::column_double(int i) const { return sqlite3_column_double(st_, i); }
std::string_view Statement::column_text(int i) const {
  const unsigned char* p = sqlite3_column_text(st_, i);
  int n = sqlite3_column_bytes(st_, i);
  if (!p) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(n)};
}
std::optional<int64_t> Statement::column_opt_int64(int i) const {
  if (column_is_null(i)) return std::nullopt;
  return column_int64(i);
}

Result<Transaction> Transaction::begin(Db& db) {
  if (auto st = db.exec("BEGIN"); !st) return st.error();
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_) (void)db_->exec("ROLLBACK");
}

Status Transaction::commit() {
  Db* db = std::exchange(db_, nullptr);
  if (!db) return Error{ErrorCode::kInternal, 0, "commit: transaction already finished"};
  return db->exec("COMMIT");
}

}  // namespace oomscope::sqlite
