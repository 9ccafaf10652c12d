#include "analyzer/parallel.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "analyzer/anchor.h"
#include "analyzer/pipeline.h"
#include "common/line_reader.h"
#include "common/scan.h"

namespace oomscope {
namespace {

// SegmentReader: the lines of the file from byte `from` on, read with pread() (the file's
// descriptor is shared by the threads) a block at a time into the worker's buffer, which it
// gets back when the reader is done. Through a mapping of the file, the first touch of every
// line missed the cache (the hardware prefetchers stop at page boundaries) and each job took
// thousands of page faults, then madvise() calls to drop the pages behind it, each a TLB
// shoot-down on the other CPUs; a block copied by the kernel stays in the core's cache while
// the job parses it. Lines are split exactly as a stream's are (LineReader).
class SegmentReader final : public LineReader {
 public:
  static constexpr size_t kBlock = 256 << 10;  // a quarter of a Zen 4 core's L2
  static size_t buffer_bytes() { return LineReader::buffer_bytes(kBlock, kDefaultMaxLine); }
  // SegmentReader(): reads [from, to) of `fd`, into `buffer` (buffer_bytes() bytes).
  SegmentReader(int fd, uint64_t from, uint64_t to, std::unique_ptr<char[]>& buffer)
      : LineReader(fd, std::move(buffer), kBlock), fd_(fd), pos_(from), to_(to), home_(buffer) {}
  ~SegmentReader() override { home_ = take_buffer(); }
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

 protected:
  long fill(char* dst, size_t cap) override {
    for (;;) {
      if (pos_ >= to_) return 0;  // a log appended to meanwhile is read as it was measured
      const ssize_t n = ::pread(fd_, dst, std::min<uint64_t>(cap, to_ - pos_), static_cast<off_t>(pos_));
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) pos_ += static_cast<uint64_t>(n);
      return n;
    }
  }

 private:
  const int fd_;
  uint64_t pos_;  // file offset of the next read
  const uint64_t to_;
  std::unique_ptr<char[]>& home_;
};

// Events a job may keep waiting for the merger before it stops (JobSink). Prepared events
// (rendered text) may take a whole default segment's worth: a job that stops early leaves its
// core idle until the job being passed on is done, and on an OOM storm the rendered events of
// a segment are ~2/3 of its size, in buffers whose capacity is ~2.6 times the text (reused
// buffers keep the size of the largest event they held: 27 KB for 10.5 KB of JSON on the dense
// benchmark log). So a job may hold kPreparedBudget / threads, from 8 to 16 MiB: at 8 MiB the
// second of two jobs stopped 56 times per dense GiB, 1.0 s in all, waiting for the first one;
// at 16 MiB 3-5 times, 13-24 ms. Events themselves take more memory than approx_event_bytes()
// says: they are held to less.
constexpr uint64_t kMaxOutBytes = 2ULL << 20;
constexpr uint64_t kPreparedBudget = 32ULL << 20;
constexpr uint64_t kMinOutPreparedBytes = 8ULL << 20, kMaxOutPreparedBytes = 16ULL << 20;
// A job hands its events to the merger in batches (JobSink::publish()) of this many events, or
// fewer once they hold kMaxBatchBytes, and at its end: the merger then wakes once per batch
// (the merger's context switches per dense GiB: 5 400 with batches of 32, 3 700 with 128). A
// batch is counted against the job's bound (max_out_bytes_) when it is handed over.
constexpr size_t kBatchEvents = 128;
constexpr uint64_t kMaxBatchBytes = 2ULL << 20;

// Ready: an event on its way to the sink: prepared on the job's thread when the sink
// prepares (EventSink::prepare()), else the event itself. Both by pointer: an OomEvent is
// ~2 KB, and queues of them allocated a node per event on one thread, freed on another.
struct Ready {
  std::unique_ptr<OomEvent> ev;
  std::unique_ptr<PreparedEvent> prepared;
  uint64_t first_line() const { return prepared ? prepared->first_line : ev->source.first_line; }
  void pass_to(EventSink& sink) {
    if (prepared) sink.on_prepared(std::move(prepared));
    else sink.on_event(std::move(*ev));
  }
};

// Job: one parser started at the beginning of a segment.
struct Job {
  size_t seg = 0;
  // Written by the job's thread, read by the job before it (under Run::mu_).
  std::vector<OomParser::Checkpoint> cps;
  bool cps_done = false;  // no checkpoint will be added
  // Set by the job before it: the checkpoint it handed over at (the job's events count from
  // there), or abandoned (that job parsed this segment itself).
  std::optional<size_t> handover;
  std::atomic<bool> abandoned{false};  // also read, unlocked, on every line of the job
  // With the hand-over, from the job before: the events it held (closed, waiting for an older
  // open one; OomParser::take_held(); `blocker` indexes its open events) and the creation
  // numbers of its open events then.
  struct Inherited {
    Ready ready;
    size_t blocker;
  };
  std::vector<Inherited> inherited;
  std::vector<uint64_t> prev_open;
  // Emitted events, in order, until the merger takes them.
  struct Out {
    Ready ready;
    uint64_t seq;    // creation number in this job's parser
    uint64_t index;  // emission number in this job's parser
    uint64_t bytes;  // approx_event_bytes(), or the prepared event's
  };
  std::deque<Out> out;
  uint64_t out_bytes = 0;
  bool done = false;  // nothing more will be emitted
  size_t region_end = 0;  // segments [seg, region_end) are this job's so far
  bool settled() const { return seg == 0 || handover || abandoned; }
};

class Run {
 public:
  Run(int fd, uint64_t size, const std::string& name, const ParserOptions& opts, EventSink& sink,
      const ParallelOptions& popts, unsigned threads)
      : fd_(fd), size_(size), name_(name), opts_(opts), sink_(sink), popts_(popts), threads_(threads) {
    cut_segments();
  }

