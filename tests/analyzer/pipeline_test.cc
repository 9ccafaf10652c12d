// pipeline_test.cc: PipelinedSink renders every event, in order, with a bounded queue, and
// hands the renderer's errors back to the parser thread.
#include <atomic>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "analyzer/analyze.h"
#include "analyzer/pipeline.h"
#include "analyzer/render.h"

namespace oomscope {
namespace {

// Records the victims' pids in the order rendered; can be slowed down or made to fail.
class RecordingRenderer : public Renderer {
 public:
  void event(const OomEvent& ev) override {
    if (delay.count()) std::this_thread::sleep_for(delay);
    if (fail_at && pids.size() + 1 == fail_at) throw std::runtime_error("disk full");
    pids.push_back(ev.killed && ev.killed->pid ? *ev.killed->pid : -1);
    thread = std::this_thread::get_id();
  }
  void end(uint64_t, uint64_t) override {}
  std::vector<int64_t> pids;
  std::chrono::milliseconds delay{0};
  size_t fail_at = 0;  // 1-based event that throws
  std::thread::id thread;
};

OomEvent victim(int64_t pid, size_t kept_lines = 0, size_t line_bytes = 0) {
  OomEvent ev;
  ev.killed.emplace();
  ev.killed->pid = pid;
  for (size_t i = 0; i < kept_lines; ++i) ev.lines.push_back(i + 1, std::string(line_bytes, 'x'));
  return ev;
}

TEST(PipelinedSink, RendersEveryEventInOrderOnAnotherThread) {
  RecordingRenderer r;
  {
    PipelinedSink sink(r);
    for (int64_t pid = 1; pid <= 5000; ++pid) sink.on_event(victim(pid));
    sink.finish();
  }
  ASSERT_EQ(r.pids.size(), 5000u);
  for (size_t i = 0; i < r.pids.size(); ++i) ASSERT_EQ(r.pids[i], static_cast<int64_t>(i + 1));
  EXPECT_NE(r.thread, std::this_thread::get_id());
}

TEST(PipelinedSink, QueueIsBoundedWhenTheRendererIsSlow) {
  RecordingRenderer r;
  r.delay = std::chrono::milliseconds(1);
  PipelinedSink sink(r);
  // 1000 events of ~1 MiB of kept lines each: far more than the queue may hold.
  for (int64_t pid = 1; pid <= 1000; ++pid) sink.on_event(victim(pid, 16, 64 << 10));
  sink.finish();
  EXPECT_EQ(r.pids.size(), 1000u);
  EXPECT_LE(sink.max_queued_events(), PipelinedSink::kMaxQueuedEvents);
  // The budget, plus the one event always admitted when the queue is empty.
  EXPECT_LE(sink.max_queued_bytes(), PipelinedSink::kMaxQueuedBytes + approx_event_bytes(victim(0, 16, 64 << 10)));
  EXPECT_GT(sink.max_queued_bytes(), 0u);
}

TEST(PipelinedSink, OneHugeEventIsStillAccepted) {
  RecordingRenderer r;
  PipelinedSink sink(r);
  sink.on_event(victim(7, 200, 64 << 10));  // ~12.5 MiB > kMaxQueuedBytes
  sink.on_event(victim(8));
  sink.finish();
  EXPECT_EQ(r.pids, (std::vector<int64_t>{7, 8}));
}

TEST(PipelinedSink, RendererErrorReachesTheParserThread) {
  RecordingRenderer r;
  r.fail_at = 3;
  PipelinedSink sink(r);
  bool thrown = false;
  try {
    for (int64_t pid = 1; pid <= 100000; ++pid) sink.on_event(victim(pid));
    sink.finish();
  } catch (const std::runtime_error& e) {
    thrown = true;
    EXPECT_STREQ(e.what(), "disk full");
  }
  EXPECT_TRUE(thrown);
  EXPECT_EQ(r.pids.size(), 2u);
  // Every later call fails the same way instead of blocking on a stopped worker.
  EXPECT_THROW(sink.on_event(victim(1)), std::runtime_error);
}

TEST(PipelinedSink, SameOutputAsRenderingInline) {
  const std::string log =
      "[  100.000001] python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
      "[  100.000002] memory: usage 65536kB, limit 65536kB, failcnt 10\n"
      "[  100.000003] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,task_memcg=/a,task=python3,pid=42,uid=0\n"
      "[  100.000004] Memory cgroup out of memory: Killed process 42 (python3) total-vm:1000kB, anon-rss:900kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0\n";
  std::string all;
  for (int i = 0; i < 50; ++i) all += log;
  std::ostringstream inline_out, piped_out;
  {
    JsonRenderer r(inline_out, {});
    struct Direct : EventSink {
      Renderer& r;
      explicit Direct(Renderer& r) : r(r) {}
      void on_event(OomEvent&& ev) override { r.event(ev); }
    } sink(r);
    r.begin();
    AnalyzeStats st = analyze_string(all, "t.log", {}, sink);
    r.end(st.lines, st.bytes);
  }
  {
    JsonRenderer r(piped_out, {});
    r.begin();
    PipelinedSink sink(r);
    AnalyzeStats st = analyze_string(all, "t.log", {}, sink);
    sink.finish();
    r.end(st.lines, st.bytes);
  }
  EXPECT_EQ(piped_out.str(), inline_out.str());
  EXPECT_NE(inline_out.str().find("\"events\":50"), std::string::npos) << inline_out.str().substr(0, 200);
}

}  // namespace
}  // namespace oomscope
