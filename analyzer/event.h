// event.h: one kernel OOM invocation, as reconstructed from a log.
//
// Every fact is std::optional: a fact the log did not show is std::nullopt (JSON null),
// never 0. Units are in the field names: *_kb are KiB, *_pages are pages of the event's
// page size, *_bytes are bytes. Values are converted where they are parsed.
//
// An event may be a full report (trigger line .. Killed process .. oom_reaper), a fragment
// (a pasted tail, a report cut by the ring buffer), or a bare `Killed process` line left by
// rate limiting. `complete` says which; `missing` says what was not seen.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <initializer_list>
#include <iterator>
#include <type_traits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/strings.h"

namespace oomscope {

struct SourceSpan {
  std::string file;          // as given on the command line ("-" for stdin, pack path for packs)
  uint64_t first_line = 0;   // 1-based, inclusive
  uint64_t last_line = 0;
  bool operator==(const SourceSpan&) const = default;
};

struct Trigger {
  std::optional<std::string> comm;       // the ALLOCATING task (not necessarily the victim)
  std::optional<int64_t> pid;            // from the `CPU: N PID: N Comm:` / `Pid: N, comm:` line
  std::optional<std::string> gfp_mask;   // as printed: "0xcc0"
  std::optional<std::string> gfp_flags;  // decoded flags when printed: "GFP_KERNEL"
  std::optional<int64_t> order;          // -1 = manual sysrq-f OOM
  std::optional<int64_t> oom_score_adj;
  std::optional<std::string> nodemask;   // pre-4.19 kernels print it in the trigger line
  bool operator==(const Trigger&) const = default;
};

// KeyedCounts: memory.stat / Mem-Info counters by name, in key order. Entries are stored in
// arrival order and a vector of indices keeps them sorted: a report prints 30-60 counters in
// its own (unsorted) order, and the parser inserts them at OOM-storm rates, so an insertion
// shifts 4-byte indices instead of moving strings (a std::map costs a node allocation and
// ~6 string compares per key). Lookups take any string-like key (string literals,
// string_view) without building a std::string. The subset of std::map's interface the project
// uses; iterators (bidirectional, in key order) are invalidated by insertions.
class KeyedCounts {
 public:
  using value_type = std::pair<std::string, uint64_t>;

  template <bool Const>
  class Iter {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = KeyedCounts::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = std::conditional_t<Const, const value_type*, value_type*>;
    using reference = std::conditional_t<Const, const value_type&, value_type&>;
    using Entries = std::conditional_t<Const, const std::vector<value_type>, std::vector<value_type>>;

    Iter() = default;
    Iter(Entries* v, std::vector<uint32_t>::const_iterator at) : v_(v), at_(at) {}
    template <bool C = Const, typename = std::enable_if_t<C>>
    Iter(const Iter<false>& o) : v_(o.v_), at_(o.at_) {}  // iterator -> const_iterator

    reference operator*() const { return (*v_)[*at_]; }
    pointer operator->() const { return &(*v_)[*at_]; }
    Iter& operator++() { ++at_; return *this; }
    Iter operator++(int) { Iter t = *this; ++at_; return t; }
    Iter& operator--() { --at_; return *this; }
    Iter operator--(int) { Iter t = *this; --at_; return t; }
    friend bool operator==(const Iter& a, const Iter& b) { return a.at_ == b.at_; }

   private:
    friend class KeyedCounts;
    friend class Iter<!Const>;
    Entries* v_ = nullptr;
    std::vector<uint32_t>::const_iterator at_;
  };
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;

  KeyedCounts() = default;
  KeyedCounts(std::initializer_list<value_type> init) {
    for (const auto& kv : init) (*this)[kv.first] = kv.second;
  }

  iterator begin() { return {&v_, order_.begin()}; }
  iterator end() { return {&v_, order_.end()}; }
  const_iterator begin() const { return {&v_, order_.begin()}; }
  const_iterator end() const { return {&v_, order_.end()}; }
  size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  void clear() {
    v_.clear();
    order_.clear();
  }

