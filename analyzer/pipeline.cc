#include "analyzer/pipeline.h"

#include <utility>

namespace oomscope {
namespace {

uint64_t str_bytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }
uint64_t opt_bytes(const std::optional<std::string>& s) { return s ? str_bytes(*s) : 0; }

}  // namespace

uint64_t approx_event_bytes(const OomEvent& ev) {
  uint64_t b = sizeof(OomEvent) + str_bytes(ev.source.file) + opt_bytes(ev.host) + opt_bytes(ev.kernel);
  b += ev.tasks.capacity() * sizeof(Task);
  for (const Task& t : ev.tasks) b += str_bytes(t.name);
  b += ev.lines.heap_bytes();
  b += ev.victims.capacity() * sizeof(Killed) + ev.reaped.capacity() * sizeof(Reaped);
  for (const std::string& f : ev.call_trace) b += sizeof(std::string) + str_bytes(f);
  constexpr uint64_t kMapNode = 96;  // a std::map<std::string, uint64_t> node with a short key
  if (ev.memcg) {
    b += ev.memcg->stats.size() * kMapNode;
    for (const auto& [path, kv] : ev.memcg->subtree_stats) b += kMapNode + str_bytes(path) + kv.size() * kMapNode;
  }
  if (ev.mem_info) {
    b += ev.mem_info->counters_pages.size() * kMapNode + ev.mem_info->zones.size() * (sizeof(ZoneInfo) + 256);
    b += ev.mem_info->unreclaimable_slab_kb.size() * 64;
  }
  return b;
}

PipelinedSink::PipelinedSink(Renderer& r, ReportFacts* facts) : r_(r), facts_(facts), worker_([this] { run(); }) {}

PipelinedSink::~PipelinedSink() {
  try {
    finish();
  } catch (...) {
    // The caller did not call finish(): the error has no one to go to.
  }
}

// The error stays set: every later on_event() fails the same way instead of waiting for a
// worker that has stopped.
void PipelinedSink::rethrow_locked(std::unique_lock<std::mutex>& lk) {
  if (!error_) return;
  std::exception_ptr e = error_;
  lk.unlock();
  std::rethrow_exception(e);
}

void PipelinedSink::on_event(OomEvent&& ev) {
  const uint64_t bytes = approx_event_bytes(ev);
  push({std::make_unique<OomEvent>(std::move(ev)), nullptr, bytes});
}

std::unique_ptr<PreparedEvent> PipelinedSink::prepare(const OomEvent& ev) const {
  std::unique_ptr<Rendered> p;
  {
    std::lock_guard lk(spare_rendered_mu_);
    if (!spare_rendered_.empty()) {
      p = std::move(spare_rendered_.back());
      spare_rendered_.pop_back();
      spare_rendered_bytes_ -= p->text.capacity();
    }
  }
  if (!p) p = std::make_unique<Rendered>();
  p->first_line = ev.source.first_line;
  p->complete = ev.complete;
  p->text.clear();
  r_.render_apart(ev, p->text);
  if (facts_) p->digest = ReportFacts::digest(ev);
  p->bytes = sizeof(Rendered) + p->text.capacity();
  return p;
}

void PipelinedSink::on_prepared(std::unique_ptr<PreparedEvent> p) {
  // Only this sink's prepare() makes the events it is given back.
  std::unique_ptr<Rendered> r(static_cast<Rendered*>(p.release()));
  const uint64_t bytes = r->bytes;
  Item item{nullptr, std::move(r), bytes};
  {
    std::unique_lock lk(mu_);
    rethrow_locked(lk);
    if (!q_.empty() || !worker_waiting_) {
      lk.unlock();
      push(std::move(item));
      return;
    }
  }
  // The worker sleeps with nothing queued, and only this thread queues: writing the event out
  // here keeps the order and saves the hand-over. A parallel run's events come rendered, and
  // writing one out costs less than waking the worker for it did (a futex call and two context
  // switches every few events).
  try {
    render(item);
  } catch (...) {
    std::lock_guard lk(mu_);
    error_ = std::current_exception();
    throw;
  }
  recycle(std::move(item));
}

