#include "analyzer/oom_parser.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "analyzer/anchor.h"
#include "analyzer/prefix.h"
#include "analyzer/report_lines.h"
#include "common/parse_num.h"
#include "common/scan.h"
#include "common/strings.h"

namespace oomscope {
namespace {

constexpr auto npos = std::string_view::npos;

// Memory bounds (issue 5): a report can be made of millions of lines of up to the reader's
// 1 MiB each. An event keeps at most kMaxEventBytes of parsed facts (task rows, stats keys,
// zones, slab caches, victims, reaper lines); further lines are counted, not kept. Evidence
// lines are kept up to kMaxKeptLineBytes each. Hosts without an open event are forgotten once
// more than kHostSweep of them pile up (a central syslog may carry millions of hosts).
constexpr uint64_t kMaxEventBytes = 64ull << 20;
// Distinct keys kept per counter block (memory.stat, Mem-Info, one memcg's line of a <=5.2
// report): a real one has at most ~100. Beyond, keys are counted as dropped, which also keeps
// insertion into KeyedCounts (a sorted vector) cheap on hostile input.
constexpr size_t kMaxCounterKeys = 1024;
constexpr size_t kMaxKeptLineBytes = 4096;
constexpr size_t kMaxZones = 4096;
constexpr size_t kHostSweep = 4096;
constexpr uint64_t kWarnAllocLines = 20000;  // a warn_alloc header's Mem-Info comes within this many lines

// keep_line(): the line as evidence for findings, within ParserOptions::max_kept_lines.
void keep_line(OomEvent& ev, size_t max_kept, uint64_t line_no, std::string_view text) {
  if (max_kept == 0) return;
  if (ev.lines.size() < max_kept) ev.lines.push_back(line_no, text.substr(0, kMaxKeptLineBytes));
  else ++ev.lines_not_kept;
}

// Phases of a report, in the order dump_header() and oom_kill_process() print them. A line of
// an earlier phase than the open event has reached starts a new event (a fragment).
int phase_of(LineKind k) {
  switch (k) {
    case LineKind::kTrigger: return 0;
    case LineKind::kCpusetLine:
    case LineKind::kCpuLine: return 1;
    case LineKind::kTaskIn:
    case LineKind::kLimitReached:
    case LineKind::kMemcgCounter:
    case LineKind::kStatsHeader:
    case LineKind::kMemInfo:
    case LineKind::kSlabHeader: return 2;
    case LineKind::kTasksState:
    case LineKind::kTableHeader:
    case LineKind::kTableRow: return 3;
    case LineKind::kSummary: return 4;
    case LineKind::kSelect: return 5;
    case LineKind::kKilled:
    case LineKind::kGroup: return 6;
    default: return -1;  // no ordering constraint
  }
}

// Kinds that can open an event when none is open for the host.
bool opens_event(LineKind k) {
  switch (k) {
    case LineKind::kTrigger:
    case LineKind::kTaskIn:
    case LineKind::kLimitReached:
    case LineKind::kMemcgCounter:
    case LineKind::kStatsHeader:
    case LineKind::kMemInfo:
    case LineKind::kTasksState:
    case LineKind::kTableHeader:
    case LineKind::kSummary:
    case LineKind::kSelect:
    case LineKind::kKilled:
    case LineKind::kGroup:
    case LineKind::kSysrq:
    case LineKind::kExiting:  // alone when the report before it was rate limited (5.9+)
      return true;
    default:
      return false;
  }
}

// Kinds that prove an OOM kill report (Mem-Info and stacks alone do not: warn_alloc and
// sysrq-m print them too).
bool is_strong(LineKind k) {
  return opens_event(k) && k != LineKind::kMemInfo && k != LineKind::kSysrq;
}

bool is_kv_pages_line(std::string_view t) {
  // "active_anon:4 inactive_anon:66695 isolated_anon:0" (pages; no kB suffix)
  size_t c = t.find(':');
  if (c == npos || c == 0) return false;
  for (size_t i = 0; i < c; ++i)
    if (!((t[i] >= 'a' && t[i] <= 'z') || is_digit(t[i]) || t[i] == '_')) return false;
  return c + 1 < t.size() && is_digit(t[c + 1]);
}

// has_record_separator(): does the message hold "\x0a" (/dev/kmsg) or "#012" (rsyslog), the
// escaped newlines of a multi-line record? One pass for both first bytes (find_either(), 32
// bytes a step), the other three compared where one is found: ~85 instructions a line on d8
// where a memchr pass per needle took ~105 (callgrind).
bool has_record_separator(std::string_view t) {
  for (size_t i = 0;; ++i) {
    i += find_either(t.data() + i, t.size() - i, '\\', '#');
    if (t.size() - i < 4) return false;  // none, or too near the end to be one
    if (std::memcmp(t.data() + i, "\\x0a", 4) == 0 || std::memcmp(t.data() + i, "#012", 4) == 0) return true;
  }
}

}  // namespace

bool has_anchor(std::string_view raw) { return has_anchor_fast(raw); }

// HostFields: what the parser holds for one host (and printk caller). Everything here shapes
// what the host's later lines do, so two parsers whose fields agree for every host continue
// alike (Checkpoint); the event's creation number (HostState::seq) is compared by rank.
struct OomParser::HostFields {
  enum class Sub { kNone, kTrace, kStats, kMemInfo, kSlab, kTable };
  std::optional<OomEvent> ev;
  int phase = -1;
  bool tentative = false;
  Sub sub = Sub::kNone;
  std::vector<std::string> columns;
  std::vector<TaskColumn> column_ids;
  bool summary_seen = false;
  bool summary_cut = false;   // the oom-kill: line ended before task=…: a pr_cont piece may follow
  std::string summary_text;
  bool stats_block = false;   // a multi-line stats block was started
  std::optional<Killed> selected;
  std::optional<uint64_t> pending_suppressed;
  uint64_t tasks_dropped = 0;
  bool saw_cpu_line = false;
  // Line of the last page-allocation-failure header (warn_alloc, not an OOM; 0: none). The
  // Mem-Info that follows belongs to it, within kWarnAllocLines; after that the flag is stale,
  // so that an idle state can be dropped without changing what later lines do.
  uint64_t warn_alloc_line = 0;
  bool active = false;        // a report is being printed: every line must be looked at
  uint64_t last_join = 0;     // line number of the last line that joined the event
  uint64_t kept_bytes = 0;       // approximate bytes of facts kept for the open event
  uint64_t entries_dropped = 0;  // report lines whose facts did not fit in kMaxEventBytes
  std::unordered_set<int64_t> victim_pids;  // pids of ev->victims: repeats found in O(1)
  struct HugePool {
    uint64_t size_kb, total, free;  // one hugepage size, summed over nodes
    bool operator==(const HugePool&) const = default;
  };
  std::vector<HugePool> huge_pools;
  bool victim_without_pid = false;