  iterator find(std::string_view k) {
    auto at = lower(k);
    return at != order_.end() && v_[*at].first == k ? iterator(&v_, at) : end();
  }
  const_iterator find(std::string_view k) const {
    auto at = lower(k);
    return at != order_.end() && v_[*at].first == k ? const_iterator(&v_, at) : end();
  }
  size_t count(std::string_view k) const { return find(k) != end() ? 1 : 0; }
  bool contains(std::string_view k) const { return find(k) != end(); }
  const uint64_t& at(std::string_view k) const {
    auto it = find(k);
    if (it == end()) throw std::out_of_range("KeyedCounts::at: " + std::string(k));
    return it->second;
  }
  uint64_t& operator[](std::string_view k) { return emplace(std::string(k), 0).first->second; }
  std::pair<iterator, bool> emplace(std::string k, uint64_t value) {
    auto at = lower(k);
    if (at != order_.end() && v_[*at].first == k) return {iterator(&v_, at), false};
    return {insert_at(at, std::move(k), value), true};
  }
  // put(): the parser's insertion, with one lookup: an existing key takes the new value; a new
  // key is added only when admit() says so (bounds). Returns false when the key was refused.
  template <typename Admit>
  bool put(std::string_view k, uint64_t value, Admit admit) {
    auto at = lower(k);
    if (at != order_.end() && v_[*at].first == k) {
      v_[*at].second = value;
      return true;
    }
    if (!admit()) return false;
    insert_at(at, std::string(k), value);
    return true;
  }
  bool operator==(const KeyedCounts& o) const { return std::equal(begin(), end(), o.begin(), o.end()); }

