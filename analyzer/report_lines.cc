#include "analyzer/report_lines.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "common/parse_num.h"
#include "common/strings.h"

namespace oomscope {
namespace {

constexpr std::string_view npos_sv{};
constexpr auto npos = std::string_view::npos;

bool contains(std::string_view s, std::string_view needle) { return s.find(needle) != npos; }

// "65536kB" / "176KB" / "65536" -> 65536, advancing `s`.
std::optional<uint64_t> take_kb(std::string_view& s) {
  auto v = parse_u64_prefix(s);
  if (!v) return std::nullopt;
  if (has_prefix(s, "kB") || has_prefix(s, "KB")) s.remove_prefix(2);
  return v;
}

// value_after(): the number right after `key` in `s` ("usage 123kB" with key "usage ").
std::optional<uint64_t> number_after(std::string_view s, std::string_view key) {
  size_t p = s.find(key);
  if (p == npos) return std::nullopt;
  std::string_view r = ltrim(s.substr(p + key.size()));
  return take_kb(r);
}
std::optional<int64_t> signed_after(std::string_view s, std::string_view key) {
  size_t p = s.find(key);
  if (p == npos) return std::nullopt;
  std::string_view r = ltrim(s.substr(p + key.size()));
  return parse_i64_prefix(r);
}

// Values at or above 2^52 KiB are the kernel's "no limit" (PAGE_COUNTER_MAX in kB).
constexpr uint64_t kUnlimitedKb = 1ULL << 52;

// is_ident_char(): [a-zA-Z0-9_.], from a table: parse_frame() walks back over each frame's
// function name a byte at a time (~15k frames on d8), where five range tests cost ~10
// instructions a byte.
constexpr std::array<bool, 256> kIdentChars = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  return t;
}();
bool is_ident_char(char c) { return kIdentChars[static_cast<unsigned char>(c)]; }

// skip_blanks(): past the whitespace at p. Task-table rows are mostly padding, so runs of ' '
// are skipped 8 bytes at a time (the first byte that is not ' ' ends the run or is another
// kind of blank, which the byte loop then handles).
const char* skip_blanks(const char* p, const char* end) {
  if constexpr (std::endian::native == std::endian::little) {
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      uint64_t x = w ^ 0x2020202020202020ull;
      if (x != 0) {
        p += __builtin_ctzll(x) / 8;
        break;
      }
      p += 8;
    }
  }
  while (p < end && is_space(*p)) ++p;
  return p;
}

// split "k=v, k2=v2(x,y), k3=v3" at top-level commas.
std::vector<std::string_view> split_top_commas(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '(') ++depth;
    else if (c == ')' && depth > 0) --depth;
    else if (c == ',' && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trim(s.substr(start)));
  return out;
}

// pid_and_comm(): "N (comm)…" -> pid, comm; the comm ends at the ')' before `end_marker`
// when present (comms may hold ')' and spaces), else at the last ')'.
bool pid_and_comm(std::string_view s, std::optional<int64_t>& pid, std::optional<std::string>& comm,
                  std::string_view end_marker, std::string_view* after = nullptr) {
  s = ltrim(s);
  auto p = parse_i64_prefix(s);
  if (!p) return false;
  pid = p;
  size_t open = s.find('(');
  if (open == npos) {
    if (after) *after = s;
    return true;
  }
  size_t limit = end_marker.empty() ? npos : s.find(end_marker, open);
  std::string_view head = limit == npos ? s : s.substr(0, limit);
  size_t close = head.rfind(')');
  if (close == npos || close < open) return true;
  comm = std::string(s.substr(open + 1, close - open - 1));
  if (after) *after = s.substr(close + 1);
  return true;
}

}  // namespace

