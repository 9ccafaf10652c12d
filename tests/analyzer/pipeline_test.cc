// pipeline_test.cc: PipelinedSink renders every event, in order, with a bounded queue, and
// hands the renderer's errors back to the parser thread.
#include <atomic>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "analyzer/analyze.h"
#include "analyzer/findings/report.h"
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

// Renders apart: the text of an event is its victim's pid; event_apart() records it.
class ApartRenderer : public Renderer {
 public:
  void event(const OomEvent& ev) override {
    std::string s;
    render_apart(ev, s);
    event_apart(s, ev.complete);
  }
  bool renders_apart() const override { return true; }
  void render_apart(const OomEvent& ev, std::string& out) const override { out += std::to_string(*ev.killed->pid); }
  void event_apart(std::string_view rendered, bool) override {
    if (delay.count()) std::this_thread::sleep_for(delay);
    if (fail_at && written.size() + 1 == fail_at) throw std::runtime_error("disk full");
    written.emplace_back(rendered);
  }
  void end(uint64_t, uint64_t) override {}
  std::vector<std::string> written;
  std::chrono::microseconds delay{0};
  size_t fail_at = 0;
};

// Events handed over as they are and prepared ones, interleaved (several files, some read by
// a parallel run): written out in the order given, whichever thread writes them.
TEST(PipelinedSink, PreparedAndPlainEventsKeepTheirOrder) {
  ApartRenderer r;
  r.delay = std::chrono::microseconds(20);  // the worker is sometimes busy, sometimes idle
  {
    PipelinedSink sink(r);
    for (int64_t pid = 1; pid <= 3000; ++pid) {
      if ((pid / 7) % 2) sink.on_prepared(sink.prepare(victim(pid)));
      else sink.on_event(victim(pid));
    }
    sink.finish();
  }
  ASSERT_EQ(r.written.size(), 3000u);
  for (size_t i = 0; i < r.written.size(); ++i) ASSERT_EQ(r.written[i], std::to_string(i + 1));
}

// A write error of a prepared event reaches the caller too, and every later call fails alike.
TEST(PipelinedSink, PreparedEventWriteErrorReachesTheCaller) {
  ApartRenderer r;
  r.fail_at = 3;
  PipelinedSink sink(r);
  bool thrown = false;
  try {
    for (int64_t pid = 1; pid <= 1000; ++pid) sink.on_prepared(sink.prepare(victim(pid)));
    sink.finish();
  } catch (const std::runtime_error& e) {
    thrown = true;
    EXPECT_STREQ(e.what(), "disk full");
  }
  EXPECT_TRUE(thrown);
  EXPECT_EQ(r.written, (std::vector<std::string>{"1", "2"}));
  EXPECT_THROW(sink.on_prepared(sink.prepare(victim(1))), std::runtime_error);
  EXPECT_THROW(sink.finish(), std::runtime_error);
}

// The report facts get every event's digest, in order, before the renderer sees the event
// (find_report() reads them once the worker has finished).
TEST(PipelinedSink, ReportFactsGetEveryEventInOrder) {
  RecordingRenderer r;
  ReportFacts facts;
  PipelinedSink sink(r, &facts);
  for (int64_t pid = 1; pid <= 300; ++pid) {
    OomEvent ev = victim(pid);
    ev.source.file = "f" + std::to_string(pid);  // one digest per file
    ev.source.first_line = static_cast<uint64_t>(pid);
    ev.kill_lines = 1;
    ev.victims.push_back(*ev.killed);
    sink.on_event(std::move(ev));
  }
  sink.finish();
  ASSERT_EQ(facts.events().size(), 300u);
  for (size_t i = 0; i < 300; ++i) {
    const EventDigest& d = facts.events()[i];
    ASSERT_EQ(d.file, "f" + std::to_string(i + 1));
    ASSERT_EQ(d.first_line, i + 1);
    ASSERT_EQ(d.kills, 1u);
    ASSERT_EQ(d.victims, (std::vector<std::string>{"? (pid " + std::to_string(i + 1) + ")"}));
  }
  EXPECT_EQ(r.pids.size(), 300u);
}

