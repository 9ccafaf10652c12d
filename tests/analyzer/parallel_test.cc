// parallel_test.cc: analyze_parallel() emits exactly the events, in exactly the order, of one
// OomParser streaming the same file, however the file is cut into segments; and the work is
// really split (hand-overs happen), taken over (abandoned jobs) and extended (absorbed segments).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "analyzer/anchor.h"
#include "analyzer/oom_parser.h"
#include "analyzer/parallel.h"
#include "analyzer/pipeline.h"
#include "analyzer/render.h"
#include "common/line_reader.h"

namespace oomscope {
namespace {

namespace fs = std::filesystem;

ParserOptions parser_options() {
  ParserOptions o;
  o.max_kept_lines = 4000;  // as the CLI: kept lines are compared too
  return o;
}

// The reference: one parser over a stream of the file, as analyze_fd() reads a pipe.
std::vector<OomEvent> stream_parse(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0) << path;
  LineReader r(fd);
  CollectingSink sink;
  OomParser p(sink, parser_options());
  p.begin_file(path);
  Line line;
  while (p.needs_every_line() ? r.next(line) : r.next_matching(line, find_anchor)) p.feed(line.text, line.number, line.cut);
  p.end_file();
  ::close(fd);
  return std::move(sink.events);
}

std::vector<OomEvent> parallel_parse(const std::string& path, const ParallelOptions& po, ParallelStats& st,
                                     AnalyzeStats* totals = nullptr) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0) << path;
  struct stat sb {};
  EXPECT_EQ(::fstat(fd, &sb), 0);
  CollectingSink sink;
  auto res = analyze_parallel(fd, static_cast<uint64_t>(sb.st_size), path, parser_options(), sink, po, &st);
  ::close(fd);
  EXPECT_TRUE(res.has_value()) << path;
  if (res && totals) *totals = *res;
  if (res) {
    EXPECT_EQ(res->events, sink.events.size());
  }
  return std::move(sink.events);
}

// same_events(): equal, event by event, with where the first difference is.
void expect_same_events(const std::vector<OomEvent>& want, const std::vector<OomEvent>& got, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_TRUE(got[i] == want[i]) << what << ": event " << i << " (lines " << want[i].source.first_line << "-"
                                   << want[i].source.last_line << ", got lines " << got[i].source.first_line << "-"
                                   << got[i].source.last_line << ")";
}

std::vector<std::string> repo_logs() {
  std::vector<std::string> logs;
  for (const auto& e : fs::recursive_directory_iterator(OOMSCOPE_TEST_DATA))
    if (e.is_regular_file() && e.path().extension() == ".log" && e.file_size() > 0) logs.push_back(e.path().string());
  std::sort(logs.begin(), logs.end());
  return logs;
}

std::string write_file(const std::string& name, const std::string& data) {
  const std::string path = (fs::temp_directory_path() / ("oomscope-parallel-" + std::to_string(::getpid()) + "-" + name)).string();
  std::ofstream(path, std::ios::binary) << data;
  return path;
}

ParallelStats& operator+=(ParallelStats& a, const ParallelStats& b) {
  a.segments += b.segments;
  a.handovers += b.handovers;
  a.absorbed += b.absorbed;
  a.abandoned += b.abandoned;
  return a;
}

TEST(AnalyzeParallel, EveryRepoLogGivesTheStreamingParsersEventsWhateverTheSegments) {
  const std::vector<std::string> logs = repo_logs();
  ASSERT_GE(logs.size(), 30u);
  ParallelStats all;
  for (const std::string& log : logs) {
    const std::vector<OomEvent> want = stream_parse(log);
    for (uint64_t seg : {700ULL, 4096ULL, 32768ULL})
      for (unsigned threads : {2u, 3u}) {
        ParallelOptions po;
        po.threads = threads;
        po.segment_bytes = seg;
        po.checkpoint_every = seg / 8;
        po.max_checkpoints = 4;
        ParallelStats st;
        expect_same_events(want, parallel_parse(log, po, st),
                           log + " segments of " + std::to_string(seg) + " B, " + std::to_string(threads) + " threads");
        all += st;
      }
  }
  // The cuts really happened: jobs handed over (which job takes which segment depends on the
  // threads' timing, so only that each way happened is checked; the long-table test below
  // makes a job be taken over).
  RecordProperty("handovers", static_cast<int>(all.handovers));
  RecordProperty("absorbed", static_cast<int>(all.absorbed));
  RecordProperty("abandoned", static_cast<int>(all.abandoned));
  EXPECT_GT(all.handovers, 0u);
  EXPECT_GT(all.handovers + all.abandoned + all.absorbed, all.handovers);
}

// An OOM storm from several hosts: every repo log, one after the other, three times (each
// copy's syslog lines from other hosts), cut in many segments. Hand-overs happen while other
// hosts' finished events wait for their reaper lines (OomParser::take_held()).
TEST(AnalyzeParallel, StormOfReportsFromManyHostsSplitsAndStaysExact) {
  std::string storm;
  for (int copy = 0; copy < 3; ++copy)
    for (const std::string& log : repo_logs()) {
      std::ifstream in(log, std::ios::binary);
      std::string line;
      while (std::getline(in, line)) {
        // Rename syslog hosts per copy ("Nov 14 00:00:06 worker-5 kernel: …").
        if (copy > 0) {
          const size_t k = line.find(" kernel: ");
          const size_t h = k == std::string::npos ? std::string::npos : line.rfind(' ', k - 1);
          if (h != std::string::npos && h > 0) line.insert(k, "-c" + std::to_string(copy));
        }
        storm += line;
        storm += '\n';
      }
    }
  const std::string path = write_file("storm.log", storm);
  const std::vector<OomEvent> want = stream_parse(path);
  ASSERT_GT(want.size(), 100u);
  for (uint64_t seg : {16384ULL, 262144ULL}) {
    ParallelOptions po;
    po.threads = 2;
    po.segment_bytes = seg;
    po.checkpoint_every = 2048;
    ParallelStats st;
    AnalyzeStats totals;
    expect_same_events(want, parallel_parse(path, po, st, &totals), "storm, segments of " + std::to_string(seg));
    // The workers' first segments are taken before any job starts, so jobs 0 and 1 meet.
    EXPECT_GT(st.handovers + st.abandoned, 0u) << seg;
    EXPECT_EQ(totals.bytes, storm.size());
    EXPECT_EQ(totals.lines, static_cast<uint64_t>(std::count(storm.begin(), storm.end(), '\n')));
  }
  fs::remove(path);
}