  AnalyzeStats go() {
    std::vector<std::thread> workers;
    for (unsigned i = 0; i < threads_; ++i) workers.emplace_back([this] { guarded([this] { worker(); }); });
    AnalyzeStats st;
    std::exception_ptr merge_error;
    try {
      st.events = merge();
    } catch (...) {
      merge_error = std::current_exception();
      fail(merge_error);
    }
    for (auto& t : workers) t.join();
    if (merge_error) std::rethrow_exception(merge_error);
    if (error_) std::rethrow_exception(error_);
    stats_.segments = nseg_;
    st.bytes = size_;
    st.lines = seg_line_.back() - 1 + (ends_in_newline_ ? 0 : 1);
    return st;
  }

 private:
  // Events of a job's parser go to its Job, with their creation and emission numbers.
  class JobSink : public EventSink {
   public:
    JobSink(Run& run, Job& job) : run_(run), job_(job) {}
    void attach(const OomParser& p) { parser_ = &p; }
    void on_event(OomEvent&& ev) override {
      Ready r = ready(std::move(ev));
      const uint64_t bytes = r.prepared ? r.prepared->bytes : approx_event_bytes(*r.ev);
      batch_.push_back({std::move(r), parser_->emitting_seq(), emitted_++, bytes});
      batch_bytes_ += bytes;
      if (batch_.size() >= kBatchEvents || batch_bytes_ >= kMaxBatchBytes) publish();
    }
    // publish(): the events batched here go to the job's queue, for the merger. Taking Run::mu_
    // (and waking the threads waiting on it) once per event made the threads queue on that lock
    // and sleep on it, thousands of times per dense GiB; with three threads on two cores a
    // thread that holds it may also be preempted, stalling the others.
    void publish() {
      if (batch_.empty()) return;
      std::unique_lock lk(run_.mu_);
      // Back-pressure: a job whose events wait beyond max_out_bytes_ stops until the merger
      // takes them, once its checkpoints are out (the job before it may need them to finish).
      run_.cv_.wait(lk, [&] {
        return job_.out_bytes < run_.max_out_bytes_ || !job_.cps_done || job_.abandoned || run_.error_;
      });
      for (Job::Out& o : batch_) job_.out.push_back(std::move(o));
      job_.out_bytes += batch_bytes_;
      batch_.clear();
      batch_bytes_ = 0;
      if (run_.merger_waits_for_ == &job_) run_.cv_.notify_all();
    }
    bool reuse(EventBuffers& out) override {
      if (!run_.prepares_) return run_.sink_.reuse(out);
      if (!has_spare_) return false;
      out = std::move(spare_);
      has_spare_ = false;
      return true;
    }
    // ready(): the event prepared here, on the job's thread, when the sink prepares; its two
    // large buffers are then kept, emptied, for the parser's next event (as reuse() from the
    // sink would give them).
    Ready ready(OomEvent&& ev) {
      Ready r;
      if (!run_.prepares_) {
        r.ev = std::make_unique<OomEvent>(std::move(ev));
        return r;
      }
      r.prepared = run_.sink_.prepare(ev);
      if (!has_spare_) {
        EventBuffers b{std::move(ev.lines), std::move(ev.tasks)};
        b.clear();
        has_spare_ = b.heap_bytes() <= PipelinedSink::kMaxSpareBytes;  // PipelinedSink's bound
        if (has_spare_) spare_ = std::move(b);
      }
      return r;
    }

