// The pack format contract other engineers rely on (common/pack.h) and the atomic, 0600,
// no-symlink writer (collector/pack_writer.h).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "collector/pack_writer.h"
#include "common/pack.h"
#include "common/sqlite/db.h"

namespace oomscope {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/oomscope-pack-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& n) const { return path_ + "/" + n; }
  const std::string& path() const { return path_; }
  size_t entries() const { return static_cast<size_t>(std::distance(fs::directory_iterator(path_), {})); }

 private:
  std::string path_;
};

// A finished pack with a few kernel log rows.
std::string make_pack(const TempDir& dir, const std::string& name = "p.oompack") {
  auto w = collector::PackWriter::create(dir.file(name), false);
  EXPECT_TRUE(w.ok()) << w.error().message;
  auto st = w->db().prepare("INSERT INTO kernel_log(source, seq, facility, level, mono_usec, wall_utc, flags, message, raw) "
                            "VALUES ('kmsg', ?1, 0, 6, ?2, '', '-', ?3, ?4)");
  EXPECT_TRUE(st.ok());
  st->bind(1, int64_t{7}).bind(2, int64_t{100}).bind(3, "a\nb").bind(4, "6,7,100,-;a\\x0ab");
  EXPECT_TRUE(st->step().ok());
  st->bind(1, int64_t{8}).bind(2, int64_t{200}).bind(3, "Killed process 1 (x)").bind(4, "3,8,200,-;Killed process 1 (x)");
  EXPECT_TRUE(st->step().ok());
  *st = sqlite::Statement();
  EXPECT_TRUE(w->set_meta("hostname", std::string_view("node-1")).ok());
  auto f = w->finish();
  EXPECT_TRUE(f.ok()) << f.error().message;
  return dir.file(name);
}

TEST(PackSchema, EmbeddedSchemaMatchesConstants) {
  auto db = sqlite::Db::open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->exec(pack_schema_sql()).ok());
  EXPECT_EQ(db->pragma_int("application_id").value(), kPackApplicationId);
  EXPECT_EQ(db->pragma_int("user_version").value(), kPackSchemaVersion);
  std::vector<std::string> want = {"meta",      "samples", "targets",  "raw_files",    "collection_errors",
                                   "kernel_log", "kernel_log_gaps", "sysctls", "meminfo", "vmstat", "pressure",
                                   "cgroups",   "cgroup_stats", "processes", "mappings", "redactions"};
  EXPECT_EQ(pack_table_names(), want);
  // Every table is STRICT (schema rule; see STYLE.md §12).
  auto st = db->prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'");
  ASSERT_TRUE(st.ok());
  int n = 0;
  while (st->step_row()) {
    EXPECT_EQ(st->column_int64(1), 1) << st->column_text(0);
    n++;
  }
  EXPECT_EQ(n, static_cast<int>(want.size()));
}

TEST(PackSchema, EveryColumnIsCommented) {
  // Each column line inside CREATE TABLE (...) ends with a "-- meaning" comment.
  std::string_view sql = pack_schema_sql();
  bool in_table = false;
  size_t pos = 0;
  int columns = 0;
  while (pos < sql.size()) {
    size_t nl = sql.find('\n', pos);
    std::string_view line = sql.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? sql.size() : nl + 1;
    if (line.starts_with("CREATE TABLE")) {
      in_table = true;
      continue;
    }
    if (line.starts_with(")")) {
      in_table = false;
      continue;
    }
    if (!in_table || line.find("PRIMARY KEY (") != std::string_view::npos) continue;
    columns++;
    EXPECT_NE(line.find("-- "), std::string_view::npos) << "uncommented column: " << line;
  }
  EXPECT_GT(columns, 100);
}

