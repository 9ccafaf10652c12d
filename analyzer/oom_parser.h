// oom_parser.h: turns kernel log lines into OomEvents, streaming.
//
// OomParser is fed one raw log line at a time (any prefix style, several hosts interleaved)
// and pushes each OOM event to an EventSink as soon as it is closed. It keeps at most one
// open event per host, and bounds what it keeps of each event (kMaxTasks task rows), so
// memory does not grow with the input.
//
// Pipeline per line:
//   raw line -> has_anchor() cheap prefilter (only while no event is open)
//            -> parse_prefix() -> LogLine{host, time, text}
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

namespace oomscope {

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(OomEvent&& ev) = 0;
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

  const ParserStats& stats() const { return stats_; }
  uint64_t events_emitted() const { return emitted_; }
  size_t state_count() const { return hosts_.size(); }  // per-host/caller states held

 private:
  struct HostState;
  void process(std::string_view host_key, const struct LogLine& ll, std::string_view text, uint64_t line_no);
  void close(HostState& hs);
  void flush_ready();
  void set_active(HostState& hs, bool active);
  void expire(uint64_t line_no);
  static constexpr uint64_t kQuietLines = 1000;   // no report line for this long: not active
  static constexpr uint64_t kLingerLines = 20000; // a finished event waits this long for its reaper
  static constexpr size_t kMaxIdleStates = 256;   // idle per-host/caller states kept at most
  HostState& host(std::string_view key);

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
  uint64_t last_expire_ = 0;
  uint64_t seq_ = 0;  // order of event creation, for in-order emission
  std::map<uint64_t, OomEvent> ready_;  // closed events waiting for earlier open ones
  std::set<uint64_t> open_seqs_;        // seq of every open event: the first one holds ready_ back
  uint64_t emitted_ = 0;
  bool kmsg_seen_ = false;
  std::string caller_key_;  // host + '\x1f' + printk caller id, reused
};

}  // namespace oomscope