   private:
    Run& run_;
    Job& job_;
    const OomParser* parser_ = nullptr;
    uint64_t emitted_ = 0;
    std::vector<Job::Out> batch_;  // emitted, not yet published
    uint64_t batch_bytes_ = 0;
    EventBuffers spare_;
    bool has_spare_ = false;
  };

  // line_start_at_or_after(): the first line start at or after `at`, read with pread().
  uint64_t line_start_at_or_after(uint64_t at) const {
    char buf[4096];
    for (uint64_t pos = at - 1; pos < size_;) {
      const ssize_t n = ::pread(fd_, buf, std::min<uint64_t>(sizeof buf, size_ - pos), static_cast<off_t>(pos));
      if (n <= 0) break;
      if (const void* nl = std::memchr(buf, '\n', static_cast<size_t>(n)))
        return pos + static_cast<uint64_t>(static_cast<const char*>(nl) - buf) + 1;
      pos += static_cast<uint64_t>(n);
    }
    return size_;
  }

  // cut_segments(): segment starts every segment_bytes, moved to the next line start.
  void cut_segments() {
    seg_begin_.push_back(0);
    const uint64_t step = std::max<uint64_t>(popts_.segment_bytes, 1);
    for (uint64_t at = step; at < size_; at += step) {
      const uint64_t b = line_start_at_or_after(at);
      if (b >= size_) break;
      if (b > seg_begin_.back()) seg_begin_.push_back(b);
    }
    nseg_ = seg_begin_.size();
    seg_begin_.push_back(size_);
    jobs_.resize(nseg_);
    absorbed_.assign(nseg_, false);
    counts_.assign(nseg_, 0);
    counted_.assign(nseg_, false);
    seg_line_.assign(1, 1);  // line number of each segment's first line, known in order
    char last = '\n';
    if (size_ > 0 && ::pread(fd_, &last, 1, static_cast<off_t>(size_ - 1)) != 1)
      throw std::runtime_error(name_ + ": read error: " + std::strerror(errno));
    ends_in_newline_ = last == '\n';
  }

  template <class F>
  void guarded(F f) {
    try {
      f();
    } catch (...) {
      fail(std::current_exception());
    }
  }
  void fail(std::exception_ptr e) {
    std::lock_guard lk(mu_);
    if (!error_) error_ = e;
    failed_ = true;
    cv_.notify_all();
  }

  // count(): newlines of segment s, published so that later segments know their first line.
  // Read with pread() into a buffer that stays in the core's cache (the job reads the segment
  // again, a block at a time: SegmentReader), in blocks as large as the job's: a system call
  // costs ~1.2 us on the 2-vCPU VM.
  void count(size_t s) {
    char buf[SegmentReader::kBlock];
    size_t n = 0;
    for (uint64_t pos = seg_begin_[s]; pos < seg_begin_[s + 1];) {
      const ssize_t got = ::pread(fd_, buf, std::min<uint64_t>(sizeof buf, seg_begin_[s + 1] - pos), static_cast<off_t>(pos));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) throw std::runtime_error(name_ + ": read error: " + (got < 0 ? std::strerror(errno) : "the file shrank"));
      n += count_newlines(buf, static_cast<size_t>(got));
      pos += static_cast<uint64_t>(got);
    }
    std::lock_guard lk(mu_);
    counts_[s] = n;
    counted_[s] = true;
    while (seg_line_.size() <= nseg_ && counted_[seg_line_.size() - 1])
      seg_line_.push_back(seg_line_.back() + counts_[seg_line_.size() - 1]);
    cv_.notify_all();
  }