const char* line_kind_name(LineKind k) {
  switch (k) {
    case LineKind::kOther: return "other";
    case LineKind::kTrigger: return "trigger";
    case LineKind::kCpuLine: return "cpu";
    case LineKind::kHardware: return "hardware";
    case LineKind::kCallTrace: return "call_trace";
    case LineKind::kCpusetLine: return "cpuset";
    case LineKind::kTaskIn: return "task_in";
    case LineKind::kLimitReached: return "limit_reached";
    case LineKind::kMemcgCounter: return "memcg_counter";
    case LineKind::kStatsHeader: return "stats_header";
    case LineKind::kMemInfo: return "mem_info";
    case LineKind::kSlabHeader: return "slab_header";
    case LineKind::kTasksState: return "tasks_state";
    case LineKind::kTableHeader: return "table_header";
    case LineKind::kTableRow: return "table_row";
    case LineKind::kSummary: return "summary";
    case LineKind::kSelect: return "select";
    case LineKind::kKilled: return "killed";
    case LineKind::kGroup: return "group";
    case LineKind::kReaper: return "reaper";
    case LineKind::kSuppressed: return "suppressed";
    case LineKind::kPanic: return "panic";
    case LineKind::kNoKillable: return "no_killable";
    case LineKind::kExiting: return "exiting";
    case LineKind::kWarnAlloc: return "warn_alloc";
    case LineKind::kSysrq: return "sysrq";
  }
  return "other";
}

LineKind classify(std::string_view t) {
  if (t.empty()) return LineKind::kOther;
  switch (t[0]) {
    case '[': {
      // "[ pid ]" header or "[ 1234]" row.
      size_t i = 1;
      while (i < t.size() && t[i] == ' ') ++i;
      if (t.substr(i).starts_with("pid")) return LineKind::kTableHeader;
      size_t d0 = i;
      while (i < t.size() && is_digit(t[i])) ++i;
      if (i > d0 && i < t.size() && t[i] == ']') return LineKind::kTableRow;
      break;
    }
    case 'o':
      if (has_prefix(t, "oom-kill:")) return LineKind::kSummary;
      if (has_prefix(t, "oom_reaper: ")) return LineKind::kReaper;
      if (has_prefix(t, "oom-killer: gfp_mask=")) return LineKind::kTrigger;
      break;
    case 'm':
      if (has_prefix(t, "memory: usage ") || has_prefix(t, "memory+swap: usage ")) return LineKind::kMemcgCounter;
      break;
    case 'k':
      if (has_prefix(t, "kmem: usage ")) return LineKind::kMemcgCounter;
      break;
    case 's':
      if (has_prefix(t, "swap: usage ")) return LineKind::kMemcgCounter;
      break;
    case 'M':
      if (has_prefix(t, "Memory cgroup stats for ")) return LineKind::kStatsHeader;
      if (has_prefix(t, "Mem-Info:")) return LineKind::kMemInfo;
      if (has_prefix(t, "Memory limit reached of cgroup ")) return LineKind::kLimitReached;
      break;
    case 'T':
      if (has_prefix(t, "Tasks state")) return LineKind::kTasksState;
      if (has_prefix(t, "Task in ") && contains(t, " killed as a result of limit of ")) return LineKind::kTaskIn;
      if (has_prefix(t, "Tasks in ") && contains(t, "memory.oom.group")) return LineKind::kGroup;
      break;
    case 'C':
      if (has_prefix(t, "CPU: ") && contains(t, "PID: ") && contains(t, " Comm: ")) return LineKind::kCpuLine;
      if (has_prefix(t, "Call Trace:") || has_prefix(t, "Call trace:")) return LineKind::kCallTrace;
      break;
    case 'P':
      if (has_prefix(t, "Pid: ") && contains(t, ", comm: ")) return LineKind::kCpuLine;
      break;
    case 'H':
      if (has_prefix(t, "Hardware name: ")) return LineKind::kHardware;
      break;
    case 'U':
      if (has_prefix(t, "Unreclaimable slab info:")) return LineKind::kSlabHeader;
      break;
    case 'B':
      if (has_prefix(t, "Backtrace:")) return LineKind::kCallTrace;
      break;
    case 'K':
      if (has_prefix(t, "Kernel panic - not syncing")) return LineKind::kPanic;
      if (has_prefix(t, "Killed process ")) return LineKind::kKilled;
      break;
    case 'S':
      if (has_prefix(t, "SysRq") && contains(t, "Manual OOM execution")) return LineKind::kSysrq;
      break;
    default:
      break;
  }
  // Kinds whose marker is not at the start.
  size_t p = t.find("oom");
  if (p != npos) {
    if (contains(t, " invoked oom-killer: ")) return LineKind::kTrigger;
    if (contains(t, "callbacks suppressed")) return LineKind::kSuppressed;
  }
  if (t.find("Killed process ") != npos) {
    // "Out of memory: Killed process", "Memory cgroup out of memory: Killed process",
    // "Out of Memory: Killed process" (2.6), "Out of memory (oom_kill_allocating_task): …".
    return LineKind::kKilled;
  }
  if ((contains(t, "ill process ") && contains(t, " score ")) && (contains(t, "ut of memory") || contains(t, "ut of Memory")))
    return LineKind::kSelect;
  if (has_prefix(t, "Out of memory and no killable processes")) return LineKind::kNoKillable;
  if (contains(t, " is already exiting. Skip killing")) return LineKind::kExiting;
  if (contains(t, " cpuset=") && contains(t, " mems_allowed=") && !contains(t, "oom-kill:")) {
    if (contains(t, "alloc failure") || contains(t, "allocation failure")) return LineKind::kWarnAlloc;
    return LineKind::kCpusetLine;
  }
  if (contains(t, "page allocation failure") || contains(t, " alloc failure: ")) return LineKind::kWarnAlloc;
  return LineKind::kOther;
}