 private:
  std::vector<uint32_t>::const_iterator lower(std::string_view k) const {
    // Reports print counters in a fixed order that is mostly not sorted; appending is still
    // the common case for the key that sorts last, so check the end first.
    if (order_.empty() || key_less(v_[order_.back()].first, k)) return order_.cend();
    return std::lower_bound(order_.cbegin(), order_.cend(), k,
                            [this](uint32_t e, std::string_view key) { return key_less(v_[e].first, key); });
  }
  // key_less(): a < b in std::string's order, a byte at a time (bytes_less()): counter names are
  // short and mostly differ in their first bytes, where a memcmp() call (the renderers look up a
  // few dozen counters per event) costs more than the compare.
  static bool key_less(std::string_view a, std::string_view b) { return bytes_less(a, b); }
  // insert_at(): a new key whose place in key order is `at` (from lower()).
  iterator insert_at(std::vector<uint32_t>::const_iterator at, std::string k, uint64_t value) {
    const auto pos = at - order_.cbegin();  // reserve() below invalidates `at`
    if (v_.capacity() == 0) {  // a report's counter block (30-60 keys): no regrowth
      v_.reserve(64);
      order_.reserve(64);
    }
    v_.emplace_back(std::move(k), value);
    return iterator(&v_, order_.insert(order_.cbegin() + pos, static_cast<uint32_t>(v_.size() - 1)));
  }
  std::vector<value_type> v_;     // arrival order
  std::vector<uint32_t> order_;   // indices into v_, by key
};

struct Memcg {
  std::optional<std::string> oom_memcg;   // the cgroup whose limit was hit
  std::optional<std::string> task_memcg;  // the victim's cgroup
  std::optional<uint64_t> usage_kb;       // `memory: usage`
  std::optional<uint64_t> limit_kb;       // `memory: ... limit`; nullopt when unlimited
  std::optional<uint64_t> failcnt;
  std::optional<uint64_t> memsw_usage_kb, memsw_limit_kb, memsw_failcnt;  // v1 memory+swap
  std::optional<uint64_t> kmem_usage_kb, kmem_limit_kb, kmem_failcnt;     // v1 kmem
  std::optional<uint64_t> swap_usage_kb, swap_limit_kb, swap_failcnt;     // v2 swap
  std::optional<std::string> stats_path;  // the `Memory cgroup stats for <path>:` path
  std::string stats_format;               // "v1-kb-line" (<=5.2), "v2" (5.3-6.4 and v2), "v1" (>=6.5 on v1)
  KeyedCounts stats;                      // key -> BYTES (converted from KB for old formats)
  // <=5.2 prints one stats line per memcg of the OOMing subtree; all of them, by path.
  std::map<std::string, KeyedCounts, std::less<>> subtree_stats;
  bool operator==(const Memcg&) const = default;
};

struct ZoneInfo {
  std::string node_zone;                  // "Node 0 Normal"
  std::optional<uint64_t> free_kb, min_kb, low_kb, high_kb, present_kb, managed_kb;
  // (order, free KiB in blocks of that order), by order: a buddy line lists orders 0, 1, 2…
  // (a std::map cost an allocation per order, ~10 per zone of every report).
  std::vector<std::pair<uint64_t, uint64_t>> free_by_order_kb;
  bool operator==(const ZoneInfo&) const = default;
};

struct MemInfo {
  // The global `Mem-Info:` block (and pages-unit counters from it), in pages.
  KeyedCounts counters_pages;  // active_anon, inactive_file, slab_unreclaimable…
  std::vector<ZoneInfo> zones;
  std::optional<uint64_t> free_swap_kb, total_swap_kb, pagecache_pages, ram_pages,
      reserved_pages, hugepages_total, hugepages_free, hugepage_size_kb;
  std::vector<std::pair<std::string, uint64_t>> unreclaimable_slab_kb;  // name -> used KiB
  bool operator==(const MemInfo&) const = default;
};

struct Task {
  std::optional<int64_t> pid, uid, tgid;
  std::optional<uint64_t> total_vm_pages, rss_pages, rss_anon_pages, rss_file_pages,
      rss_shmem_pages, pgtables_bytes, nr_ptes, swapents;
  std::optional<int64_t> oom_score_adj;
  std::string name;
  bool operator==(const Task&) const = default;
};

struct Killed {
  std::optional<int64_t> pid;
  std::optional<std::string> comm;
  std::optional<uint64_t> total_vm_kb, anon_rss_kb, file_rss_kb, shmem_rss_kb;
  std::optional<int64_t> uid;
  std::optional<uint64_t> pgtables_kb;   // corrected on 5.4's bytes-labelled-kB bug
  std::optional<int64_t> oom_score_adj;
  std::optional<int64_t> score;          // from `Kill process N (x) score S`
  std::string prefix;                    // "Memory cgroup out of memory", "Out of memory"…
  bool operator==(const Killed&) const = default;
};

struct Reaped {
  int64_t pid = 0;
  std::string comm;
  std::optional<uint64_t> anon_rss_kb, file_rss_kb, shmem_rss_kb;
  bool unable = false;  // `oom_reaper: unable to reap pid:N`
  bool operator==(const Reaped&) const = default;
};

// ReportLine: one line of an event's report, kept to be quoted as evidence. The text points
// into the KeptLines it came from (valid while that is alive and not appended to).
struct ReportLine {
  uint64_t line = 0;        // 1-based line number in source.file
  std::string_view text;    // the kernel's message, without the log prefix
};

// KeptLines: an event's report lines, stored back to back in one buffer (one allocation per
// event rather than one per line: an OOM report is ~100 lines, and OOM storms have thousands).
class KeptLines {
 public:
  void push_back(uint64_t line, std::string_view text) {
    refs_.push_back({line, text_.size(), text.size()});
    text_.append(text);
  }
  size_t size() const { return refs_.size(); }
  bool empty() const { return refs_.empty(); }
  void clear() {  // keeps the capacity (EventBuffers)
    text_.clear();
    refs_.clear();
  }
  ReportLine operator[](size_t i) const {
    return {refs_[i].line, std::string_view(text_).substr(refs_[i].offset, refs_[i].size)};
  }
  // text(): every line's text, back to back in line order; line i is
  // text().substr(offset(i), end(i) - offset(i)). ReportLineIndex indexes the lines by it.
  std::string_view text() const { return text_; }
  size_t offset(size_t i) const { return refs_[i].offset; }
  size_t end(size_t i) const { return refs_[i].offset + refs_[i].size; }
  ReportLine front() const { return (*this)[0]; }
  ReportLine back() const { return (*this)[size() - 1]; }
  // heap_bytes(): what the lines hold on the heap.
  uint64_t heap_bytes() const { return text_.capacity() + refs_.capacity() * sizeof(Ref); }