void PipelinedSink::push(Item&& item) {
  const uint64_t bytes = item.bytes;
  std::unique_lock lk(mu_);
  auto has_room = [&] {
    return error_ || q_.empty() || (q_.size() < kMaxQueuedEvents && queued_bytes_ + bytes <= kMaxQueuedBytes);
  };
  if (!has_room()) {
    if (worker_waiting_) not_empty_.notify_one();  // the renderer must drain what is queued
    parser_waiting_ = true;
    not_full_.wait(lk, has_room);
    parser_waiting_ = false;
  }
  rethrow_locked(lk);
  q_.push_back(std::move(item));
  queued_bytes_ += bytes;
  if (q_.size() > max_events_) max_events_ = q_.size();
  if (queued_bytes_ > max_bytes_) max_bytes_ = queued_bytes_;
  const bool wake = worker_waiting_ && (q_.size() >= kWakeEvents || queued_bytes_ >= kWakeBytes);
  lk.unlock();
  if (wake) not_empty_.notify_one();
}

bool PipelinedSink::reuse(EventBuffers& out) {
  std::lock_guard lk(mu_);
  if (spares_.empty()) return false;
  out = std::move(spares_.back());
  spares_.pop_back();
  ++reused_;
  return true;
}

void PipelinedSink::finish() {
  {
    std::lock_guard lk(mu_);
    if (finished_) return;
    finished_ = true;
    closing_ = true;
  }
  not_empty_.notify_one();
  worker_.join();
  std::unique_lock lk(mu_);
  rethrow_locked(lk);
  lk.unlock();
  r_.flush();  // events written inline (on_prepared()) or by the worker before it stopped
}

void PipelinedSink::render(Item& item) {
  if (item.rendered) {
    if (facts_ && item.rendered->digest) facts_->add(std::move(*item.rendered->digest));
    r_.event_apart(item.rendered->text, item.rendered->complete);
  } else {
    if (facts_) facts_->add(*item.ev);
    r_.event(*item.ev);
  }
}

// recycle(): a rendered item freed, its buffers kept for reuse: an event's two large buffers
// go back to the parser, emptied (EventBuffers); rendered text to prepare().
void PipelinedSink::recycle(Item&& item) {
  EventBuffers spare;
  if (item.ev) {
    spare = EventBuffers{std::move(item.ev->lines), std::move(item.ev->tasks)};
    spare.clear();
  } else if (const uint64_t cap = item.rendered->text.capacity(); cap <= kMaxSpareBytes) {
    item.rendered->digest.reset();
    std::lock_guard spare_lk(spare_rendered_mu_);
    if (spare_rendered_bytes_ + cap <= kMaxSpareRenderedBytes) {
      spare_rendered_.push_back(std::move(item.rendered));
      spare_rendered_bytes_ += cap;
    }
  }
  const bool keep = item.ev && spare.heap_bytes() <= kMaxSpareBytes;
  item = Item{};
  if (!keep) return;
  std::lock_guard lk(mu_);
  if (spares_.size() < kMaxSpares) spares_.push_back(std::move(spare));
}

void PipelinedSink::run() {
  bool unflushed = false;  // events rendered since the renderer's last flush()
  for (;;) {
    std::unique_lock lk(mu_);
    if (unflushed && q_.empty() && !closing_) {
      // Nothing more to render for now (a live log, read as it grows): what the renderer
      // gathered goes out before the worker sleeps, and before the caller may write inline.
      lk.unlock();
      unflushed = false;
      try {
        r_.flush();
      } catch (...) {
        lk.lock();
        error_ = std::current_exception();
        lk.unlock();
        not_full_.notify_all();
        return;
      }
      continue;
    }
    worker_waiting_ = true;
    not_empty_.wait(lk, [&] { return closing_ || !q_.empty(); });
    worker_waiting_ = false;
    if (q_.empty()) return;  // closing and drained
    Item item = std::move(q_.front());
    q_.pop_front();
    lk.unlock();
    try {
      render(item);
      unflushed = true;
    } catch (...) {
      lk.lock();
      error_ = std::current_exception();
      q_.clear();
      queued_bytes_ = 0;
      lk.unlock();
      not_full_.notify_all();
      return;
    }
    // The event's bytes count until it is freed, here on the worker (off the parser thread).
    const uint64_t bytes = item.bytes;
    recycle(std::move(item));
    lk.lock();
    queued_bytes_ -= bytes;
    // A blocked parser is woken once the queue is half drained (or empty), not per event.
    const bool wake = parser_waiting_ && (q_.empty() || (q_.size() <= kMaxQueuedEvents / 2 &&
                                                         queued_bytes_ <= kMaxQueuedBytes / 2));
    lk.unlock();
    if (wake) not_full_.notify_one();
  }
}

}  // namespace oomscope
