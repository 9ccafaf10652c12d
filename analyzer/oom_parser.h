// oom_parser.h: turns kernel log lines into OomEvents, streaming.
//
// OomParser is fed one raw log line at a time (any prefix style, several hosts interleaved)
// and pushes each OOM event to an EventSink as soon as it is closed. It keeps at most one
// open event per host, and bounds what it keeps of each event (kMaxTasks task rows), so
// memory does not grow with the input.
//
// Pipeline per line:
//   raw line -> has_anchor() cheap prefilter (only while no event is open)
//            -> parse_prefix() (PrefixParser) -> LogLine{host, time, text}
//            -> split multi-line records (kmsg "\x0a", rsyslog "#012")
//            -> classify the text -> extract fields -> the host's event state machine
//
// Example:
//   CollectingSink sink;
//   OomParser p(sink);
//   p.begin_file("kern.log");
//   for each line: p.feed(line.text, line.number);
//   p.end_file();            // flushes open events (a report cut at EOF: complete=false)
//   sink.events.size();      // one OomEvent per OOM invocation
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/event.h"
#include "analyzer/prefix.h"

namespace oomscope {

// PreparedEvent: what a sink made of one event on its own, before knowing the events before
// it (the event rendered, digested), on the thread that parsed it (EventSink::prepare()).
struct PreparedEvent {
  virtual ~PreparedEvent() = default;
  uint64_t first_line = 0;  // the event's SourceSpan::first_line
  uint64_t bytes = 0;       // heap bytes it holds, roughly (what a parallel run bounds)
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(OomEvent&& ev) = 0;
  // A parallel run (analyze_parallel) hands a sink that prepares() each event's prepare()d
  // form instead: prepare() runs on the parser threads, concurrently with itself and with the
  // sink's other calls (so it must only read the sink), and on_prepared() then gets the
  // results in the events' order. The outcome must be on_event()'s.
  virtual bool prepares() const { return false; }
  virtual std::unique_ptr<PreparedEvent> prepare(const OomEvent& ev) const {
    (void)ev;
    return nullptr;
  }
  virtual void on_prepared(std::unique_ptr<PreparedEvent> p) { (void)p; }
  // reuse(): empty buffers of an event this sink is done with, for the parser's next event;
  // false when it has none (the default: a sink that keeps its events has nothing to give).
  virtual bool reuse(EventBuffers& out) {
    (void)out;
    return false;
  }
};

// CollectingSink: keeps every event (tests, small inputs).
class CollectingSink : public EventSink {
 public:
  void on_event(OomEvent&& ev) override { events.push_back(std::move(ev)); }
  std::vector<OomEvent> events;
};

struct ParserOptions {
  std::optional<int> year;             // year for syslog/journalctl stamps that have none
  std::optional<uint64_t> page_size;   // bytes; otherwise taken from the report or 4096 (stated)
  bool no_prefilter = false;           // look at every line (tests prove the prefilter loses nothing)
  size_t max_kept_lines = 0;           // report lines kept per event in OomEvent::lines (0: none)
};

struct ParserStats {
  uint64_t lines = 0;           // lines fed
  uint64_t parsed_lines = 0;    // lines that went through prefix parsing
  uint64_t report_lines = 0;    // lines recognised as part of an OOM report
  uint64_t cut_lines = 0;       // lines truncated by the reader (too long)
};

// has_anchor(): true when `raw` may belong to an OOM report that starts a new event. It is
// a superset test (false positives are fine, false negatives are bugs).
bool has_anchor(std::string_view raw);

class OomParser {
 public:
  static constexpr size_t kMaxTasks = 100000;  // task rows kept per event; more are counted

  explicit OomParser(EventSink& sink, ParserOptions opts = {});
  ~OomParser();
  OomParser(const OomParser&) = delete;
  OomParser& operator=(const OomParser&) = delete;

  // begin_file(): names the source of the lines that follow (closes nothing).
  void begin_file(std::string name);
  // feed(): one raw line without its newline. `cut` marks a line the reader truncated.
  void feed(std::string_view raw, uint64_t line_no, bool cut = false);
  // end_file(): closes every open event (they end with the input).
  void end_file();

