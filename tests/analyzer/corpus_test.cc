// corpus_test.cc: every real OOM report in the corpus, every hand-read fact checked.
//
// Walks tests/data/kernel-logs/*.log (always) and ../shared/oom-corpus/*.log (when present),
// parses each log and compares the events with the facts in the .json beside it (see the
// conventions in tests/data/kernel-logs/README.md). Adding a case = dropping in two files.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analyzer/analyze.h"
#include "common/line_reader.h"

namespace oomscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<fs::path> corpus_logs() {
  std::vector<fs::path> out;
  for (const char* dir : {OOMSCOPE_TEST_DATA "/kernel-logs", OOMSCOPE_CORPUS}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".log" && fs::exists(fs::path(e.path()).replace_extension(".json")))
        out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The fact as the parser sees it, in the .json's vocabulary.
json actual_fact(const OomEvent& ev, const std::string& key) {
  auto o = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  if (key == "trigger_comm") return o(ev.trigger.comm);
  if (key == "gfp_mask") return o(ev.trigger.gfp_mask);
  if (key == "order") return o(ev.trigger.order);
  if (key == "trigger_oom_score_adj") return o(ev.trigger.oom_score_adj);
  if (key == "constraint") return o(ev.constraint);
  if (key == "memcg") return ev.memcg ? o(ev.memcg->oom_memcg) : json(nullptr);
  if (key == "memcg_usage_kb") return ev.memcg ? o(ev.memcg->usage_kb) : json(nullptr);
  if (key == "memcg_limit_kb") return ev.memcg ? o(ev.memcg->limit_kb) : json(nullptr);
  const std::optional<Killed>& k = ev.killed;
  if (key == "killed_pid") return k ? o(k->pid) : json(nullptr);
  if (key == "killed_comm") return k ? o(k->comm) : json(nullptr);
  if (key == "total_vm_kb") return k ? o(k->total_vm_kb) : json(nullptr);
  if (key == "anon_rss_kb") return k ? o(k->anon_rss_kb) : json(nullptr);
  if (key == "file_rss_kb") return k ? o(k->file_rss_kb) : json(nullptr);
  if (key == "shmem_rss_kb") return k ? o(k->shmem_rss_kb) : json(nullptr);
  if (key == "task_table_rows") return ev.has_task_table || !ev.tasks.empty() ? json(ev.tasks.size()) : json(nullptr);
  if (key == "largest_rss_task_comm") {
    const Task* best = nullptr;
    for (const Task& t : ev.tasks)
      if (t.rss_pages && (!best || *t.rss_pages > *best->rss_pages)) best = &t;
    return best ? json(best->name) : json(nullptr);
  }
  if (key == "truncated") return ev.truncated;
  return json("<unknown fact key " + key + ">");
}

class CorpusTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(CorpusTest, EveryFactMatches) {
  const fs::path log = GetParam();
  json facts = json::parse(slurp(fs::path(log).replace_extension(".json")));
  CollectingSink sink;
  analyze_string(slurp(log), log.filename().string(), {}, sink);
  const json& want = facts["events"];
  ASSERT_EQ(sink.events.size(), want.size()) << log.filename();
  for (size_t i = 0; i < want.size(); ++i) {
    const OomEvent& ev = sink.events[i];
    for (auto& [key, value] : want[i].items()) {
      EXPECT_EQ(actual_fact(ev, key), value) << log.filename().string() << " event #" << i + 1 << " fact " << key;
    }
    if (!want[i].contains("truncated")) {
      EXPECT_FALSE(ev.truncated) << log.filename() << " event #" << i + 1;
    }
    // The kernel version printed anywhere in the excerpt.
    if (facts.contains("kernel") && !facts["kernel"].is_null() && i == 0) {
      bool any = false;
      for (const OomEvent& e : sink.events) any |= e.kernel == facts["kernel"].get<std::string>();
      EXPECT_TRUE(any) << log.filename() << " kernel " << facts["kernel"];
    }
  }
}

std::string case_name(const ::testing::TestParamInfo<fs::path>& info) {
  std::string dir = info.param.parent_path().filename().string() == "kernel-logs" ? "repo_" : "shared_";
  std::string n = dir + info.param.stem().string();
  for (char& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusTest, ::testing::ValuesIn(corpus_logs()), case_name);

TEST(CorpusTest, RepoCopyIsPresent) {
  // The project stands on its own: the fixtures are in the repo, not only in ../shared.
  size_t repo = 0;
  for (const auto& p : corpus_logs())
    if (p.parent_path().filename() == "kernel-logs") ++repo;
  EXPECT_GE(repo, 24u);
}

}  // namespace
}  // namespace oomscope

namespace oomscope {
namespace {

// The prefilter (find_anchor + LineReader::next_matching, used for pipes and large files)
// must lose nothing: on every corpus log it yields exactly the events of a parse that looks
// at every line.
std::string events_dump(const std::vector<OomEvent>& evs) {
  std::string out;
  for (const OomEvent& e : evs) {
    out += std::to_string(e.source.first_line) + "-" + std::to_string(e.source.last_line) + " ";
    out += e.killed && e.killed->pid ? std::to_string(*e.killed->pid) : "nokill";
    out += " tasks=" + std::to_string(e.tasks.size());
    out += " stats=" + std::to_string(e.memcg ? e.memcg->stats.size() : 0);
    out += " complete=" + std::to_string(e.complete) + "\n";
  }
  return out;
}

TEST_P(CorpusTest, PrefilterLosesNothing) {
  const fs::path log = GetParam();
  std::string data = slurp(log);
  ParserOptions all;
  all.no_prefilter = true;
  CollectingSink every, filtered;
  {
    // Every line, in file order (no reordering: the streaming path does not reorder).
    OomParser p(every, all);
    p.begin_file("x");
    StringLineReader r(data);
    Line line;
    while (r.next(line)) p.feed(line.text, line.number, line.cut);
    p.end_file();
  }
  // Through a pipe: analyze_fd then streams with the SIMD prefilter.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = write(fds[1], data.data() + off, data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(fds[1]);
  });
  std::ostringstream err;
  AnalyzeStats st = analyze_fd(fds[0], "x", {}, filtered, err);
  writer.join();
  close(fds[0]);
  EXPECT_EQ(events_dump(filtered.events), events_dump(every.events)) << log.filename();
  EXPECT_EQ(st.bytes, data.size());
}

}  // namespace
}  // namespace oomscope