bool parse_trigger(std::string_view text, Trigger& out) {
  std::string_view rest;
  size_t p = text.find(" invoked oom-killer: ");
  if (p != npos) {
    std::string comm(text.substr(0, p));
    // Some trees print "comm:pid" (LTP logs: "oom02:4583"); kworker names ("kworker/2:1")
    // keep their colon, so only a comm without '/' is split.
    size_t colon = comm.rfind(':');
    if (colon != std::string::npos && colon + 1 < comm.size() && comm.find('/') == std::string::npos) {
      std::string_view digits = std::string_view(comm).substr(colon + 1);
      if (auto pid = parse_i64(digits)) {
        out.pid = *pid;
        comm.resize(colon);
      }
    }
    out.comm = comm;
    rest = text.substr(p + std::strlen(" invoked oom-killer: "));
  } else if (has_prefix(text, "oom-killer: ")) {
    rest = text.substr(std::strlen("oom-killer: "));
  } else {
    return false;
  }
  for (std::string_view kv : split_top_commas(rest)) {
    size_t eq = kv.find('=');
    if (eq == npos) continue;
    std::string_view k = trim(kv.substr(0, eq)), v = trim(kv.substr(eq + 1));
    if (k == "gfp_mask") {
      size_t par = v.find('(');
      out.gfp_mask = std::string(trim(v.substr(0, par)));
      if (par != npos) {
        size_t close = v.rfind(')');
        std::string_view flags = v.substr(par + 1, (close == npos || close < par ? v.size() : close) - par - 1);
        if (!flags.empty()) out.gfp_flags = std::string(flags);
      }
    } else if (k == "order") {
      if (auto o = parse_i64(v)) out.order = *o;
    } else if (k == "oom_score_adj") {
      if (auto o = parse_i64(v)) out.oom_score_adj = *o;
    } else if (k == "nodemask") {
      out.nodemask = std::string(v);
    }
    // "oomkilladj=" / "oom_adj=" (the old -17..15 scale) are deliberately not mapped.
  }
  return true;
}

