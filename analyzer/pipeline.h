// pipeline.h: render events on a second thread while the parser reads on.
//
// On an OOM storm (one report every few KiB) rendering an event (findings, JSON) costs about
// as much as parsing it. PipelinedSink moves the rendering to a worker thread: the parser
// thread hands each closed event over through a bounded queue, so two cores each do half the
// work and the output keeps the input's event order.
//
// Memory stays bounded: the queue holds at most kMaxQueuedEvents events and kMaxQueuedBytes
// of their estimated size (one event is always accepted, however large: the parser already
// bounds an event's size). A full queue blocks the parser until the renderer catches up.
//
// In a parallel run (analyze_parallel) the events come prepare()d instead: rendered and
// digested on the parser threads (Renderer::render_apart(), ReportFacts::digest()); they are
// only written out in order (Renderer::event_apart()) and their digests merged, by the caller
// itself when the worker is idle with nothing queued, else by the worker after what is queued.
//
// An exception thrown by the renderer (write error, bad_alloc) stops the worker; it is
// rethrown to the parser thread at its next on_event() or at finish(). finish() must be
// called before the renderer is used again (Renderer::end()); the destructor finishes too
// but swallows the worker's exception.
//
// Example:
//   JsonRenderer r(std::cout, opts);
//   r.begin();
//   ReportFacts facts;
//   PipelinedSink sink(r, &facts);
//   analyze_fd(fd, "kern.log", popts, sink, std::cerr);   // events rendered as they close
//   sink.finish();                                         // all rendered, worker joined
//   r.end(lines, bytes);
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <mutex>
#include <thread>
#include <vector>

#include "analyzer/findings/report.h"
#include "analyzer/oom_parser.h"
#include "analyzer/render.h"

namespace oomscope {

// approx_event_bytes(): heap bytes an event holds, roughly (strings, tables, kept lines).
uint64_t approx_event_bytes(const OomEvent& ev);

class PipelinedSink : public EventSink {
 public:
  // Small on purpose: a queue only needs to absorb one event's jitter, and on an OOM storm the
  // parser outruns the renderer, so the queue stays full. 256 events / 8 MiB measured 67 MiB
  // of peak RSS on the 1 GiB dense benchmark log (the estimate undercounts malloc overhead, and
  // the events are freed into the parser thread's arena from the renderer's).
  static constexpr size_t kMaxQueuedEvents = 16;
  static constexpr uint64_t kMaxQueuedBytes = 2ULL << 20;
  // A sleeping renderer is woken once this many events (or bytes) wait, or when the parser
  // would block, or at finish(): one wake-up per event cost the parser thread ~5% of its time
  // on an OOM storm (futex wake-ups), for no gain in order or memory.
  static constexpr size_t kWakeEvents = 4;
  static constexpr uint64_t kWakeBytes = 512ULL << 10;
  // Rendered events' buffers kept for reuse (EventSink::reuse()): a few, none over 1 MiB.
  static constexpr size_t kMaxSpares = 4;
  static constexpr uint64_t kMaxSpareBytes = 1ULL << 20;
  // Prepared events written out are kept for prepare() to render the next ones into, up to
  // this many bytes of text: rendered text freed on this worker and allocated anew (and grown
  // append by append) on the parser threads made the allocator give pages back to the kernel
  // and fault them in again (with tcmalloc's aggressive decommit, which main() then turned on;
  // cli/main.cc). What is kept is less than what a parallel run may hold in flight (8-16 MiB
  // per job, analyzer/parallel.cc): it does not raise the peak.
  static constexpr uint64_t kMaxSpareRenderedBytes = 16ULL << 20;

  // `facts`, when set, gets every event's digest (ReportFacts::add) on the worker, just before
  // the event is rendered: digesting the events for the report findings costs the parser
  // thread nothing then.
  explicit PipelinedSink(Renderer& r, ReportFacts* facts = nullptr);
  ~PipelinedSink() override;
  PipelinedSink(const PipelinedSink&) = delete;
  PipelinedSink& operator=(const PipelinedSink&) = delete;

  void on_event(OomEvent&& ev) override;
  // prepare(): the event rendered apart (when the renderer can) and digested, on the caller's
  // thread; on_prepared() queues it like on_event().
  bool prepares() const override { return r_.renders_apart(); }
  std::unique_ptr<PreparedEvent> prepare(const OomEvent& ev) const override;
  void on_prepared(std::unique_ptr<PreparedEvent> p) override;
  // reuse(): the buffers of an event already rendered (also after finish()).
  bool reuse(EventBuffers& out) override;
  // finish(): waits until every event handed over is rendered, joins the worker, and rethrows
  // the renderer's exception if it threw. Idempotent.
  void finish();

  // Figures for tests: the most events / estimated bytes the queue ever held.
  size_t max_queued_events() const { return max_events_; }
  uint64_t max_queued_bytes() const { return max_bytes_; }
  uint64_t reused() const { return reused_; }  // buffers handed out by reuse()

 private:
  struct Rendered : PreparedEvent {
    std::string text;  // Renderer::render_apart()
    bool complete = true;
    std::optional<EventDigest> digest;  // with `facts`
  };
  struct Item {  // by pointer: a queue of ~2 KB OomEvents allocates a node per event
    std::unique_ptr<OomEvent> ev;        // an on_event() event, or
    std::unique_ptr<Rendered> rendered;  // an on_prepared() one
    uint64_t bytes = 0;
  };
  void push(Item&& item);
  void render(Item& item);
  void recycle(Item&& item);
  void run();
  void rethrow_locked(std::unique_lock<std::mutex>& lk);

  Renderer& r_;
  ReportFacts* facts_;
  mutable std::mutex spare_rendered_mu_;  // prepare() runs on other threads, concurrently
  mutable std::vector<std::unique_ptr<Rendered>> spare_rendered_;
  mutable uint64_t spare_rendered_bytes_ = 0;
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Item> q_;
  uint64_t queued_bytes_ = 0;
  std::vector<EventBuffers> spares_;
  uint64_t reused_ = 0;
  bool worker_waiting_ = false;  // the renderer sleeps on not_empty_
  bool parser_waiting_ = false;  // the parser sleeps on not_full_
  bool closing_ = false;
  bool finished_ = false;
  std::exception_ptr error_;
  size_t max_events_ = 0;
  uint64_t max_bytes_ = 0;
  std::thread worker_;
};

}  // namespace oomscope