  void worker() {
    // The read buffer of this thread's jobs (SegmentReader), allocated once: uninitialised, so
    // that only the pages a job reads into are ever touched.
    auto buffer = std::make_unique_for_overwrite<char[]>(SegmentReader::buffer_bytes());
    for (bool first = true;; first = false) {
      Job* job = nullptr;
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return error_ || next_seg_ >= nseg_ || next_seg_ < frontier() + threads_; });
        if (error_ || next_seg_ >= nseg_) return;
        const size_t s = next_seg_++;
        jobs_[s] = std::make_unique<Job>();
        jobs_[s]->seg = s;
        jobs_[s]->region_end = s + 1;
        job = jobs_[s].get();
        if (first) {
          // Every worker takes its first segment before any job starts: the first jobs then
          // always meet (hand over, or one takes the other over), whatever the threads' start
          // times, instead of the first job racing through small segments alone.
          ++started_;
          cv_.notify_all();
          cv_.wait(lk, [&] { return error_ || started_ == threads_ || next_seg_ >= nseg_; });
        }
      }
      count(job->seg);
      run_job(*job, buffer);
    }
  }
  // frontier(): the end of the region of the job whose events are being passed on. New jobs
  // start at most threads_ segments beyond it: their events wait in memory until then.
  size_t frontier() const { return merging_ ? merging_->region_end : merged_; }

  void run_job(Job& job, std::unique_ptr<char[]>& buffer) {
    const size_t s = job.seg;
    uint64_t first_line = 0;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return error_ || seg_line_.size() > s; });
      if (error_) return;
      first_line = seg_line_[s];
    }
    JobSink sink(*this, job);
    OomParser p(sink, opts_);
    sink.attach(p);
    p.begin_file(name_);
    const uint64_t begin = seg_begin_[s];
    SegmentReader r(fd_, begin, size_, buffer);
    size_t region_end = s + 1;  // segments [s, region_end) are this job's
    Job* next = nullptr;        // the job after this one, while looking for the hand-over
    size_t next_cp = 0;         // its first checkpoint not compared yet
    uint64_t mark = seg_begin_[s] + popts_.checkpoint_every;  // where the next checkpoint goes
    bool handed_over = false;
    Line line;
    for (;;) {
      if (stopped(job)) return;
      const bool got = p.needs_every_line() ? r.next(line) : r.next_matching(line, find_anchor);
      if (!got) break;
      const uint64_t off = begin + line.offset;
      const uint64_t ln = first_line + line.number - 1;
      if (s > 0 && !job.cps_done && (off >= seg_begin_[s + 1] || job.cps.size() >= popts_.max_checkpoints)) {
        std::lock_guard lk(mu_);
        job.cps_done = true;
        cv_.notify_all();
      }
      if (s > 0 && !job.cps_done && off >= mark && has_anchor_fast(line.text)) {
        OomParser::Checkpoint cp = p.checkpoint(ln);
        std::lock_guard lk(mu_);
        job.cps.push_back(std::move(cp));
        cv_.notify_all();
        mark = off + popts_.checkpoint_every;
      }
      while (!next && region_end < nseg_ && off >= seg_begin_[region_end]) {
        // Past this job's region: only a job whose own start is settled may go on (its
        // events before are then the single parser's), into a segment nobody took, or up to
        // a hand-over to the job that took it.
        std::unique_lock lk(mu_);
        if (!wait_settled(lk, job)) return;
        if (next_seg_ == region_end) {
          const size_t taken = absorb_locked(job, region_end);
          lk.unlock();
          count(taken);
        } else if (absorbed_[region_end]) {
          job.region_end = ++region_end;
        } else {
          next = jobs_[region_end].get();
          next_cp = 0;
        }
      }
      if (next) {
        // Compare at the next job's checkpoint on this line, if it has one.
        std::optional<OomParser::Checkpoint> cp;
        {
          std::unique_lock lk(mu_);
          for (;;) {
            while (next_cp < next->cps.size() && next->cps[next_cp].line_no < ln) ++next_cp;
            if (next_cp < next->cps.size() || next->cps_done || error_) break;
            cv_.wait(lk);
          }
          if (error_) return;
          if (next_cp < next->cps.size()) {
            if (next->cps[next_cp].line_no == ln) cp = next->cps[next_cp];
          } else {
            // None of its checkpoints matched: its segment is this job's too.
            take_over_locked(job, *next, region_end);
            next = nullptr;
          }
        }
        if (cp && p.continues_as(*cp)) {
          std::vector<Job::Inherited> held;
          for (OomParser::Held& h : p.take_held()) held.push_back({sink.ready(std::move(h.ev)), h.blocker});
          std::vector<uint64_t> open = p.open_seqs();
          std::lock_guard lk(mu_);
          next->inherited = std::move(held);
          next->prev_open = std::move(open);
          next->handover = next_cp;
          ++stats_.handovers;
          cv_.notify_all();
          handed_over = true;
          break;
        }
        if (cp) ++next_cp;
      }
      p.feed(line.text, ln, line.cut);
    }
    if (r.error()) throw std::runtime_error(name_ + ": read error: " + std::strerror(r.error()));
    if (!handed_over) {
      // The end of the file came before any hand-over: every segment after this job's region
      // was read here (their lines, if any were handed out, found no checkpoint to match).
      std::unique_lock lk(mu_);
      job.cps_done = true;  // the job before may be waiting for more
      cv_.notify_all();
      if (!wait_settled(lk, job)) return;
      while (region_end < nseg_) {
        if (next_seg_ == region_end) {
          const size_t taken = absorb_locked(job, region_end);
          lk.unlock();
          count(taken);
          lk.lock();
        } else if (absorbed_[region_end]) {
          job.region_end = ++region_end;
        } else {
          take_over_locked(job, *jobs_[region_end], region_end);
        }
      }
      lk.unlock();
      p.end_file();
    }
    sink.publish();
    std::lock_guard lk(mu_);
    job.cps_done = true;
    job.done = true;
    cv_.notify_all();
  }

  // wait_settled(): waits (mu_ held) until the job's own start is settled; false when it was
  // taken over or another thread failed (the job then stops).
  bool wait_settled(std::unique_lock<std::mutex>& lk, Job& job) {
    cv_.wait(lk, [&] { return error_ || job.abandoned || job.settled(); });
    return !error_ && !job.abandoned;
  }
  // absorb_locked(): `job` takes the segment at region_end, which no job has started (mu_
  // held); returns its index, whose newlines the caller counts once the lock is released.
  size_t absorb_locked(Job& job, size_t& region_end) {
    ++next_seg_;
    absorbed_[region_end] = true;
    ++stats_.absorbed;
    job.region_end = ++region_end;
    cv_.notify_all();
    return region_end - 1;
  }
  // take_over_locked(): `job` takes the segment of `next`, which stops (mu_ held).
  void take_over_locked(Job& job, Job& next, size_t& region_end) {
    next.abandoned = true;
    ++stats_.abandoned;
    absorbed_[region_end] = true;
    job.region_end = ++region_end;
    cv_.notify_all();
  }

  // stopped(): the job was taken over, or another thread failed.
  bool stopped(const Job& job) const { return job.abandoned.load(std::memory_order_relaxed) || failed_.load(std::memory_order_relaxed); }

  // Pending: an event a job held when it handed over, until the open event it waits for
  // (`blocker`, a creation number in the parser of the job being passed on) has been passed.
  struct Pending {
    Ready ready;
    uint64_t blocker;
  };

  // merge(): passes every job's events on in order, from the calling thread.
  uint64_t merge() {
    uint64_t events = 0;
    std::vector<Pending> pending;
    for (size_t s = 0; s < nseg_; ++s) {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return error_ || next_seg_ > s; });
      if (error_) return events;
      Job* job = jobs_[s].get();
      if (absorbed_[s] || !job) {
        // Read by a job before it, which may still be reading: released with that job's own.
        merged_ = std::max(merged_, s + 1);
        cv_.notify_all();
        continue;
      }
      cv_.wait(lk, [&] { return error_ || job->settled(); });
      if (error_) return events;
      merging_ = job;
      cv_.notify_all();
      if (job->abandoned) {
        merged_ = std::max(merged_, s + 1);
        cv_.notify_all();
        continue;
      }
      uint64_t skip = 0;
      std::unordered_set<uint64_t> held;
      if (job->handover) {
        const OomParser::Checkpoint& cp = job->cps[*job->handover];
        skip = cp.emitted;
        held.insert(cp.held.begin(), cp.held.end());
        // The open events at the hand-over are the same in both parsers, oldest first: the
        // waiting events' blockers are renumbered into this job's parser.
        for (Pending& w : pending) {
          const auto rank = std::find(job->prev_open.begin(), job->prev_open.end(), w.blocker) - job->prev_open.begin();
          w.blocker = cp.open.at(static_cast<size_t>(rank));
        }
        for (Job::Inherited& h : job->inherited) pending.push_back({std::move(h.ready), cp.open.at(h.blocker)});
        job->inherited.clear();
        std::stable_sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
          return a.ready.first_line() < b.ready.first_line();
        });
      }
      for (;;) {
        if (job->out.empty() && !job->done && !error_) {
          merger_waits_for_ = job;
          cv_.wait(lk, [&] { return error_ || !job->out.empty() || job->done; });
          merger_waits_for_ = nullptr;
        }
        if (error_) return events;
        if (job->out.empty()) break;
        std::deque<Job::Out> batch;
        batch.swap(job->out);
        job->out_bytes = 0;
        cv_.notify_all();
        lk.unlock();
        for (Job::Out& o : batch) {
          if (o.index < skip || held.count(o.seq)) continue;
          o.ready.pass_to(sink_);
          ++events;
          // Events that waited for this one come right after it (the single parser's order).
          for (auto it = pending.begin(); it != pending.end();) {
            if (it->blocker != o.seq) {
              ++it;
              continue;
            }
            it->ready.pass_to(sink_);
            ++events;
            it = pending.erase(it);
          }
        }
        lk.lock();
      }
      merged_ = job->region_end;
      merging_ = nullptr;
      jobs_[s].reset();
      cv_.notify_all();
      lk.unlock();
    }
    // Every blocker is emitted by the end of the file (end_file() closes all); nothing is lost
    // if that ever failed.
    for (Pending& w : pending) {
      w.ready.pass_to(sink_);
      ++events;
    }
    return events;
  }

  const int fd_;
  const uint64_t size_;
  const std::string& name_;
  const ParserOptions& opts_;
  EventSink& sink_;
  const bool prepares_ = sink_.prepares();
  const ParallelOptions popts_;
  const unsigned threads_;
  const uint64_t max_out_bytes_ =  // after threads_: initialised from it
      prepares_ ? std::clamp(kPreparedBudget / threads_, kMinOutPreparedBytes, kMaxOutPreparedBytes) : kMaxOutBytes;

  std::vector<uint64_t> seg_begin_;  // nseg_ + 1 entries, the last one the file size
  bool ends_in_newline_ = true;      // the file's last byte (the line count's last line)
  size_t nseg_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Job>> jobs_;  // by starting segment
  std::vector<bool> absorbed_;              // segment parsed by the job before it
  std::vector<size_t> counts_;
  std::vector<bool> counted_;
  std::vector<uint64_t> seg_line_;
  size_t next_seg_ = 0;  // first segment no job has taken
  unsigned started_ = 0;  // workers that took their first segment
  size_t merged_ = 0;    // segments whose events are all passed on
  Job* merging_ = nullptr;  // the job whose events are being passed on
  Job* merger_waits_for_ = nullptr;  // the merger sleeps until this job has events for it
  std::exception_ptr error_;
  std::atomic<bool> failed_{false};  // error_ is set
  ParallelStats stats_;

 public:
  const ParallelStats& stats() const { return stats_; }
};

}  // namespace

unsigned parallel_threads(const ParallelOptions& popts) {
  unsigned n = popts.threads ? popts.threads : std::thread::hardware_concurrency();
  return std::clamp(n, 1u, ParallelOptions::kMaxThreads);
}

std::optional<AnalyzeStats> analyze_parallel(int fd, uint64_t size, const std::string& name,
                                             const ParserOptions& opts, EventSink& sink,
                                             const ParallelOptions& popts, ParallelStats* stats) {
  if (size == 0) return std::nullopt;
  Run run(fd, size, name, opts, sink, popts, parallel_threads(popts));
  AnalyzeStats st = run.go();
  if (stats) *stats = run.stats();
  return st;
}

}  // namespace oomscope