bool parse_cpu_line(std::string_view t, std::optional<int64_t>& pid, std::optional<std::string>& comm,
                    std::optional<std::string>& kernel) {
  std::string_view comm_start;
  if (has_prefix(t, "CPU: ")) {
    pid = signed_after(t, "PID: ");
    size_t c = t.find(" Comm: ");
    if (c == npos) return false;
    comm_start = t.substr(c + 7);
  } else if (has_prefix(t, "Pid: ")) {
    std::string_view r = t.substr(5);
    pid = parse_i64_prefix(r);
    size_t c = t.find(", comm: ");
    if (c == npos) return false;
    comm_start = t.substr(c + 8);
  } else {
    return false;
  }
  size_t nt = comm_start.find(" Not tainted");
  size_t tt = comm_start.find(" Tainted: ");
  size_t end = std::min(nt, tt);
  if (end == npos) {
    comm = std::string(trim(comm_start));
    return true;
  }
  comm = std::string(comm_start.substr(0, end));
  std::string_view after = comm_start.substr(end);
  after = nt < tt ? after.substr(12) : after.substr(10);
  // The release is the first token that starts with a digit and holds a dot.
  for (std::string_view tok : ws_tokens(after)) {
    if (is_digit(tok[0]) && tok.find('.') != npos) {
      kernel = std::string(tok);
      break;
    }
  }
  return true;
}

bool parse_memcg_counter(std::string_view t, Memcg& m) {
  std::optional<uint64_t>*usage = nullptr, *limit = nullptr, *failcnt = nullptr;
  if (has_prefix(t, "memory: ")) usage = &m.usage_kb, limit = &m.limit_kb, failcnt = &m.failcnt;
  else if (has_prefix(t, "memory+swap: ")) usage = &m.memsw_usage_kb, limit = &m.memsw_limit_kb, failcnt = &m.memsw_failcnt;
  else if (has_prefix(t, "kmem: ")) usage = &m.kmem_usage_kb, limit = &m.kmem_limit_kb, failcnt = &m.kmem_failcnt;
  else if (has_prefix(t, "swap: ")) usage = &m.swap_usage_kb, limit = &m.swap_limit_kb, failcnt = &m.swap_failcnt;
  else return false;
  *usage = number_after(t, "usage ");
  auto lim = number_after(t, "limit ");
  *limit = (lim && *lim >= kUnlimitedKb) ? std::nullopt : lim;
  *failcnt = number_after(t, "failcnt ");
  return usage->has_value();
}

bool parse_stats_header(std::string_view t, std::string& path, std::vector<std::pair<std::string, uint64_t>>& kv) {
  constexpr std::string_view kHead = "Memory cgroup stats for ";
  if (!t.starts_with(kHead)) return false;
  std::string_view r = rtrim(t.substr(kHead.size()));
  size_t sep = r.find(": ");
  if (sep == npos) {
    if (!r.empty() && r.back() == ':') r.remove_suffix(1);
    path = std::string(r);
    return true;
  }
  path = std::string(r.substr(0, sep));
  // <=5.2: "cache:176KB rss:3384KB …" (KB) on the same line.
  for (std::string_view tok : ws_tokens(r.substr(sep + 2))) {
    size_t c = tok.find(':');
    if (c == npos) continue;
    std::string_view val = tok.substr(c + 1);
    bool kb = val.ends_with("KB") || val.ends_with("kB");
    if (kb) val.remove_suffix(2);
    if (auto v = parse_u64(val)) kv.emplace_back(std::string(tok.substr(0, c)), kb ? *v * 1024 : *v);
  }
  return true;
}

bool parse_stat_kv(std::string_view t, std::string_view& key, uint64_t& value) {
  t = rtrim(t);
  size_t sp = t.find(' ');
  if (sp == npos || sp == 0) return false;
  std::string_view k = t.substr(0, sp);
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '_')) return false;
  auto v = parse_u64(ltrim(t.substr(sp + 1)));
  if (!v) return false;
  key = k;
  value = *v;
  return true;
}