TEST(PackWriter, AtomicMode0600AndReadable) {
  TempDir dir;
  std::string path = make_pack(dir);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(dir.entries(), 1u) << "no temporary or journal file left behind";
  EXPECT_TRUE(looks_like_pack(path));
  auto pack = PackReader::open(path);
  ASSERT_TRUE(pack.ok()) << pack.error().message;
  EXPECT_EQ(pack->schema_version(), kPackSchemaVersion);
  EXPECT_EQ(pack->meta("hostname"), "node-1");
  EXPECT_EQ(pack->meta("nope"), std::nullopt);
  std::vector<std::string> lines;
  ASSERT_TRUE(pack->for_each_kernel_log_line([&](std::string_view l, const KernelLogRow& row) {
                    lines.emplace_back(l);
                    EXPECT_EQ(row.source, "kmsg");
                    EXPECT_TRUE(row.seq.has_value());
                    return true;
                  }).ok());
  EXPECT_EQ(lines, (std::vector<std::string>{"6,7,100,-;a\\x0ab", "3,8,200,-;Killed process 1 (x)"}));
  int seen = 0;
  ASSERT_TRUE(pack->for_each_kernel_log_line([&](std::string_view, const KernelLogRow&) { return ++seen < 1; }).ok());
  EXPECT_EQ(seen, 1) << "returning false stops the walk";
  auto q = pack->query("PRAGMA integrity_check");
  ASSERT_TRUE(q.ok()) << q.error().message;
  ASSERT_TRUE(q->step_row());
  EXPECT_EQ(q->column_text(0), "ok");
}

TEST(PackReader, IsReadOnlyAndDefensive) {
  TempDir dir;
  std::string path = make_pack(dir);
  auto pack = PackReader::open(path);
  ASSERT_TRUE(pack.ok());
  EXPECT_FALSE(pack->query("DELETE FROM meta").ok());
  EXPECT_FALSE(pack->query("ATTACH DATABASE '/tmp/x.db' AS x").ok());
  EXPECT_FALSE(pack->query("PRAGMA writable_schema=ON").ok());
  EXPECT_TRUE(pack->query("SELECT count(*) FROM kernel_log").ok());
}

TEST(PackReader, RejectsWithClearErrors) {
  TempDir dir;
  // Not SQLite at all.
  std::string text = dir.file("log.txt");
  std::ofstream(text) << "Nov 21 kernel: Out of memory: Killed process 1\n";
  // SQLite, but not ours.
  std::string other = dir.file("other.db");
  {
    auto db = sqlite::Db::open(other, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db->exec("CREATE TABLE t(x)").ok());
  }
  // Ours, but from the future.
  std::string newer = make_pack(dir, "newer.oompack");
  {
    auto db = sqlite::Db::open(newer, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db->exec("PRAGMA user_version = " + std::to_string(kPackSchemaVersion + 1)).ok());
  }
  // Ours, with a table missing.
  std::string broken = make_pack(dir, "broken.oompack");
  {
    auto db = sqlite::Db::open(broken, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db->exec("DROP TABLE mappings").ok());
  }
  struct {
    std::string path;
    ErrorCode code;
    const char* says;
  } cases[] = {
      {text, ErrorCode::kFormat, "not an oomscope pack"},
      {other, ErrorCode::kFormat, "application_id 0"},
      {newer, ErrorCode::kFormat, "newer than this oomscope"},
      {broken, ErrorCode::kFormat, "missing tables: mappings"},
      {dir.file("absent.oompack"), ErrorCode::kIo, "No such file"},
      {dir.path(), ErrorCode::kFormat, "not a regular file"},
  };
  for (const auto& c : cases) {
    auto r = PackReader::open(c.path);
    ASSERT_FALSE(r.ok()) << c.path;
    EXPECT_EQ(r.error().code, c.code) << c.path << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
  }
  EXPECT_FALSE(looks_like_pack(text));
  EXPECT_FALSE(looks_like_pack(other));
  EXPECT_TRUE(looks_like_pack(newer));
  EXPECT_FALSE(looks_like_pack(dir.path()));
}