// Events prepare()d on other threads (as a parallel run does) come out as on_event() gives
// them: the same JSON and text, byte for byte, and the same report digests.
TEST(PipelinedSink, PreparedEventsRenderAsEventsDo) {
  std::string all;
  for (int i = 0; i < 30; ++i) {
    const std::string t = std::to_string(100 + i), pid = std::to_string(1000 + i);
    all += "[  " + t + ".000001] app invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n";
    all += "[  " + t + ".000002] memory: usage 65536kB, limit 65536kB, failcnt " + pid + "\n";
    all += "[  " + t + ".000003] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/kubepods/pod" +
           std::to_string(i % 3) + ",task_memcg=/kubepods/pod" + std::to_string(i % 3) + ",task=app,pid=" + pid + ",uid=0\n";
    if (i % 4 != 3)  // some reports cut before their kill line: partial events
      all += "[  " + t + ".000004] Memory cgroup out of memory: Killed process " + pid +
             " (app) total-vm:1000kB, anon-rss:900kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0\n";
  }
  CollectingSink parsed;
  analyze_string(all, "t.log", {}, parsed);
  ASSERT_EQ(parsed.events.size(), 30u);
  for (const std::string format : {"json", "text"}) {
    std::ostringstream direct_out, prepared_out;
    ReportFacts direct_facts, prepared_facts;
    auto renderer = [&](std::ostream& os) -> std::unique_ptr<Renderer> {
      if (format == "json") return std::make_unique<JsonRenderer>(os);
      return std::make_unique<TextRenderer>(os);
    };
    {
      auto r = renderer(direct_out);
      r->begin();
      PipelinedSink sink(*r, &direct_facts);
      for (const OomEvent& ev : parsed.events) sink.on_event(OomEvent(ev));
      sink.finish();
      r->end(1, 2);
    }
    {
      auto r = renderer(prepared_out);
      r->begin();
      PipelinedSink sink(*r, &prepared_facts);
      ASSERT_TRUE(sink.prepares());
      std::vector<std::unique_ptr<PreparedEvent>> prepared(parsed.events.size());
      std::vector<std::thread> threads;  // prepared concurrently, passed on in order
      for (size_t t = 0; t < 3; ++t)
        threads.emplace_back([&, t] {
          for (size_t i = t; i < parsed.events.size(); i += 3) prepared[i] = sink.prepare(parsed.events[i]);
        });
      for (std::thread& th : threads) th.join();
      for (size_t i = 0; i < prepared.size(); ++i) {
        EXPECT_EQ(prepared[i]->first_line, parsed.events[i].source.first_line);
        sink.on_prepared(std::move(prepared[i]));
      }
      sink.finish();
      r->end(1, 2);
    }
    EXPECT_EQ(prepared_out.str(), direct_out.str()) << format;
    EXPECT_NE(direct_out.str().find(format == "json" ? "\"incomplete_events\":7" : "30 OOM events (7 partial)"), std::string::npos)
        << direct_out.str().substr(0, 300);
    ASSERT_EQ(prepared_facts.events().size(), direct_facts.events().size());
    ASSERT_EQ(direct_facts.events().size(), 3u);  // one per pod cgroup
    for (size_t i = 0; i < direct_facts.events().size(); ++i) {
      const EventDigest &a = direct_facts.events()[i], &b = prepared_facts.events()[i];
      EXPECT_EQ(a.task_memcg, b.task_memcg);
      EXPECT_EQ(a.first_line, b.first_line);
      EXPECT_EQ(a.kills, b.kills);
      EXPECT_EQ(a.events, b.events);
      EXPECT_EQ(a.victims, b.victims);
    }
  }
}