bool parse_summary(std::string_view t, OomEvent& ev, bool& cut) {
  if (!has_prefix(t, "oom-kill:")) return false;
  std::string_view r = rtrim(t.substr(9));
  bool saw_task = false;
  std::vector<std::string_view> parts;
  // Values may not hold commas except cpuset/mems_allowed lists ("0-1,3"): a piece without
  // '=' continues the previous value.
  size_t start = 0;
  for (size_t i = 0; i <= r.size(); ++i) {
    if (i == r.size() || r[i] == ',') {
      parts.push_back(r.substr(start, i - start));
      start = i + 1;
    }
  }
  // key and val are views into `r`; a value continued by comma pieces grows to cover them
  // (the pieces are adjacent in `r`, commas included).
  std::string_view key, val;
  auto flush = [&]() {
    if (key.empty()) return;
    if (key == "constraint") ev.constraint = std::string(val);
    else if (key == "nodemask") {
      if (!ev.trigger.nodemask) ev.trigger.nodemask = std::string(val);
    } else if (key == "cpuset") ev.cpuset = std::string(val);
    else if (key == "mems_allowed") ev.mems_allowed = std::string(val);
    else if (key == "oom_memcg") {
      if (!ev.memcg) ev.memcg.emplace();
      ev.memcg->oom_memcg = std::string(val);
    } else if (key == "task_memcg") {
      if (!ev.memcg) ev.memcg.emplace();
      ev.memcg->task_memcg = std::string(val);
    } else if (key == "task") {
      saw_task = true;
    }
    key = {};
    val = {};
  };
  for (std::string_view piece : parts) {
    size_t eq = piece.find('=');
    if (eq == npos) {
      if (piece == "global_oom") {
        flush();
        ev.global_oom = true;
        continue;
      }
      if (!key.empty()) val = std::string_view(val.data(), static_cast<size_t>(piece.data() + piece.size() - val.data()));
      continue;
    }
    flush();
    key = piece.substr(0, eq);
    val = piece.substr(eq + 1);
  }
  // A cut line (pr_cont split, pager width) ends before "task=…,pid=…,uid=…": the last
  // value may be partial, so it is recorded only if it is not a memcg path.
  cut = !saw_task;
  if (cut && (key == "oom_memcg" || key == "task_memcg")) {
    if (!ev.memcg) ev.memcg.emplace();
    (key == "oom_memcg" ? ev.memcg->oom_memcg : ev.memcg->task_memcg) = std::string(val);  // may be partial
    ev.notes.push_back("oom-kill: line cut inside " + std::string(key) + "=");
    key = {};
  }
  flush();
  return true;
}

bool parse_killed(std::string_view t, Killed& k) {
  size_t p = t.find("Killed process ");
  if (p == npos) return false;
  std::string_view prefix = rtrim(t.substr(0, p));
  if (prefix.ends_with(':')) prefix.remove_suffix(1);
  k.prefix = std::string(prefix);
  std::string_view r = t.substr(p + 15);
  // RHEL6: "Killed process 11726, UID 498, (mysqld) total-vm:…"
  std::string_view tmp = r;
  auto pid = parse_i64_prefix(tmp);
  if (!pid) return false;
  if (has_prefix(tmp, ", UID ")) {
    tmp.remove_prefix(6);
    k.uid = parse_i64_prefix(tmp);
    if (has_prefix(tmp, ",")) tmp.remove_prefix(1);
    k.pid = pid;
    size_t open = tmp.find('(');
    size_t tv = tmp.find(" total-vm:");
    std::string_view head = tv == npos ? tmp : tmp.substr(0, tv);
    size_t close = head.rfind(')');
    if (open != npos && close != npos && close > open) k.comm = std::string(tmp.substr(open + 1, close - open - 1));
  } else {
    if (!pid_and_comm(r, k.pid, k.comm, " total-vm:")) return false;
  }
  k.total_vm_kb = number_after(r, "total-vm:");
  k.anon_rss_kb = number_after(r, "anon-rss:");
  k.file_rss_kb = number_after(r, "file-rss:");
  k.shmem_rss_kb = number_after(r, "shmem-rss:");
  if (!k.uid) k.uid = signed_after(r, "UID:");
  k.pgtables_kb = number_after(r, "pgtables:");
  k.oom_score_adj = signed_after(r, "oom_score_adj:");
  return true;
}

bool parse_select(std::string_view t, Killed& k) {
  size_t p = t.find("ill process ");
  if (p == npos) return false;
  std::string_view prefix = rtrim(t.substr(0, p > 0 ? p - 1 : 0));
  if (prefix.ends_with(':')) prefix.remove_suffix(1);
  k.prefix = std::string(prefix);
  if (!pid_and_comm(t.substr(p + 12), k.pid, k.comm, " score ")) return false;
  k.score = signed_after(t.substr(p), " score ");
  return true;
}