TEST(PackWriter, RefusesDashExistingFilesAndDoesNotFollowSymlinks) {
  TempDir dir;
  auto dash = collector::PackWriter::create("-", false);
  ASSERT_FALSE(dash.ok());
  EXPECT_EQ(dash.error().code, ErrorCode::kInvalidArg);

  std::string victim = dir.file("victim");
  std::ofstream(victim) << "precious";
  std::string link = dir.file("link.oompack");
  ASSERT_EQ(symlink(victim.c_str(), link.c_str()), 0);
  auto w = collector::PackWriter::create(link, false);
  ASSERT_FALSE(w.ok()) << "an existing name (even a dangling-or-not symlink) is refused";
  EXPECT_EQ(w.error().sys_errno, EEXIST);

  // With --force the symlink itself is replaced; its target is untouched.
  auto forced = collector::PackWriter::create(link, true);
  ASSERT_TRUE(forced.ok()) << forced.error().message;
  ASSERT_TRUE(forced->finish().ok());
  std::ifstream in(victim);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
  struct stat st;
  ASSERT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_TRUE(looks_like_pack(link));
}

TEST(PackWriter, AbandonLeavesNothing) {
  TempDir dir;
  {
    auto w = collector::PackWriter::create(dir.file("x.oompack"), false);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(dir.entries(), 1u) << "the temporary file exists while writing";
    struct stat st;
    ASSERT_EQ(stat(w->temp_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_NE(w->temp_path(), dir.file("x.oompack"));
  }  // destroyed without finish(): abandoned
  EXPECT_EQ(dir.entries(), 0u);
}

TEST(SqliteRaii, TransactionRollsBackUnlessCommitted) {
  auto db = sqlite::Db::open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  ASSERT_TRUE(db->exec("CREATE TABLE t(x INTEGER) STRICT").ok());
  {
    auto tx = sqlite::Transaction::begin(*db);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db->exec("INSERT INTO t VALUES (1)").ok());
  }
  {
    auto tx = sqlite::Transaction::begin(*db);
    ASSERT_TRUE(db->exec("INSERT INTO t VALUES (2)").ok());
    ASSERT_TRUE(tx->commit().ok());
  }
  auto q = db->prepare("SELECT group_concat(x) FROM t");
  ASSERT_TRUE(q->step_row());
  EXPECT_EQ(q->column_text(0), "2");
  auto bad = db->prepare("INSERT INTO t VALUES (?1)");
  bad->bind(1, "text in an INTEGER column");
  auto s = bad->step();
  ASSERT_FALSE(s.ok()) << "STRICT rejects the wrong type";
  EXPECT_NE(s.error().message.find("cannot store TEXT"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace oomscope

namespace oomscope {
namespace {

TEST(PackReader, SymlinkAndOversizedValuesAreRefused) {
  TempDir dir;
  std::string real = make_pack(dir, "real.oompack");
  std::string link = dir.file("link.oompack");
  ASSERT_EQ(symlink(real.c_str(), link.c_str()), 0);
  auto l = PackReader::open(link);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, ErrorCode::kFormat);
  EXPECT_NE(l.error().message.find("symbolic link"), std::string::npos) << l.error().message;
  {
    auto db = sqlite::Db::open(real, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db->exec("INSERT INTO kernel_log(source, message, raw) VALUES ('f', 'm', CAST(zeroblob(70000000) AS TEXT))").ok());
  }
  auto p = PackReader::open(real);
  ASSERT_TRUE(p.ok()) << p.error().message;
  size_t biggest = 0;
  Status st = p->for_each_kernel_log_line([&](std::string_view line, const KernelLogRow&) {
    biggest = std::max(biggest, line.size());
    return true;
  });
  ASSERT_FALSE(st.ok()) << "a 70 MB value must be refused, not allocated";
  EXPECT_NE(st.error().message.find("too big"), std::string::npos) << st.error().message;
  EXPECT_LT(biggest, size_t{64} << 20);
}

}  // namespace
}  // namespace oomscope