  // needs_every_line(): false while no report is being printed; the caller may then hand
  // over only lines for which has_anchor() is true (LineReader::next_matching with
  // find_anchor), which is how analyze keeps up with grep.
  bool needs_every_line() const { return active_events_ > 0; }

  // Checkpoint: the parser's state before a line, as far as it shapes the events emitted from
  // that line on. Parsers started at different places of one input (analyze_parallel(),
  // analyzer/parallel.h) compare checkpoints to find where one can hand over to the other.
  struct Checkpoint {
    uint64_t line_no = 0;       // the line about to be fed
    uint64_t emitted = 0;       // events emitted before it
    std::vector<uint64_t> held; // creation numbers of closed events not emitted yet (ready_)
    std::vector<uint64_t> open; // creation numbers of the open events, oldest first
    struct State;
    std::shared_ptr<const State> state;
  };
  // checkpoint(): taken just before feed() of line `line_no`.
  Checkpoint checkpoint(uint64_t line_no) const;
  // continues_as(): true when this parser, just before feeding line cp.line_no, would emit from
  // there the events that the parser `cp` was taken from emits after it (cp.held aside), and
  // the events it holds itself (take_held()): same hosts, same open events in the same order,
  // same timers. Both must then be fed the same lines.
  bool continues_as(const Checkpoint& cp) const;
  // Held: a closed event that waits for an older open one (`blocker`, an index into the open
  // events oldest first) before it can be emitted.
  struct Held {
    OomEvent ev;
    size_t blocker = 0;
  };
  // take_held(): the held events, oldest first; the parser stops there (it hands over).
  std::vector<Held> take_held();
  std::vector<uint64_t> open_seqs() const { return {open_seqs_.begin(), open_seqs_.end()}; }
  // emitting_seq(): during EventSink::on_event(), the creation number of the event being
  // emitted (numbers count events opened by this parser, from 0).
  uint64_t emitting_seq() const { return emitting_seq_; }

  const ParserStats& stats() const { return stats_; }
  uint64_t events_emitted() const { return emitted_; }
  size_t state_count() const { return hosts_.size(); }  // per-host/caller states held

 private:
  struct HostFields;
  struct HostState;
  void process(std::string_view host_key, const LogLine& ll, std::string_view text, uint64_t line_no);
  void close(HostState& hs);
  void flush_ready();
  void set_active(HostState& hs, bool active);
  void expire(uint64_t line_no);
  static constexpr uint64_t kExpireLines = 256;  // expire() runs once per block of this many lines
  static constexpr uint64_t kQuietLines = 1000;   // no report line for this long: not active
  static constexpr uint64_t kLingerLines = 20000; // a finished event waits this long for its reaper
  static constexpr size_t kMaxIdleStates = 256;   // idle per-host/caller states kept at most
  HostState& host(std::string_view key, uint64_t line_no);
  HostState& find_or_add_host(std::string_view key, uint64_t line_no);  // host() past last_host_

  EventSink& sink_;
  ParserOptions opts_;
  ParserStats stats_;
  std::string file_;
  std::map<std::string, std::unique_ptr<HostState>, std::less<>> hosts_;
  // The state host() returned last: a report's lines come in a run from one host/caller, so
  // most lookups are this one. Reset whenever states are erased.
  HostState* last_host_ = nullptr;
  size_t open_events_ = 0;
  size_t active_events_ = 0;  // open events still being printed (no kill yet, or in a block)
  // expire() runs at most once per kExpireLines block of line numbers (not per 256 lines since
  // the last run): its timing then depends on the line numbers alone, not on where the parser
  // started reading (Checkpoint). The block of the last run:
  uint64_t expire_block_ = 0;
  uint64_t emitting_seq_ = 0;
  uint64_t seq_ = 0;  // order of event creation, for in-order emission
  std::map<uint64_t, OomEvent> ready_;  // closed events waiting for earlier open ones
  std::set<uint64_t> open_seqs_;        // seq of every open event: the first one holds ready_ back
  uint64_t emitted_ = 0;
  std::string caller_key_;  // host + '\x1f' + printk caller id, reused
  PrefixParser prefix_;     // parse_prefix(), with the head of the last line kept
};

}  // namespace oomscope