bool parse_reaper(std::string_view t, Reaped& r) {
  constexpr std::string_view kReaped = "oom_reaper: reaped process ";
  constexpr std::string_view kUnable = "oom_reaper: unable to reap pid:";
  std::optional<int64_t> pid;
  std::optional<std::string> comm;
  if (t.starts_with(kReaped)) {
    if (!pid_and_comm(t.substr(kReaped.size()), pid, comm, ", now ")) return false;
    r.anon_rss_kb = number_after(t, "anon-rss:");
    r.file_rss_kb = number_after(t, "file-rss:");
    r.shmem_rss_kb = number_after(t, "shmem-rss:");
  } else if (t.starts_with(kUnable)) {
    if (!pid_and_comm(t.substr(kUnable.size()), pid, comm, "")) return false;
    r.unable = true;
  } else {
    return false;
  }
  r.pid = *pid;
  r.comm = comm.value_or("");
  return true;
}

bool parse_task_in(std::string_view t, std::string& task_memcg, std::string& oom_memcg) {
  constexpr std::string_view kMid = " killed as a result of limit of ";
  if (!has_prefix(t, "Task in ")) return false;
  size_t m = t.find(kMid);
  if (m == npos) return false;
  task_memcg = std::string(t.substr(8, m - 8));
  oom_memcg = std::string(rtrim(t.substr(m + kMid.size())));
  return true;
}

bool parse_table_header(std::string_view t, std::vector<std::string>& columns) {
  size_t close = t.find(']');
  if (close == npos) return false;
  columns.clear();
  for (std::string_view tok : ws_tokens(t.substr(close + 1))) columns.emplace_back(tok);
  return !columns.empty();
}

std::vector<TaskColumn> map_columns(const std::vector<std::string>& names) {
  std::vector<TaskColumn> out;
  out.reserve(names.size());
  for (const std::string& name : names) {
    // Compared as string_view: a size check and an inline compare per name, where
    // std::string == const char* calls strlen() and compare() (~150 instructions a column).
    const std::string_view c = name;
    TaskColumn k = TaskColumn::kUnknown;
    if (c == "uid") k = TaskColumn::kUid;
    else if (c == "tgid") k = TaskColumn::kTgid;
    else if (c == "total_vm") k = TaskColumn::kTotalVm;
    else if (c == "rss") k = TaskColumn::kRss;
    else if (c == "rss_anon") k = TaskColumn::kRssAnon;
    else if (c == "rss_file") k = TaskColumn::kRssFile;
    else if (c == "rss_shmem") k = TaskColumn::kRssShmem;
    else if (c == "pgtables_bytes") k = TaskColumn::kPgtablesBytes;
    else if (c == "nr_ptes") k = TaskColumn::kNrPtes;
    else if (c == "swapents") k = TaskColumn::kSwapents;
    else if (c == "oom_score_adj") k = TaskColumn::kOomScoreAdj;
    else if (c == "name") k = TaskColumn::kName;
    out.push_back(k);
  }
  return out;
}

bool parse_table_row(std::string_view t, const std::vector<std::string>& columns, Task& task) {
  return parse_table_row(t, map_columns(columns), task);
}