  class const_iterator {
   public:
    using value_type = ReportLine;
    using difference_type = std::ptrdiff_t;
    const_iterator() = default;
    const_iterator(const KeptLines* k, size_t i) : k_(k), i_(i) {}
    ReportLine operator*() const { return (*k_)[i_]; }
    const_iterator& operator++() { ++i_; return *this; }
    const_iterator operator++(int) { const_iterator t = *this; ++i_; return t; }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }
   private:
    const KeptLines* k_ = nullptr;
    size_t i_ = 0;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, refs_.size()}; }
  bool operator==(const KeptLines&) const = default;

 private:
  struct Ref {
    uint64_t line;
    size_t offset, size;
    bool operator==(const Ref&) const = default;
  };
  std::string text_;
  std::vector<Ref> refs_;
};

struct OomEvent {
  SourceSpan source;
  std::optional<std::string> host;
  std::optional<std::string> timestamp;    // ISO 8601 wall time when the log had one (no year: "--MM-DDTHH:MM:SS")
  std::optional<double> monotonic_s;       // seconds since boot (dmesg/kmsg), NOT epoch
  std::optional<std::string> kernel;
  std::optional<std::string> hardware;
  std::optional<std::string> prefix_style;
  bool complete = false;                   // trigger .. kill (or a stated no-kill end) all seen
  bool truncated = false;                  // the kill is missing because the log stops or is cut
  std::vector<std::string> missing;        // parts not seen: "trigger", "task_table", "kill"…
  std::vector<std::string> notes;          // parser remarks (pgtables corrected, rate limited…)

  Trigger trigger;
  std::optional<std::string> cpuset, mems_allowed;
  std::optional<std::string> constraint;   // "CONSTRAINT_MEMCG"…; only from the oom-kill: line
  bool global_oom = false;
  std::optional<Memcg> memcg;
  std::optional<MemInfo> mem_info;
  std::optional<uint64_t> page_size;       // bytes, from buddyinfo-style zone lines or stated
  bool has_task_table = false;
  std::vector<std::string> task_columns;   // the header row, as printed
  std::vector<Task> tasks;
  std::optional<Killed> killed;            // the first victim
  std::vector<Killed> victims;             // every `Killed process` of the event (group kills)
  // `Killed process` lines, a victim's repeat included: a group kill prints the first victim
  // again and the kernel counts that kill too (memory.events oom_kill, vmstat oom_kill).
  uint32_t kill_lines = 0;
  std::optional<std::string> oom_group;    // `Tasks in <path> are going to be killed…`
  std::vector<Reaped> reaped;
  std::vector<std::string> call_trace;     // function names, innermost first
  std::optional<std::string> panic;        // `Kernel panic - not syncing: …`
  std::optional<std::string> end_reason;   // a stated no-kill end ("no killable processes")
  std::optional<uint64_t> suppressed_callbacks;  // `oom_kill_process: N callbacks suppressed`

  // The report's own lines (not interleaved noise), in order, when ParserOptions::max_kept_lines
  // > 0; at most that many, the rest counted in lines_not_kept. Findings quote them.
  KeptLines lines;
  uint64_t lines_not_kept = 0;

  // Every field equal (tests; the parallel parser's splice check, analyzer/parallel.h).
  bool operator==(const OomEvent&) const = default;
};

// EventBuffers: an event's two large buffers (its kept lines and its task table), emptied but
// with their capacity. A sink that is done with an event hands them back (EventSink::reuse()),
// and the parser's next event starts with them: on an OOM storm this saves, per event, the
// regrowth of both buffers, the page faults of fresh heap, and freeing on the render thread
// what the parser thread allocated (which takes the parser arena's lock).
struct EventBuffers {
  KeptLines lines;
  std::vector<Task> tasks;
  void clear() {
    lines.clear();
    tasks.clear();
  }
  uint64_t heap_bytes() const { return lines.heap_bytes() + tasks.capacity() * sizeof(Task); }
};

}  // namespace oomscope