// With a sink that prepares events (PipelinedSink: each job renders its own events, JSON or
// text), the output is byte for byte the single parser's rendered in order, also where
// hand-overs pass held events on and jobs are taken over.
TEST(AnalyzeParallel, PreparedEventsRenderAsTheSingleParsersEvents) {
  std::string storm;
  for (int copy = 0; copy < 2; ++copy)
    for (const std::string& log : repo_logs()) {
      std::ifstream in(log, std::ios::binary);
      std::string line;
      while (std::getline(in, line)) {
        const size_t k = line.find(" kernel: ");
        const size_t h = k == std::string::npos ? std::string::npos : line.rfind(' ', k - 1);
        if (copy > 0 && h != std::string::npos && h > 0) line.insert(k, "-c1");
        storm += line;
        storm += '\n';
      }
    }
  const std::string path = write_file("prepared.log", storm);
  const std::vector<OomEvent> want = stream_parse(path);
  ASSERT_GT(want.size(), 50u);
  for (const std::string format : {"json", "text"}) {
    auto renderer = [&](std::ostream& os) -> std::unique_ptr<Renderer> {
      if (format == "json") return std::make_unique<JsonRenderer>(os);
      return std::make_unique<TextRenderer>(os);
    };
    std::ostringstream single;
    {
      auto r = renderer(single);
      r->begin();
      for (const OomEvent& ev : want) r->event(ev);
      r->end(0, 0);
    }
    for (uint64_t seg : {16384ULL, 262144ULL})
      for (unsigned threads : {2u, 3u}) {
        std::ostringstream parallel;
        ParallelStats st;
        {
          auto r = renderer(parallel);
          r->begin();
          PipelinedSink sink(*r);
          ASSERT_TRUE(sink.prepares());
          ParallelOptions po;
          po.threads = threads;
          po.segment_bytes = seg;
          po.checkpoint_every = 2048;
          const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
          auto res = analyze_parallel(fd, storm.size(), path, parser_options(), sink, po, &st);
          ::close(fd);
          sink.finish();
          ASSERT_TRUE(res.has_value());
          EXPECT_EQ(res->events, want.size());
          r->end(0, 0);
        }
        EXPECT_GT(st.handovers + st.abandoned, 0u) << seg;
        ASSERT_EQ(parallel.str(), single.str()) << format << ", segments of " << seg << ", " << threads << " threads";
      }
  }
  fs::remove(path);
}

// A report whose task table runs across several segments, with a task name that holds an
// anchor word on every row: the next job, started inside the table, sees no report and records
// its checkpoints on those rows; none can match the job that is in the report, which takes the
// segment over. The result is still the one report with every row.
TEST(AnalyzeParallel, ReportAcrossSegmentsIsTakenOverNotCut) {
  std::ostringstream log;
  log << "[  100.000000] bash invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
      << "[  100.000001] Mem-Info:\n"
      << "[  100.000002] Tasks state (memory values in pages):\n"
      << "[  100.000003] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n";
  for (int pid = 1000; pid < 5000; ++pid)
    log << "[  100.000004] [" << std::setw(7) << pid << "]     0 " << pid << "    10000     5000    90112        0             0 oomd-worker\n";
  log << "[  100.000005] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),task=oomd-worker,pid=4999,uid=0\n"
      << "[  100.000006] Out of memory: Killed process 4999 (oomd-worker) total-vm:40000kB, anon-rss:20000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:88kB oom_score_adj:0\n";
  for (int i = 0; i < 2000; ++i) log << "[  101.000000] eth0: link up " << i << "\n";
  const std::string path = write_file("long-table.log", log.str());
  const std::vector<OomEvent> want = stream_parse(path);
  ASSERT_EQ(want.size(), 1u);
  ASSERT_EQ(want[0].tasks.size(), 4000u);
  ParallelOptions po;
  po.threads = 2;
  po.segment_bytes = 32768;  // the table is ~400 KB
  po.checkpoint_every = 1024;
  po.max_checkpoints = 4;
  ParallelStats st;
  expect_same_events(want, parallel_parse(path, po, st), "long table");
  EXPECT_GT(st.abandoned + st.absorbed, 5u);
  EXPECT_EQ(st.handovers, 0u);  // no checkpoint inside the table can match
  fs::remove(path);
}

TEST(AnalyzeParallel, ThreadsDefaultToTheCpusWithinBounds) {
  ParallelOptions po;
  po.threads = 1;
  EXPECT_EQ(parallel_threads(po), 1u);
  po.threads = 64;
  EXPECT_EQ(parallel_threads(po), ParallelOptions::kMaxThreads);
  po.threads = 0;
  EXPECT_GE(parallel_threads(po), 1u);
}

}  // namespace
}  // namespace oomscope
