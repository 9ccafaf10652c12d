// bad_input_test.cc: `oomscope analyze` on hostile and broken input (issue 5).
//
// Each case runs build/oomscope as a child, input through a pipe or a temp file, and checks:
// no crash (exit 0 or 1, never a signal), no hang (a timeout), bounded memory (wait4's
// ru_maxrss against a stated bound), partial events flagged complete:false, and the rest
// of the input still analyzed. The base report is a real memcg OOM of this project's kernel
// (tests/data/kernel-logs/036-…): victim python3 pid 16304, one task row.
// Observed numbers are in docs/reliability.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "tests/hardening/child.h"

namespace oomscope::hardening {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

const std::string kLog = OOMSCOPE_TEST_DATA "/kernel-logs/036-local-python-cgroupv1-6.18-rss-anon-columns.log";
constexpr int64_t kVictimPid = 16304;

// Peak RSS bounds, KiB. The analyzer keeps O(1 MiB read block + 1 MiB line cap + one event
// with at most OomParser::kMaxTasks task rows). Under ASan, shadow memory and the quarantine
// (set small below) are counted too.
constexpr long kRssBoundKb = kUnderSanitizer ? 600 * 1024 : 200 * 1024;

std::string base_report() { return slurp(kLog); }

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

std::vector<std::string> analyze_argv(const std::string& input = "-") {
  return {OOMSCOPE_BINARY, "analyze", "-f", "json", input};
}

// A child that exited by itself, in time, with 0 (events) or 1 (none), within the RSS bound.
void expect_sane(const ChildResult& r, const std::string& what) {
  EXPECT_FALSE(r.timed_out) << what << ": hung";
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << what << ": exit " << r.exit_code << "\n" << r.err.substr(0, 2000);
  EXPECT_LT(r.max_rss_kb, kRssBoundKb) << what << ": peak RSS " << r.max_rss_kb << " KiB";
  std::fprintf(stderr, "[ measure ] %s: exit %d, %.2f s, peak RSS %ld KiB\n", what.c_str(), r.exit_code, r.seconds,
               r.max_rss_kb);
}

json parse_json(const ChildResult& r) {
  json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "output is not valid JSON (UTF-8): " << r.out.substr(0, 500);
  return j;
}

const json* event_with_victim(const json& j, int64_t pid) {
  if (!j.is_object() || !j.contains("events")) return nullptr;
  for (const auto& e : j["events"]) {
    if (e.contains("killed") && e["killed"].is_object() && e["killed"]["pid"] == pid) return &e;
  }
  return nullptr;
}

// feed_string(): a feeder writing `s` in one go.
std::function<bool(const Writer&)> feed_string(std::string s) {
  return [s = std::move(s)](const Writer& w) { return w.write(s); };
}

// junk(): deterministic binary garbage (every byte value, NULs and newlines included).
std::string junk(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

TEST(BadInput, BinaryJunkAroundAReportThroughAPipe) {
  std::string input = junk(8 << 20, 1) + "\n" + base_report() + junk(8 << 20, 2);
  auto r = run_child(analyze_argv(), feed_string(input), seconds(120));
  expect_sane(r, "16 MiB of binary junk around a report (pipe)");
  EXPECT_EQ(r.exit_code, 0);
  json j = parse_json(r);
  const json* e = event_with_victim(j, kVictimPid);
  ASSERT_NE(e, nullptr) << r.out.substr(0, 2000);
  EXPECT_EQ((*e)["killed"]["comm"], "python3");
}

TEST(BadInput, BinaryJunkAroundAReportInAFile) {
  // Under 16 MiB a regular file takes the read-whole-file path (reordering of reversed logs).
  std::string path = "/tmp/oomscope-hard-junk-" + std::to_string(::getpid()) + ".log";
  {
    std::ofstream f(path, std::ios::binary);
    f << junk(4 << 20, 3) << "\n" << base_report() << junk(4 << 20, 4);
  }
  auto r = run_child_no_input(analyze_argv(path), seconds(120));
  std::remove(path.c_str());
  expect_sane(r, "8 MiB of binary junk around a report (file)");
  EXPECT_EQ(r.exit_code, 0);
  json j = parse_json(r);
  EXPECT_NE(event_with_victim(j, kVictimPid), nullptr) << r.out.substr(0, 2000);
}

TEST(BadInput, NulBytesInsideReportLines) {
  // A NUL in the noise between lines, in a stats line, and inside the victim's name.
  std::string log = base_report();
  log = replace_all(log, "dump_stack_lvl", std::string("dump\0stack", 10));
  log = replace_all(log, "pgfault 23978", std::string("pgfault\0 23978", 14));
  log = replace_all(log, "Killed process 16304 (python3)", std::string("Killed process 16304 (py\0thon3)", 31));
  auto r = run_child(analyze_argv(), feed_string(std::string("\0\0\0\n", 4) + log), seconds(60));
  expect_sane(r, "NUL bytes inside report lines");
  json j = parse_json(r);
  const json* e = event_with_victim(j, kVictimPid);
  ASSERT_NE(e, nullptr) << r.out.substr(0, 2000);
  EXPECT_EQ((*e)["killed"]["comm"], std::string("py\0thon3", 8)) << "the name is kept as written, NUL included";
}

TEST(BadInput, InvalidUtf8InNames) {
  std::string log = replace_all(base_report(), "python3", "py\xff\xfe\xc3(\x80");
  auto r = run_child(analyze_argv(), feed_string(log), seconds(60));
  expect_sane(r, "invalid UTF-8 in process names");
  json j = parse_json(r);  // must still be valid UTF-8 JSON
  const json* e = event_with_victim(j, kVictimPid);
  ASSERT_NE(e, nullptr) << r.out.substr(0, 2000);
  std::string comm = (*e)["killed"]["comm"];
  EXPECT_EQ(comm.substr(0, 2), "py");
  EXPECT_NE(comm.find("\xEF\xBF\xBD"), std::string::npos) << "invalid bytes become U+FFFD: " << comm;
  // The text report must not crash either.
  auto t = run_child({OOMSCOPE_BINARY, "analyze", "-"}, feed_string(log), seconds(60));
  expect_sane(t, "invalid UTF-8, text output");
  EXPECT_EQ(t.exit_code, 0);
}

TEST(BadInput, CrlfLineEndsGiveTheSameEvent) {
  std::string lf = base_report();
  std::string crlf = replace_all(lf, "\n", "\r\n");
  auto a = run_child(analyze_argv(), feed_string(lf), seconds(60));
  auto b = run_child(analyze_argv(), feed_string(crlf), seconds(60));
  expect_sane(b, "CRLF line ends");
  json ja = parse_json(a), jb = parse_json(b);
  ASSERT_EQ(jb["events"].size(), 1u);
  const json &ea = ja["events"][0], &eb = jb["events"][0];
  EXPECT_TRUE(eb["complete"].get<bool>());
  for (const char* k : {"killed", "memcg", "trigger", "tasks", "constraint", "kernel", "monotonic_s"}) {
    EXPECT_EQ(ea[k], eb[k]) << k;
  }
}

TEST(BadInput, HundredMegabyteLineWithoutNewline) {
  constexpr size_t kLine = 100u << 20;
  auto feed = [](const Writer& w) {
    std::string chunk(1 << 20, 'A');
    for (size_t sent = 0; sent < kLine; sent += chunk.size()) {
      if (!w.write(chunk)) return false;
    }
    return true;  // EOF without a newline
  };
  auto r = run_child(analyze_argv(), feed, seconds(120));
  expect_sane(r, "one 100 MiB line without a newline (pipe)");
  EXPECT_EQ(r.exit_code, 1) << "no OOM event in it";
  json j = parse_json(r);
  EXPECT_EQ(j["summary"]["events"], 0);
  EXPECT_EQ(j["summary"]["bytes_read"], kLine);
}

TEST(BadInput, HundredMegabyteLineThenAReport) {
  // The long line contains anchor words, so the parser sees its (cut) first MiB too.
  constexpr size_t kLine = 100u << 20;
  std::string report = base_report();
  auto feed = [&report](const Writer& w) {
    std::string chunk;
    while (chunk.size() < (1 << 20)) chunk += "Out of memory: Killed process 1 (x) ";
    chunk.resize(1 << 20);
    for (size_t sent = 0; sent < kLine; sent += chunk.size()) {
      if (!w.write(chunk)) return false;
    }
    return w.write("\n") && w.write(report);
  };
  auto r = run_child(analyze_argv(), feed, seconds(120));
  expect_sane(r, "a 100 MiB line, then a report (pipe)");
  EXPECT_EQ(r.exit_code, 0);
  json j = parse_json(r);
  const json* e = event_with_victim(j, kVictimPid);
  ASSERT_NE(e, nullptr) << r.out.substr(0, 2000);
  EXPECT_TRUE((*e)["complete"].get<bool>());
  EXPECT_EQ((*e)["source"]["first_line"], 2) << "line numbers count the long line as one";
}

TEST(BadInput, FileEndingMidReport) {
  // Cut in the middle of the task table row: the kill never comes.
  std::string log = base_report();
  size_t cut = log.find("[  16304]     0 16304");
  ASSERT_NE(cut, std::string::npos);
  log.resize(cut + 12);
  auto r = run_child(analyze_argv(), feed_string(log), seconds(60));
  expect_sane(r, "input ending in the middle of a report");
  EXPECT_EQ(r.exit_code, 0) << "a partial event is still an event";
  json j = parse_json(r);
  ASSERT_EQ(j["events"].size(), 1u) << r.out.substr(0, 2000);
  const json& e = j["events"][0];
  EXPECT_FALSE(e["complete"].get<bool>());
  EXPECT_TRUE(e["truncated"].get<bool>());
  auto missing = e["missing"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(missing.begin(), missing.end(), "kill"), missing.end());
  EXPECT_EQ(e["trigger"]["comm"], "python3") << "what was seen is kept";
  EXPECT_EQ(j["summary"]["incomplete_events"], 1);
  // The text report says it plainly.
  auto t = run_child({OOMSCOPE_BINARY, "analyze", "-"}, feed_string(log), seconds(60));
  EXPECT_NE(t.out.find("PARTIAL"), std::string::npos) << t.out;
}

TEST(BadInput, NumbersOverflowingSixtyFourBits) {
  const std::string big = "184467440737095516160";  // 10 x 2^64
  std::string log = base_report();
  log = replace_all(log, "usage 65536kB, limit 65536kB, failcnt 245",
                    "usage " + big + "kB, limit " + big + "kB, failcnt " + big);
  log = replace_all(log, "anon-rss:65024kB", "anon-rss:" + big + "kB");
  log = replace_all(log, "total-vm:75160kB", "total-vm:99999999999999999999999999kB");
  log = replace_all(log, "    18790    17897    16256", "    " + big + "    " + big + "    " + big);
  log = replace_all(log, "rss 66764800", "rss " + big);
  log = replace_all(log, "[ 1056.048147]", "[99999999999999999999999999.048147]");
  log = replace_all(log, "order=0", "order=" + big);
  auto r = run_child(analyze_argv(), feed_string(log), seconds(60));
  expect_sane(r, "numbers overflowing 64 bits");
  json j = parse_json(r);
  const json* e = event_with_victim(j, kVictimPid);
  ASSERT_NE(e, nullptr) << r.out.substr(0, 2000);
  // An unrepresentable number is an unknown fact (null), never a wrapped or clamped value.
  EXPECT_TRUE((*e)["killed"]["anon_rss_kb"].is_null()) << (*e)["killed"];
  EXPECT_TRUE((*e)["killed"]["total_vm_kb"].is_null()) << (*e)["killed"];
  EXPECT_EQ((*e)["killed"]["file_rss_kb"], 6564) << "the other fields of the line are still read";
  EXPECT_TRUE((*e)["memcg"]["usage_kb"].is_null()) << (*e)["memcg"];
  EXPECT_TRUE((*e)["trigger"]["order"].is_null()) << (*e)["trigger"];
}

TEST(BadInput, NegativeSizes) {
  std::string log = base_report();
  log = replace_all(log, "usage 65536kB, limit 65536kB", "usage -65536kB, limit -1kB");
  log = replace_all(log, "anon-rss:65024kB", "anon-rss:-65024kB");
  log = replace_all(log, "    18790    17897    16256", "   -18790   -17897   -16256");
  log = replace_all(log, "rss 66764800", "rss -66764800");
  auto r = run_child(analyze_argv(), feed_string(log), seconds(60));
  expect_sane(r, "negative sizes");
  json j = parse_json(r);
  const json* e = event_with_victim(j, kVictimPid);
  ASSERT_NE(e, nullptr) << r.out.substr(0, 2000);
  // Sizes are unsigned facts: a negative one is unknown (null), never 2^64 - n.
  EXPECT_TRUE((*e)["killed"]["anon_rss_kb"].is_null()) << (*e)["killed"];
  EXPECT_TRUE((*e)["memcg"]["usage_kb"].is_null()) << (*e)["memcg"];
  EXPECT_TRUE((*e)["memcg"]["limit_kb"].is_null()) << (*e)["memcg"];
  for (const auto& t : (*e)["tasks"]) {
    for (const char* k : {"total_vm_pages", "rss_pages", "rss_anon_pages"}) {
      if (t.contains(k)) {
        EXPECT_TRUE(t[k].is_null() || t[k].get<double>() >= 0) << t;
      }
    }
  }
}

TEST(BadInput, TenMillionTaskRowsThroughAPipe) {
  constexpr uint64_t kRows = 10'000'000;
  std::string log = base_report();
  size_t header_end = log.find('\n', log.find("[  pid  ]")) + 1;
  size_t rows_end = log.find("[ 1056.048601] oom-kill:");
  ASSERT_NE(rows_end, std::string::npos);
  std::string head = log.substr(0, header_end), tail = log.substr(rows_end);
  auto feed = [&](const Writer& w) {
    if (!w.write(head)) return false;
    std::string buf;
    char row[160];
    for (uint64_t i = 0; i < kRows; ++i) {
      int n = std::snprintf(row, sizeof row,
                            "[ 1056.048597] [%7llu]  1000 %5llu    18790    17897    16256     1641         0   192512"
                            "        0             0 worker\n",
                            static_cast<unsigned long long>(100000 + i), static_cast<unsigned long long>(100000 + i));
      buf.append(row, static_cast<size_t>(n));
      if (buf.size() > (1 << 20)) {
        if (!w.write(buf)) return false;
        buf.clear();
      }
    }
    return w.write(buf) && w.write(tail);
  };
  auto r = run_child(analyze_argv(), feed, seconds(600));
  expect_sane(r, "a task table of 10 million rows (pipe, JSON)");
  EXPECT_EQ(r.exit_code, 0);
  json j = parse_json(r);
  const json* e = event_with_victim(j, kVictimPid);
  ASSERT_NE(e, nullptr) << r.out.substr(0, 2000);
  EXPECT_TRUE((*e)["complete"].get<bool>());
  EXPECT_EQ((*e)["tasks"].size(), 100000u) << "OomParser::kMaxTasks rows are kept";
  std::string notes = (*e)["notes"].dump();
  EXPECT_NE(notes.find("9900000 rows beyond 100000 were counted but not kept"), std::string::npos) << notes;
}

// stream_report(): the base report with `rows` generated lines put in place of its lines
// [from, to) (found by the given texts), streamed through a pipe.
std::function<bool(const Writer&)> stream_report(const std::string& log, const std::string& from_text,
                                                 const std::string& to_text, uint64_t rows,
                                                 std::function<std::string(uint64_t)> row) {
  size_t from = log.find(from_text), to = log.find(to_text);
  EXPECT_NE(from, std::string::npos) << from_text;
  EXPECT_NE(to, std::string::npos) << to_text;
  std::string head = log.substr(0, from), tail = log.substr(to);
  return [=](const Writer& w) {
    if (!w.write(head)) return false;
    std::string buf;
    for (uint64_t i = 0; i < rows; ++i) {
      buf += row(i);
      if (buf.size() > (1 << 20)) {
        if (!w.write(buf)) return false;
        buf.clear();
      }
    }
    return w.write(buf) && w.write(tail);
  };
}

TEST(BadInput, MemcgStatsBlockWithMillionsOfDistinctKeys) {
  // Every "key value" line after "Memory cgroup stats for" joins the event's stats map.
  auto feed = stream_report(base_report(), "[ 1056.048506] cache 110592", "[ 1056.048594] Tasks state", 3'000'000,
                            [](uint64_t i) { return "[ 1056.048506] stat_key_" + std::to_string(i) + " 4096\n"; });
  auto r = run_child(analyze_argv(), feed, seconds(300));
  expect_sane(r, "a memcg stats block of 3 million distinct keys (pipe, JSON)");
  json j = parse_json(r);
  const json* e = event_with_victim(j, kVictimPid);
  ASSERT_NE(e, nullptr) << r.out.substr(0, 2000);
  EXPECT_TRUE((*e)["complete"].get<bool>());
  EXPECT_NE((*e)["notes"].dump().find("not kept"), std::string::npos) << "the event says it dropped keys";
}

TEST(BadInput, MegabyteLinesInsideAReport) {
  // 300 stats lines of 1 MiB each (the reader's cap): neither the stats map nor the evidence
  // lines kept for findings may hold them whole.
  std::string key(1 << 20, 'k');
  auto feed = stream_report(base_report(), "[ 1056.048506] cache 110592", "[ 1056.048594] Tasks state", 300,
                            [key](uint64_t i) { return key.substr(0, key.size() - 40) + std::to_string(i) + " 1\n"; });
  auto r = run_child(analyze_argv(), feed, seconds(300));
  expect_sane(r, "300 stats lines of 1 MiB inside a report (pipe)");
  json j = parse_json(r);
  ASSERT_NE(event_with_victim(j, kVictimPid), nullptr) << r.out.substr(0, 2000);
}

TEST(BadInput, GroupKillWithMillionsOfVictims) {
  // memory.oom.group: every task of the cgroup gets a "Killed process" line. Each distinct
  // victim is kept (up to a bound) and duplicates are detected without a quadratic scan.
  std::string log = base_report();
  log = replace_all(log, "[ 1056.048618] Memory cgroup out of memory: Killed process",
                    "[ 1056.048610] Tasks in /process_api/oom-demo are going to be killed due to memory.oom.group set\n"
                    "[ 1056.048618] Memory cgroup out of memory: Killed process");
  std::string kill_line = log.substr(log.find("[ 1056.048618] Memory cgroup out of memory: Killed process"));
  auto feed = stream_report(log + "[ 1056.049000] end\n", "[ 1056.049000] end", "[ 1056.049000] end", 1'000'000,
                            [](uint64_t i) {
                              return "[ 1056.048700] Memory cgroup out of memory: Killed process " +
                                     std::to_string(200000 + i) +
                                     " (worker) total-vm:75160kB, anon-rss:65024kB, file-rss:6564kB, shmem-rss:0kB, "
                                     "UID:0 pgtables:188kB oom_score_adj:0\n";
                            });
  auto r = run_child(analyze_argv(), feed, seconds(300));
  expect_sane(r, "a group kill of 1 million victims (pipe, JSON)");
  json j = parse_json(r);
  const json* e = event_with_victim(j, kVictimPid);
  ASSERT_NE(e, nullptr) << r.out.substr(0, 2000);
}

TEST(BadInput, MillionsOfDistinctHosts) {
  // A central syslog with a kernel line mentioning memory from 2 million different hosts,
  // then a real report: per-host state must not pile up.
  auto feed = [](const Writer& w) {
    std::string buf;
    for (uint64_t i = 0; i < 2'000'000; ++i) {
      buf += "Nov 21 10:00:00 host-" + std::to_string(i) + " kernel: eth0: low memory watermark adjusted\n";
      if (buf.size() > (1 << 20)) {
        if (!w.write(buf)) return false;
        buf.clear();
      }
    }
    std::string report;
    for (const auto& l : split_lines(base_report())) report += "Nov 21 10:00:01 web1 kernel: " + l + "\n";
    return w.write(buf) && w.write(report);
  };
  auto r = run_child(analyze_argv(), feed, seconds(300));
  expect_sane(r, "kernel lines from 2 million distinct hosts, then a report (pipe)");
  json j = parse_json(r);
  const json* e = event_with_victim(j, kVictimPid);
  ASSERT_NE(e, nullptr) << r.out.substr(0, 2000);
  EXPECT_EQ((*e)["host"], "web1");
}

TEST(BadInput, ReportInterleavedWithAnotherHostsReport) {
  // The same real report from two hosts through syslog, line by line alternately; the
  // second host's victim is renamed so the two events cannot be confused.
  std::vector<std::string> lines = split_lines(base_report());
  std::string mixed;
  for (const auto& l : lines) {
    std::string db = replace_all(replace_all(l, "16304", "22222"), "python3", "postgres");
    mixed += "Nov 21 10:00:01 web1 kernel: " + l + "\n";
    mixed += "Nov 21 10:00:01 db2 kernel: " + db + "\n";
  }
  auto r = run_child(analyze_argv(), feed_string(mixed), seconds(60));
  expect_sane(r, "two hosts' reports interleaved line by line");
  json j = parse_json(r);
  ASSERT_EQ(j["events"].size(), 2u) << r.out.substr(0, 3000);
  const json* web = event_with_victim(j, kVictimPid);
  const json* db = event_with_victim(j, 22222);
  ASSERT_NE(web, nullptr);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ((*web)["host"], "web1");
  EXPECT_EQ((*db)["host"], "db2");
  EXPECT_EQ((*db)["killed"]["comm"], "postgres");
  for (const json* e : {web, db}) {
    EXPECT_TRUE((*e)["complete"].get<bool>()) << (*e)["host"];
    ASSERT_EQ((*e)["tasks"].size(), 1u) << "task rows of one host must not land in the other's table";
  }
  EXPECT_EQ((*db)["tasks"][0]["pid"], 22222);
}

}  // namespace
}  // namespace oomscope::hardening