// A rendered event's kept lines and task table come back through reuse(), emptied, with their
// capacity (the parser's next event starts with them).
TEST(PipelinedSink, RenderedEventsBuffersComeBackEmptyForReuse) {
  RecordingRenderer r;
  PipelinedSink sink(r);
  EventBuffers none;
  EXPECT_FALSE(sink.reuse(none));
  OomEvent ev = victim(9, 40, 100);
  ev.tasks.resize(30);
  sink.on_event(std::move(ev));
  sink.finish();
  EventBuffers b;
  ASSERT_TRUE(sink.reuse(b));
  EXPECT_TRUE(b.lines.empty());
  EXPECT_TRUE(b.tasks.empty());
  EXPECT_GE(b.heap_bytes(), 40u * 100u + 30u * sizeof(Task));
  EXPECT_EQ(sink.reused(), 1u);
  EXPECT_FALSE(sink.reuse(b));  // one event, one set of buffers
  EXPECT_EQ(r.pids, (std::vector<int64_t>{9}));
}

// Buffers larger than kMaxSpareBytes are freed, not kept.
TEST(PipelinedSink, HugeBuffersAreNotKeptForReuse) {
  RecordingRenderer r;
  PipelinedSink sink(r);
  sink.on_event(victim(1, 2, PipelinedSink::kMaxSpareBytes));
  sink.finish();
  EventBuffers b;
  EXPECT_FALSE(sink.reuse(b));
}

// A sink that hands every event's buffers back, emptied, as PipelinedSink does, but at once:
// the parser must give the same events as with fresh buffers (nothing of an earlier event's
// lines or tasks may leak into the next one).
TEST(PipelinedSink, ParserWithReusedBuffersGivesTheSameEvents) {
  std::string all;
  for (int i = 0; i < 40; ++i) {
    const std::string pid = std::to_string(100 + i);
    all += "[  " + std::to_string(100 + i) + ".000001] app invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n";
    all += "[  " + std::to_string(100 + i) + ".000002] memory: usage 65536kB, limit 65536kB, failcnt " + pid + "\n";
    all += "[  " + std::to_string(100 + i) + ".000003] Tasks state (memory values in pages):\n";
    all += "[  " + std::to_string(100 + i) + ".000004] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n";
    for (int t = 0; t < (i * 7) % 11; ++t)  // 0 to 10 rows: shorter tables follow longer ones
      all += "[  " + std::to_string(100 + i) + ".000005] [" + std::to_string(1000 + t) + "]     0 " + std::to_string(1000 + t) +
             "    1000     " + std::to_string(10 * t + i) + "    40960        0             0 w" + std::to_string(t) + "\n";
    all += "[  " + std::to_string(100 + i) + ".000006] Memory cgroup out of memory: Killed process " + pid + " (app) total-vm:1000kB, anon-rss:900kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0\n";
  }
  struct Recycling : CollectingSink {
    EventBuffers spare;
    bool has = false;
    size_t handed = 0;
    void on_event(OomEvent&& ev) override {
      events.push_back(ev);  // a copy: the buffers below are the event's own
      spare = EventBuffers{std::move(ev.lines), std::move(ev.tasks)};
      spare.clear();
      has = true;
    }
    bool reuse(EventBuffers& out) override {
      if (!has) return false;
      out = std::move(spare);
      has = false;
      ++handed;
      return true;
    }
  } recycling;
  CollectingSink fresh;
  analyze_string(all, "t.log", {}, recycling);
  analyze_string(all, "t.log", {}, fresh);
  ASSERT_EQ(fresh.events.size(), 40u);
  EXPECT_GE(recycling.handed, 39u);
  ASSERT_EQ(recycling.events.size(), fresh.events.size());
  for (size_t i = 0; i < fresh.events.size(); ++i) {
    EXPECT_EQ(recycling.events[i].tasks.size(), fresh.events[i].tasks.size()) << i;
    EXPECT_EQ(recycling.events[i].lines.size(), fresh.events[i].lines.size()) << i;
    EXPECT_EQ(event_to_json(recycling.events[i]).dump(), event_to_json(fresh.events[i]).dump()) << i;
  }
  EXPECT_EQ(fresh.events[3].tasks.size(), 10u);  // (3 * 7) % 11
}

}  // namespace
}  // namespace oomscope