  bool operator==(const HostFields&) const = default;
  bool in_warn_alloc(uint64_t line_no) const {
    return warn_alloc_line != 0 && line_no - warn_alloc_line <= kWarnAllocLines;
  }
  // idle(): nothing here can affect line `line_no` or a later one: as good as no state at all.
  bool idle(uint64_t line_no) const { return !ev && !pending_suppressed && !in_warn_alloc(line_no); }
};

struct OomParser::HostState : HostFields {
  std::string key;
  uint64_t seq = 0;  // creation number of `ev` (OomParser::seq_)

  // add_hugepages(): one "Node N hugepages_total=T hugepages_free=F … hugepages_size=ZkB" line.
  // Pools are summed per size (one line per node and size: 1 GiB and 2 MiB pools side by side)
  // and the event states them in the smallest size that holds pages, so total x size is what
  // all the pools hold.
  void add_hugepages(MemInfo& mi, std::optional<uint64_t> tot, std::optional<uint64_t> fr, std::optional<uint64_t> sz) {
    if (!sz || *sz == 0) {
      if (tot) mi.hugepages_total = mi.hugepages_total.value_or(0) + *tot;
      if (fr) mi.hugepages_free = mi.hugepages_free.value_or(0) + *fr;
      return;
    }
    HugePool* pool = nullptr;
    for (auto& hp : huge_pools)
      if (hp.size_kb == *sz) pool = &hp;
    if (!pool && huge_pools.size() < 16) pool = &huge_pools.emplace_back(HugePool{*sz, 0, 0});
    if (pool) {
      pool->total += tot.value_or(0);
      pool->free += fr.value_or(0);
    }
    uint64_t unit = 0;
    for (const auto& hp : huge_pools)
      if (hp.total > 0 && (unit == 0 || hp.size_kb < unit)) unit = hp.size_kb;
    if (unit == 0) {
      if (tot) mi.hugepages_total = 0;
      if (fr) mi.hugepages_free = 0;
      if (!mi.hugepage_size_kb) mi.hugepage_size_kb = *sz;
      return;
    }
    uint64_t total_kb = 0, free_kb = 0;
    for (const auto& hp : huge_pools) {
      total_kb += hp.total * hp.size_kb;
      free_kb += hp.free * hp.size_kb;
    }
    mi.hugepage_size_kb = unit;
    mi.hugepages_total = total_kb / unit;
    mi.hugepages_free = free_kb / unit;
  }