bool parse_table_row(std::string_view t, const std::vector<TaskColumn>& columns_in, Task& task) {
  if (t.empty() || t[0] != '[') return false;
  size_t close = t.find(']');
  if (close == npos) return false;
  task.pid = parse_i64(trim(t.substr(1, close - 1)));
  if (!task.pid) return false;
  // Numeric cells are every header column but the last ("name"). Task tables are the bulk of a
  // report, so cells are read in one pass: a cell is [-]digits ending at a blank; its value is
  // accumulated as it is scanned, and only a cell of more than 18 digits (which might not fit)
  // is handed to parse_u64()/parse_i64().
  struct Cell {
    const char* p;
    uint32_t len;
    bool neg;
    bool small;  // at most 18 digits: `mag` is exact
    uint64_t mag;
  };
  Cell cells[32];
  size_t ncells = 0;
  size_t want = columns_in.empty() ? 32 : std::min<size_t>(columns_in.size() - 1, 32);
  const char* p = t.data() + close + 1;
  const char* const end = t.data() + t.size();
  while (ncells < want) {
    p = skip_blanks(p, end);
    if (p == end) break;
    const char* tok = p;
    bool neg = *p == '-';
    if (neg) ++p;
    const char* d0 = p;
    uint64_t mag = 0;
    while (p < end && is_digit(*p)) mag = mag * 10 + static_cast<uint64_t>(*p++ - '0');
    if (p == d0 || (p < end && !is_space(*p))) {
      p = tok;  // not a number: the name starts here
      break;
    }
    cells[ncells++] = Cell{tok, static_cast<uint32_t>(p - tok), neg, p - d0 <= 18, mag};
  }
  task.name = std::string(trim(std::string_view(p, static_cast<size_t>(end - p))));
  auto u64 = [](const Cell& c) -> std::optional<uint64_t> {
    if (!c.small) return parse_u64(std::string_view(c.p, c.len));
    if (c.neg) return std::nullopt;
    return c.mag;
  };
  auto i64 = [](const Cell& c) -> std::optional<int64_t> {
    if (!c.small) return parse_i64(std::string_view(c.p, c.len));
    return c.neg ? -static_cast<int64_t>(c.mag) : static_cast<int64_t>(c.mag);
  };
  using C = TaskColumn;
  const std::vector<TaskColumn>* cols = &columns_in;
  if (columns_in.empty()) {
    // No header seen: infer the layout from the number of values.
    static const std::vector<C> k7 = {C::kUid, C::kTgid, C::kTotalVm, C::kRss, C::kPgtablesBytes, C::kSwapents,
                                      C::kOomScoreAdj, C::kName};
    static const std::vector<C> k8 = {C::kUid, C::kTgid, C::kTotalVm, C::kRss, C::kNrPtes, C::kUnknown,
                                      C::kSwapents, C::kOomScoreAdj, C::kName};
    static const std::vector<C> k10 = {C::kUid, C::kTgid, C::kTotalVm, C::kRss, C::kRssAnon, C::kRssFile,
                                       C::kRssShmem, C::kPgtablesBytes, C::kSwapents, C::kOomScoreAdj, C::kName};
    if (ncells == 7) cols = &k7;
    else if (ncells == 8) cols = &k8;
    else if (ncells == 10) cols = &k10;
    else return true;  // name and pid only
  }
  // A cut row has fewer numbers than columns: what is there is mapped.
  for (size_t i = 0; i < ncells && i + 1 < cols->size(); ++i) {
    const Cell& v = cells[i];
    switch ((*cols)[i]) {
      case C::kUid: task.uid = i64(v); break;
      case C::kTgid: task.tgid = i64(v); break;
      case C::kTotalVm: task.total_vm_pages = u64(v); break;
      case C::kRss: task.rss_pages = u64(v); break;
      case C::kRssAnon: task.rss_anon_pages = u64(v); break;
      case C::kRssFile: task.rss_file_pages = u64(v); break;
      case C::kRssShmem: task.rss_shmem_pages = u64(v); break;
      case C::kPgtablesBytes: task.pgtables_bytes = u64(v); break;
      case C::kNrPtes: task.nr_ptes = u64(v); break;
      case C::kSwapents: task.swapents = u64(v); break;
      case C::kOomScoreAdj: task.oom_score_adj = i64(v); break;
      default: break;
    }
  }
  return true;
}

std::string_view parse_frame(std::string_view t) {
  size_t p = t.find("+0x");
  if (p == npos || p == 0) return npos_sv;
  if (has_prefix(t, "RIP:") || has_prefix(t, "PC is at") || has_prefix(t, "LR is at")) return npos_sv;
  size_t b = p;
  while (b > 0 && is_ident_char(t[b - 1])) --b;
  if (b == p) return npos_sv;
  return t.substr(b, p - b);
}

}  // namespace oomscope