  // keep(): true when `bytes` more fit in the event's budget; otherwise counts a drop.
  bool keep(size_t bytes) {
    if (kept_bytes + bytes > kMaxEventBytes) {
      ++entries_dropped;
      return false;
    }
    kept_bytes += bytes;
    return true;
  }
  // put_counter(): m[k] = v. A key not yet in `m` is added only within kMaxCounterKeys and,
  // when `charge` > 0, within the event's budget; otherwise it is counted as dropped.
  void put_counter(KeyedCounts& m, std::string_view k, uint64_t v, size_t charge) {
    m.put(k, v, [&] {
      if (m.size() >= kMaxCounterKeys) {
        ++entries_dropped;
        return false;
      }
      return charge == 0 || keep(charge);
    });
  }
  bool is_victim(const std::optional<int64_t>& pid) const {
    return pid ? victim_pids.count(*pid) > 0 : victim_without_pid;
  }
  void add_victim(const std::optional<int64_t>& pid) {
    if (pid) victim_pids.insert(*pid);
    else victim_without_pid = true;
  }
};

OomParser::OomParser(EventSink& sink, ParserOptions opts) : sink_(sink), opts_(opts) {}
OomParser::~OomParser() = default;

void OomParser::begin_file(std::string name) { file_ = std::move(name); }

// host(): the state host() returned last is checked inline: a report's lines come in a run
// from one host/caller, so most lookups end there, without the call and frame of the map
// lookup (find_or_add_host()).
inline OomParser::HostState& OomParser::host(std::string_view key, uint64_t line_no) {
  if (last_host_ && last_host_->key == key) [[likely]] return *last_host_;
  return find_or_add_host(key, line_no);
}

OomParser::HostState& OomParser::find_or_add_host(std::string_view key, uint64_t line_no) {
  auto it = hosts_.find(key);
  if (it != hosts_.end()) return *(last_host_ = it->second.get());
  if (hosts_.size() >= kHostSweep + 2 * open_events_) {
    // No caller holds a HostState& here; only idle states go (dropping one changes nothing).
    std::erase_if(hosts_, [line_no](const auto& kv) { return kv.second->idle(line_no); });
  }
  auto hs = std::make_unique<HostState>();
  hs->key = std::string(key);
  HostState& ref = *hs;
  hosts_.emplace(std::string(key), std::move(hs));
  return *(last_host_ = &ref);
}

void OomParser::feed(std::string_view raw, uint64_t line_no, bool cut) {
  ++stats_.lines;
  if (cut) ++stats_.cut_lines;
  // Lines that can continue a report (stats, tables, Mem-Info) carry no anchor, so while a
  // report is being printed every line is looked at; otherwise only anchored lines are.
  if ((open_events_ > 0 || hosts_.size() > kMaxIdleStates) && line_no / kExpireLines > expire_block_) {
    expire_block_ = line_no / kExpireLines;
    expire(line_no);
  }
  if (active_events_ == 0 && !opts_.no_prefilter && !has_anchor(raw)) return;
  ++stats_.parsed_lines;
  LogLine ll = prefix_.parse(raw);
  if (ll.banner || ll.kmsg_meta || ll.foreign) return;
  std::string_view host_key = ll.host;
  if (!ll.caller.empty()) {
    // CONFIG_PRINTK_CALLER: a report is printed by one task ([T1234]); lines of other
    // callers interleaved with it (another CPU's warning, the oom_reaper thread) belong to
    // other streams, so the state is kept per host and caller.
    caller_key_.assign(ll.host);
    caller_key_ += '\x1f';
    caller_key_ += ll.caller;
    host_key = caller_key_;
  }
  if (ll.style == PrefixStyle::kNone && !hosts_.empty() && ll.indented) {
    // A continuation line of a multi-line record (journalctl indents them): same host as
    // the line before. With several hosts we cannot know; the last open one is the best bet.
    for (auto& [k, hs] : hosts_)
      if (hs->ev) host_key = hs->key;
  }
  std::string_view text = ll.text;
  // Multi-line records: "\x0a" in /dev/kmsg, "#012" from rsyslog. Each piece between them
  // (or a raw '\n', should a caller feed one) is processed as a line of its own, in place: no
  // unescaped copy of the record (built a byte at a time, it cost ~30 instructions a byte).
  if (has_record_separator(text)) {
    size_t start = 0;
    for (;;) {
      size_t sep = start, len = 0;
      for (; sep < text.size(); ++sep) {
        const char c = text[sep];
        if (c == '\n') len = 1;
        else if ((c == '\\' || c == '#') && (text.compare(sep, 4, "\\x0a") == 0 || text.compare(sep, 4, "#012") == 0)) len = 4;
        if (len) break;
      }
      process(host_key, ll, ltrim(text.substr(start, sep - start)), line_no);
      if (!len) break;
      start = sep + len;
    }
    return;
  }
  process(host_key, ll, text, line_no);
}

void OomParser::process(std::string_view host_key, const LogLine& ll, std::string_view text, uint64_t line_no) {
  HostState& hs = host(host_key, line_no);
  using Sub = HostState::Sub;

  // Continuations of a block that the open event is in.
  if (hs.ev) {
    OomEvent& ev = *hs.ev;
    auto join = [&]() {
      ev.source.last_line = line_no;
      hs.last_join = line_no;
      ++stats_.report_lines;
      keep_line(ev, opts_.max_kept_lines, line_no, text);
    };
    switch (hs.sub) {
      case Sub::kStats: {
        std::string_view k;
        uint64_t v = 0;
        if (parse_stat_kv(text, k, v)) {
          hs.put_counter(ev.memcg->stats, k, v, k.size() + 64);
          join();
          return;
        }
        hs.sub = Sub::kNone;
        break;
      }
      case Sub::kMemInfo: {
        MemInfo& mi = *ev.mem_info;
        std::string_view t = rtrim(text);
        bool used = true;
        if (is_kv_pages_line(t)) {
          for (std::string_view tok : ws_tokens(t)) {
            size_t c = tok.find(':');
            if (c == npos) continue;
            std::string_view key = tok.substr(0, c);
            auto v = parse_u64(tok.substr(c + 1));
            if (!v) continue;
            hs.put_counter(mi.counters_pages, key, *v, key.size() + 64);
          }
        } else if (has_prefix(t, "Node ") || has_prefix(t, "DMA") || has_prefix(t, "Normal") ||
                   has_prefix(t, "HighMem") || has_prefix(t, "Movable") || has_prefix(t, "Device")) {
          std::string_view r = t;
          std::string zone;
          if (consume(r, "Node ")) {
            std::string_view node = next_token(r);
            zone = "Node " + std::string(node);
            r = ltrim(r);
          }
          std::string_view zname = next_token(r);
          r = ltrim(r);  // "Node 0 DMA32 free:…": the fields start after the zone name's space
          if (zname.ends_with(':')) {
            // Buddy line "Node 0 DMA: 1*4kB (U) 2*8kB … = 15908kB": order 0 size = page size.
            zname.remove_suffix(1);
            ZoneInfo z;
            z.node_zone = zone.empty() ? std::string(zname) : zone + " " + std::string(zname);
            uint64_t order = 0;
            z.free_by_order_kb.reserve(16);  // orders 0..MAX_ORDER (10 by default)
            for (std::string_view tok : ws_tokens(r)) {
              size_t star = tok.find('*');
              if (star == npos) continue;
              auto count = parse_u64(tok.substr(0, star));
              std::string_view sz = tok.substr(star + 1);
              auto kb = parse_u64_prefix(sz);
              if (!count || !kb) continue;
              if (order == 0 && !ev.page_size) ev.page_size = *kb * 1024;
              z.free_by_order_kb.emplace_back(order++, *count * *kb);
            }
            ZoneInfo* last = nullptr;  // the zone's state line(s) came first: the counts go there
            for (auto& existing : mi.zones)
              if (existing.node_zone == z.node_zone) {
                if (last) last->free_by_order_kb = z.free_by_order_kb;
                last = &existing;
              }
            const bool merged = last != nullptr;
            if (last) last->free_by_order_kb = std::move(z.free_by_order_kb);
            if (!merged && mi.zones.size() < kMaxZones && hs.keep(sizeof(ZoneInfo) + z.node_zone.size())) {
              mi.zones.push_back(std::move(z));
            } else if (!merged) {
              ++hs.entries_dropped;
            }
          } else if (has_prefix(zname, "hugepages_total=")) {
            std::string_view all = t;
            auto total = [&](std::string_view key) -> std::optional<uint64_t> {
              size_t p = all.find(key);
              if (p == npos) return std::nullopt;
              std::string_view v = all.substr(p + key.size());
              return parse_u64_prefix(v);
            };
            auto tot = total("hugepages_total="), fr = total("hugepages_free="), sz = total("hugepages_size=");
            hs.add_hugepages(mi, tot, fr, sz);
          } else if (has_prefix(r, "free:") || (!zname.empty() && r.find(" free:") == npos && t.find(" free:") != npos)) {
            ZoneInfo z;
            std::string_view fields = has_prefix(r, "free:") ? r : std::string_view(t.substr(t.find(" free:") + 1));
            z.node_zone = zone.empty() ? std::string(zname) : zone + " " + std::string(zname);
            auto kbf = [&](std::string_view key) -> std::optional<uint64_t> {
              size_t p = fields.find(key);
              if (p == npos || (p > 0 && fields[p - 1] != ' ')) return std::nullopt;
              std::string_view v = fields.substr(p + key.size());
              return parse_u64_prefix(v);
            };
            z.free_kb = kbf("free:");
            z.min_kb = kbf("min:");
            z.low_kb = kbf("low:");
            z.high_kb = kbf("high:");
            z.present_kb = kbf("present:");
            z.managed_kb = kbf("managed:");
            if (mi.zones.size() < kMaxZones && hs.keep(sizeof(ZoneInfo) + z.node_zone.size())) {
              mi.zones.push_back(std::move(z));
            } else {
              ++hs.entries_dropped;
            }
          }
          // per-node "Node 0 active_anon:…kB" and per-cpu lines are kept only as raw text.
        } else if (has_prefix(t, "lowmem_reserve[]") || has_prefix(t, "protections[]") ||
                   has_prefix(t, "CPU ") || t.find("per-cpu:") != npos || has_prefix(t, "Swap cache") ||
                   has_prefix(t, "Free pages:") || has_prefix(t, "Active:") || has_prefix(t, "HighMem per-cpu")) {
          // known Mem-Info lines with nothing we model
        } else if (has_prefix(t, "Free swap") || has_prefix(t, "Total swap")) {
          size_t eq = t.find('=');
          if (eq != npos) {
            std::string_view v = ltrim(t.substr(eq + 1));
            auto kb = parse_u64_prefix(v);
            (has_prefix(t, "Free") ? mi.free_swap_kb : mi.total_swap_kb) = kb;
          }
        } else if (!t.empty() && is_digit(t[0])) {
          std::string_view r = t;
          auto n = parse_u64_prefix(r);
          r = ltrim(r);
          if (!n) used = false;
          else if (has_prefix(r, "total pagecache pages")) mi.pagecache_pages = n;
          else if (r == "pages RAM") mi.ram_pages = n;
          else if (r == "pages reserved") mi.reserved_pages = n;
          else if (!has_prefix(r, "pages")) used = false;
        } else {
          used = false;
        }
        if (used) {
          join();
          return;
        }
        hs.sub = Sub::kNone;
        break;
      }
      case Sub::kSlab: {
        // "Name                      Used          Total" then "kmalloc-64   1234KB   5678KB"
        std::vector<std::string_view> tok = split_ws(text);
        if (tok.size() == 3 && tok[0] == "Name") { join(); return; }
        if (tok.size() == 3 && (tok[1].ends_with("KB") || tok[1].ends_with("kB"))) {
          std::string_view used = tok[1];
          used.remove_suffix(2);
          if (auto v = parse_u64(used); v && hs.keep(tok[0].size() + 48))
            ev.mem_info->unreclaimable_slab_kb.emplace_back(std::string(tok[0]), *v);
          join();
          return;
        }
        hs.sub = Sub::kNone;
        break;
      }
      case Sub::kTrace: {
        std::string_view f = parse_frame(text);
        if (!f.empty()) {
          if (!has_prefix(text, "? ") && ev.call_trace.size() < 128) ev.call_trace.emplace_back(f);
          join();
          return;
        }
        if (has_prefix(text, "<TASK>") || has_prefix(text, "</TASK>") || has_prefix(text, "RIP:") ||
            has_prefix(text, "Code:") || has_prefix(text, "RSP:") || has_prefix(text, "RAX:") ||
            has_prefix(text, "RDX:") || has_prefix(text, "RBP:") || has_prefix(text, "R10:") ||
            has_prefix(text, "R13:") || has_prefix(text, "Exception stack") || has_prefix(text, "<IRQ>") ||
            has_prefix(text, "</IRQ>")) {
          join();
          return;
        }
        break;  // stay in trace: unrelated noise may interleave
      }
      default:
        break;
    }
  }

  LineKind kind = classify(text);
  if (kind == LineKind::kSuppressed) {
    // "oom_kill_process: 6 callbacks suppressed": the reports before the next one were
    // rate limited; remember it for the next event of this host.
    size_t colon = text.find(": ");
    std::string_view r = text.substr(colon == npos ? 0 : colon + 2);
    if (auto n = parse_u64_prefix(r)) hs.pending_suppressed = n;
    return;
  }
  if (kind == LineKind::kOther && hs.ev && hs.summary_cut && text.find(' ') == npos &&
      (text.find('=') != npos || text.find(',') != npos)) {
    // The rest of an oom-kill: line split by pr_cont ("…-907" / "c-b2ec,task_memcg=…").
    hs.summary_text += std::string(text);
    bool cut = false;
    OomEvent& ev = *hs.ev;
    ev.notes.erase(std::remove_if(ev.notes.begin(), ev.notes.end(),
                                  [](const std::string& n) { return has_prefix(n, "oom-kill:"); }),
                   ev.notes.end());
    parse_summary(hs.summary_text, ev, cut);
    hs.summary_cut = cut;
    if (cut && std::none_of(ev.notes.begin(), ev.notes.end(),
                            [](const std::string& n) { return has_prefix(n, "oom-kill:"); }))
      ev.notes.push_back("oom-kill: summary line is cut");
    ev.source.last_line = line_no;
    hs.last_join = line_no;
    keep_line(ev, opts_.max_kept_lines, line_no, text);
    return;
  }
  if (kind == LineKind::kOther) {
    // Inside an event, a stack frame after the CPU line is part of the trace.
    if (hs.ev && hs.phase <= 1) {
      std::string_view f = parse_frame(text);
      if (!f.empty()) {
        if (!has_prefix(text, "? ") && hs.ev->call_trace.size() < 128) hs.ev->call_trace.emplace_back(f);
        hs.ev->source.last_line = line_no;
        keep_line(*hs.ev, opts_.max_kept_lines, line_no, text);
      }
    }
    return;
  }
  if (kind == LineKind::kWarnAlloc) {
    if (hs.ev && hs.tentative) close(hs);
    hs.warn_alloc_line = line_no;
    return;
  }

  // Does this line start a new event?
  bool fresh = false;
  if (kind == LineKind::kTrigger) {
    fresh = true;
  } else if (!hs.ev) {
    if (kind == LineKind::kReaper && !ll.caller.empty()) {
      // The oom_reaper thread prints from its own caller id: attach the line to the event of
      // the same host whose victim it reaped.
      Reaped r;
      if (!parse_reaper(text, r)) return;
      for (auto& [k, other] : hosts_) {
        if (!other->ev || other.get() == &hs || !k.starts_with(std::string(ll.host) + '\x1f')) continue;
        for (const Killed& v : other->ev->victims)
          if (v.pid == r.pid) {
            other->ev->reaped.push_back(r);
            other->ev->source.last_line = line_no;
            return;
          }
      }
      return;
    }
    if (!opens_event(kind)) return;  // reaper, trace, panic… with nothing to attach to
    if (kind == LineKind::kMemInfo && hs.in_warn_alloc(line_no)) return;
    fresh = true;
  } else {
    OomEvent& ev = *hs.ev;
    int ph = phase_of(kind);
    if (ph >= 0 && ph < hs.phase && opens_event(kind)) fresh = true;
    if (kind == LineKind::kMemcgCounter && has_prefix(text, "memory: ") && ev.memcg && ev.memcg->usage_kb) fresh = true;
    if (kind == LineKind::kSummary && hs.summary_seen) fresh = true;
    if ((kind == LineKind::kTasksState || kind == LineKind::kTableHeader) && ev.has_task_table && hs.phase >= 3 &&
        !(kind == LineKind::kTableHeader && hs.columns.empty()))
      fresh = true;
    if (kind == LineKind::kMemInfo && ev.mem_info) fresh = true;
    if (kind == LineKind::kStatsHeader && hs.stats_block) fresh = true;
    if (kind == LineKind::kSelect && !ev.victims.empty()) fresh = true;
    if (kind == LineKind::kKilled && !ev.victims.empty() && !ev.oom_group) {
      Killed k;
      if (parse_killed(text, k)) {
        if (hs.is_victim(k.pid)) {  // printed again (group kills print the victim twice)
          ++ev.kill_lines;
          return;
        }
      }
      fresh = true;
    }
  }
  if (fresh) {
    if (hs.ev) close(hs);
    hs.ev.emplace();
    if (EventBuffers spare; sink_.reuse(spare)) {
      hs.ev->lines = std::move(spare.lines);
      hs.ev->tasks = std::move(spare.tasks);
    }
    hs.seq = seq_++;
    open_seqs_.insert(hs.seq);
    ++open_events_;
    hs.phase = -1;
    hs.tentative = true;
    hs.sub = Sub::kNone;
    hs.columns.clear();
    hs.column_ids.clear();
    hs.summary_seen = false;
    hs.summary_cut = false;
    hs.summary_text.clear();
    hs.stats_block = false;
    hs.selected.reset();
    hs.tasks_dropped = 0;
    hs.kept_bytes = 0;
    hs.entries_dropped = 0;
    hs.victim_pids.clear();
    hs.victim_without_pid = false;
    hs.saw_cpu_line = false;
    hs.warn_alloc_line = 0;
    hs.huge_pools.clear();
    OomEvent& ev = *hs.ev;
    ev.source.file = file_;
    ev.source.first_line = line_no;
    if (!ll.host.empty()) ev.host = std::string(ll.host);
    ev.timestamp = wall_to_iso(ll, opts_.year);
    ev.monotonic_s = ll.mono_s();
    std::string style = prefix_style_name(ll.style);
    if (ll.dmesg_inner) style += "+dmesg";
    if (!ll.caller.empty()) style += "+caller";
    ev.prefix_style = style;
    if (opts_.page_size) ev.page_size = opts_.page_size;
    if (hs.pending_suppressed) {
      ev.suppressed_callbacks = hs.pending_suppressed;
      hs.pending_suppressed.reset();
    }
  }
  OomEvent& ev = *hs.ev;
  ev.source.last_line = line_no;
  hs.last_join = line_no;
  ++stats_.report_lines;
  keep_line(ev, opts_.max_kept_lines, line_no, text);
  if (is_strong(kind)) hs.tentative = false;
  int ph = phase_of(kind);
  if (ph > hs.phase) hs.phase = ph;
  if (kind != LineKind::kCallTrace) hs.sub = Sub::kNone;

  switch (kind) {
    case LineKind::kTrigger:
      parse_trigger(text, ev.trigger);
      break;
    case LineKind::kSysrq:
      ev.notes.push_back("manual OOM via sysrq-f (echo f > /proc/sysrq-trigger)");
      break;
    case LineKind::kCpuLine: {
      std::optional<int64_t> pid;
      std::optional<std::string> comm, kernel;
      if (!hs.saw_cpu_line && parse_cpu_line(text, pid, comm, kernel)) {
        hs.saw_cpu_line = true;
        if (!ev.trigger.pid) ev.trigger.pid = pid;
        if (!ev.trigger.comm) ev.trigger.comm = comm;
        if (kernel) ev.kernel = kernel;
      }
      break;
    }
    case LineKind::kHardware:
      ev.hardware = std::string(rtrim(text.substr(15)));
      break;
    case LineKind::kCallTrace:
      hs.sub = Sub::kTrace;
      // A trace has 10-30 frames: one allocation instead of the vector doubling five times.
      if (ev.call_trace.empty()) ev.call_trace.reserve(32);
      break;
    case LineKind::kCpusetLine: {
      size_t c = text.find(" cpuset=");
      std::string_view r = text.substr(c + 8);
      size_t m = r.find(" mems_allowed=");
      ev.cpuset = std::string(r.substr(0, m));
      if (m != npos) ev.mems_allowed = std::string(trim(r.substr(m + 14)));
      break;
    }
    case LineKind::kTaskIn: {
      std::string task, oom;
      if (parse_task_in(text, task, oom)) {
        if (!ev.memcg) ev.memcg.emplace();
        if (!ev.memcg->task_memcg) ev.memcg->task_memcg = task;
        if (!ev.memcg->oom_memcg) ev.memcg->oom_memcg = oom;
      }
      break;
    }
    case LineKind::kLimitReached: {
      if (!ev.memcg) ev.memcg.emplace();
      if (!ev.memcg->oom_memcg) ev.memcg->oom_memcg = std::string(trim(text.substr(31)));
      break;
    }
    case LineKind::kMemcgCounter:
      if (!ev.memcg) ev.memcg.emplace();
      parse_memcg_counter(text, *ev.memcg);
      break;
    case LineKind::kStatsHeader: {
      if (!ev.memcg) ev.memcg.emplace();
      std::string path;
      std::vector<std::pair<std::string, uint64_t>> kv;
      if (!parse_stats_header(text, path, kv)) break;
      if (kv.empty()) {
        // 5.3+: a block of "key value" lines in bytes follows (one record or one per line).
        ev.memcg->stats_path = path;
        hs.stats_block = true;
        hs.sub = Sub::kStats;
        if (ev.memcg->stats_format.empty()) ev.memcg->stats_format = "v2";
      } else {
        // <=5.2: one line per memcg of the OOMing subtree, the OOMing memcg first.
        ev.memcg->stats_format = "v1-kb-line";
        size_t bytes = path.size() + 64;
        for (auto& [k, v] : kv) bytes += k.size() + 48;
        if (ev.memcg->subtree_stats.count(path) || hs.keep(bytes)) {
          auto& m = ev.memcg->subtree_stats[path];
          for (auto& [k, v] : kv) hs.put_counter(m, k, v, 0);  // the line's bytes are charged above
        }
        if (!ev.memcg->stats_path) {
          ev.memcg->stats_path = path;
          for (auto& [k, v] : kv) hs.put_counter(ev.memcg->stats, k, v, 0);
        }
      }
      break;
    }
    case LineKind::kMemInfo:
      ev.mem_info.emplace();
      hs.sub = Sub::kMemInfo;
      break;
    case LineKind::kSlabHeader:
      if (!ev.mem_info) ev.mem_info.emplace();
      hs.sub = Sub::kSlab;
      break;
    case LineKind::kTasksState:
      ev.has_task_table = true;
      break;
    case LineKind::kTableHeader:
      ev.has_task_table = true;
      parse_table_header(text, hs.columns);
      hs.column_ids = map_columns(hs.columns);
      ev.task_columns = hs.columns;
      hs.sub = Sub::kTable;
      break;
    case LineKind::kTableRow: {
      ev.has_task_table = true;
      Task t;
      if (parse_table_row(rtrim(text), hs.column_ids, t)) {
        if (ev.tasks.size() < kMaxTasks && hs.keep(sizeof(Task) + t.name.size())) ev.tasks.push_back(std::move(t));
        else ++hs.tasks_dropped;
      }
      break;
    }
    case LineKind::kSummary: {
      bool cut = false;
      hs.summary_seen = true;
      hs.summary_text = std::string(rtrim(text));
      parse_summary(text, ev, cut);
      hs.summary_cut = cut;
      if (cut && std::none_of(ev.notes.begin(), ev.notes.end(),
                              [](const std::string& n) { return has_prefix(n, "oom-kill:"); }))
        ev.notes.push_back("oom-kill: summary line is cut");
      break;
    }
    case LineKind::kSelect: {
      Killed k;
      if (parse_select(text, k)) hs.selected = k;
      break;
    }
    case LineKind::kKilled: {
      Killed k;
      if (!parse_killed(text, k)) break;
      if (hs.selected && hs.selected->pid == k.pid) k.score = hs.selected->score;
      // 5.4 printed pgtables in bytes labelled kB (fixed by "mm/oom: fix pgtables units
      // mismatch in Killed process message"); page tables are ~1/512 of the mapped size.
      if (k.pgtables_kb && k.total_vm_kb && *k.pgtables_kb > *k.total_vm_kb / 64 && *k.pgtables_kb > 1024) {
        ev.notes.push_back("pgtables value of the Killed process line looks like bytes (5.4 bug); converted to kB");
        *k.pgtables_kb /= 1024;
      }
      ++ev.kill_lines;
      if (hs.is_victim(k.pid)) return;  // the group-kill repeat of the victim
      if (!ev.victims.empty() && !hs.keep(sizeof(Killed) + k.prefix.size() + (k.comm ? k.comm->size() : 0))) break;
      hs.add_victim(k.pid);
      ev.victims.push_back(k);
      if (!ev.killed) ev.killed = k;
      break;
    }
    case LineKind::kGroup: {
      constexpr std::string_view kHead = "Tasks in ";
      size_t e = text.find(" are going to be killed");
      ev.oom_group = std::string(text.substr(kHead.size(), e == npos ? npos : e - kHead.size()));
      break;
    }
    case LineKind::kReaper: {
      Reaped r;
      if (parse_reaper(text, r) && hs.keep(sizeof(Reaped) + r.comm.size())) ev.reaped.push_back(std::move(r));
      break;
    }
    case LineKind::kPanic:
      ev.panic = std::string(rtrim(text));
      break;
    case LineKind::kNoKillable:
      ev.end_reason = std::string(rtrim(text));
      break;
    case LineKind::kExiting:
      ev.end_reason = std::string(rtrim(text));
      break;
    default:
      break;
  }
  bool finished = !ev.victims.empty() || ev.end_reason || ev.panic;
  set_active(hs, !finished || hs.sub != Sub::kNone);
}

void OomParser::set_active(HostState& hs, bool active) {
  if (hs.active == active) return;
  hs.active = active;
  if (active) ++active_events_;
  else --active_events_;
}

// expire(): a report that has gone quiet stops holding the prefilter off; a finished one
// (its kill seen) is closed once nothing joined it for kLingerLines lines, so events stream
// out and memory stays bounded.
void OomParser::expire(uint64_t line_no) {
  for (auto& [k, hs] : hosts_) {
    if (!hs->ev) continue;
    uint64_t idle = line_no > hs->last_join ? line_no - hs->last_join : 0;
    if (hs->active && idle > kQuietLines) set_active(*hs, false);
    if (!hs->active && idle > kLingerLines) close(*hs);
  }
  // One state per host (and printk caller): over months of logs the callers are countless,
  // so idle states are dropped once there are many.
  if (hosts_.size() > kMaxIdleStates) {
    for (auto it = hosts_.begin(); it != hosts_.end();) {
      if (it->second->idle(line_no)) {
        if (it->second.get() == last_host_) last_host_ = nullptr;
        it = hosts_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

void OomParser::close(HostState& hs) {
  if (!hs.ev) return;
  set_active(hs, false);
  OomEvent ev = std::move(*hs.ev);
  hs.ev.reset();
  --open_events_;
  bool tentative = hs.tentative;
  uint64_t seq = hs.seq;
  open_seqs_.erase(seq);
  if (tentative) {
    flush_ready();
    return;  // Mem-Info without any OOM line: a warn_alloc or sysrq-m dump, not an event
  }
  if (hs.tasks_dropped) ev.notes.push_back("task table: " + std::to_string(hs.tasks_dropped) + " rows beyond " +
                                           std::to_string(ev.tasks.size()) + " were counted but not kept");
  if (hs.entries_dropped)
    ev.notes.push_back("report: " + std::to_string(hs.entries_dropped) + " lines beyond the event's bounds (" +
                       std::to_string(kMaxEventBytes >> 20) + " MiB of kept facts, " + std::to_string(kMaxCounterKeys) +
                       " keys per counter block) were counted but not kept");
  // memcg: prefer the full path when the "limit of" / oom_memcg value was cut by a pager or
  // a pr_cont split (it is then a strict prefix of a longer path that does not end at '/').
  if (ev.memcg && ev.memcg->oom_memcg) {
    std::string& om = *ev.memcg->oom_memcg;
    for (const std::optional<std::string>* longer : {&ev.memcg->stats_path, &ev.memcg->task_memcg}) {
      if (*longer && (*longer)->size() > om.size() && (*longer)->compare(0, om.size(), om) == 0 &&
          (**longer)[om.size()] != '/' && !om.empty() && om.back() != '/') {
        ev.notes.push_back("oom_memcg '" + om + "' is cut; using the full path '" + **longer + "'");
        om = **longer;
        break;
      }
    }
  }
  if (ev.memcg && !ev.memcg->oom_memcg && ev.memcg->stats_path && ev.memcg->stats_format != "v1-kb-line")
    ev.memcg->oom_memcg = ev.memcg->stats_path;  // 5.3+: the stats are printed for the OOMing memcg
  if (ev.memcg && ev.memcg->stats_format == "v2" &&
      (ev.memcg->stats.count("cache") || ev.memcg->stats.count("rss") || ev.memcg->stats.count("total_rss")))
    ev.memcg->stats_format = "v1";  // >=6.5 on cgroup v1 prints the v1 memory.stat
  if (!ev.page_size) {
    // Stated, not assumed: JSON consumers see page_size null and page_size_assumed.
  }
  bool has_trigger = ev.trigger.gfp_mask.has_value() || ev.trigger.comm.has_value();
  bool has_kill = !ev.victims.empty();
  bool stated_end = ev.end_reason.has_value() || ev.panic.has_value();
  ev.truncated = !has_kill && !stated_end;
  ev.complete = has_trigger && (has_kill || stated_end);
  if (!has_trigger) ev.missing.push_back("trigger");
  if (!ev.memcg && !ev.mem_info) ev.missing.push_back("memory_state");
  if (!ev.has_task_table) ev.missing.push_back("task_table");
  if (!hs.summary_seen && has_trigger) ev.missing.push_back("summary");
  if (!has_kill && !stated_end) ev.missing.push_back("kill");
  if (ready_.empty() && (open_seqs_.empty() || seq < *open_seqs_.begin())) {
    // Nothing earlier is pending: out it goes, in order, without a stay in ready_.
    emitting_seq_ = seq;
    sink_.on_event(std::move(ev));
    ++emitted_;
    return;
  }
  ready_.emplace(seq, std::move(ev));
  flush_ready();
}

void OomParser::flush_ready() {
  uint64_t min_open = open_seqs_.empty() ? UINT64_MAX : *open_seqs_.begin();
  while (!ready_.empty() && ready_.begin()->first < min_open) {
    emitting_seq_ = ready_.begin()->first;
    sink_.on_event(std::move(ready_.begin()->second));
    ready_.erase(ready_.begin());
    ++emitted_;
  }
}

struct OomParser::Checkpoint::State {
  // The states that are not idle, by key (hosts_ order), and the rank of each open event
  // among the open ones by creation (-1: none open).
  std::vector<std::pair<std::string, HostFields>> hosts;
  std::vector<int> open_rank;
  bool expired_in_block = false;  // expire() already ran in the line's kExpireLines block
};

OomParser::Checkpoint OomParser::checkpoint(uint64_t line_no) const {
  Checkpoint cp;
  cp.line_no = line_no;
  cp.emitted = emitted_;
  for (const auto& [seq, ev] : ready_) cp.held.push_back(seq);
  cp.open.assign(open_seqs_.begin(), open_seqs_.end());
  auto st = std::make_shared<Checkpoint::State>();
  for (const auto& [key, hs] : hosts_) {
    if (hs->idle(line_no)) continue;
    st->hosts.emplace_back(key, static_cast<const HostFields&>(*hs));
    st->open_rank.push_back(hs->ev ? static_cast<int>(std::distance(open_seqs_.begin(), open_seqs_.find(hs->seq))) : -1);
  }
  st->expired_in_block = expire_block_ == line_no / kExpireLines;
  cp.state = std::move(st);
  return cp;
}

bool OomParser::continues_as(const Checkpoint& cp) const {
  if (!cp.state) return false;
  const Checkpoint::State& st = *cp.state;
  if (st.expired_in_block != (expire_block_ == cp.line_no / kExpireLines)) return false;
  size_t i = 0;
  for (const auto& [key, hs] : hosts_) {
    if (hs->idle(cp.line_no)) continue;
    if (i == st.hosts.size() || st.hosts[i].first != key) return false;
    if (!(static_cast<const HostFields&>(*hs) == st.hosts[i].second)) return false;
    const int rank = hs->ev ? static_cast<int>(std::distance(open_seqs_.begin(), open_seqs_.find(hs->seq))) : -1;
    if (rank != st.open_rank[i]) return false;
    ++i;
  }
  return i == st.hosts.size();
}

std::vector<OomParser::Held> OomParser::take_held() {
  std::vector<Held> out;
  for (auto& [seq, ev] : ready_) {
    // ready_ only holds events younger than the oldest open one.
    auto older = open_seqs_.lower_bound(seq);
    out.push_back({std::move(ev), static_cast<size_t>(std::distance(open_seqs_.begin(), older)) - 1});
  }
  ready_.clear();
  return out;
}

void OomParser::end_file() {
  for (auto& [k, hs] : hosts_) close(*hs);
  flush_ready();
  hosts_.clear();
  last_host_ = nullptr;
  open_events_ = 0;
  open_seqs_.clear();
  active_events_ = 0;
}

}  // namespace oomscope
