#include "collector/proc_parse.h"

#include <charconv>
#include <sstream>

#include "common/parse_num.h"
#include "common/strings.h"

namespace oomscope::collector {

namespace {

// next_line(): the next '\n'-terminated line of `s` (without the '\n'); advances `s`.
std::string_view next_line(std::string_view& s) {
  size_t nl = s.find('\n');
  std::string_view line = s.substr(0, nl);
  s.remove_prefix(nl == std::string_view::npos ? s.size() : nl + 1);
  return line;
}

// parse_kb_field(): "   1024 kB" -> 1048576 bytes; "42" -> 42 (in_bytes = false).
std::optional<int64_t> parse_amount(std::string_view v, bool* in_bytes) {
  v = trim(v);
  bool kb = false;
  if (v.ends_with(" kB")) {
    kb = true;
    v = rtrim(v.substr(0, v.size() - 3));
  }
  auto n = parse_u64(v);
  if (!n || *n > static_cast<uint64_t>(INT64_MAX / 1024)) return std::nullopt;
  if (in_bytes) *in_bytes = kb;
  return static_cast<int64_t>(kb ? *n * 1024 : *n);
}

std::optional<int64_t> kb_bytes(std::string_view v) {
  bool in_bytes = false;
  auto n = parse_amount(v, &in_bytes);
  if (!n || !in_bytes) return std::nullopt;
  return n;
}

// set_counter(): assigns "Key: N kB" to the matching MemCounters member.
bool set_counter(MemCounters& m, std::string_view key, std::string_view value) {
  std::optional<int64_t>* slot = nullptr;
  if (key == "Size") slot = &m.size;
  else if (key == "Rss") slot = &m.rss;
  else if (key == "Pss") slot = &m.pss;
  else if (key == "Pss_Anon") slot = &m.pss_anon;
  else if (key == "Pss_File") slot = &m.pss_file;
  else if (key == "Pss_Shmem") slot = &m.pss_shmem;
  else if (key == "Shared_Clean") slot = &m.shared_clean;
  else if (key == "Shared_Dirty") slot = &m.shared_dirty;
  else if (key == "Private_Clean") slot = &m.private_clean;
  else if (key == "Private_Dirty") slot = &m.private_dirty;
  else if (key == "Anonymous") slot = &m.anonymous;
  else if (key == "Swap") slot = &m.swap;
  else if (key == "SwapPss") slot = &m.swap_pss;
  else if (key == "Locked") slot = &m.locked;
  if (!slot) return false;
  *slot = kb_bytes(value);
  return slot->has_value();
}

void dump(std::ostringstream& os, const char* name, const std::optional<int64_t>& v) {
  if (v) os << " " << name << "=" << *v;
}

std::optional<double> parse_double(std::string_view s) {
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return d;
}

bool is_hex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F')) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<NamedValue>> parse_meminfo(std::string_view content) {
  std::vector<NamedValue> out;
  while (!content.empty()) {
    std::string_view line = next_line(content);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    NamedValue nv;
    nv.name = std::string(trim(line.substr(0, colon)));
    auto v = parse_amount(line.substr(colon + 1), &nv.in_bytes);
    if (!v || nv.name.empty()) continue;
    nv.value = *v;
    out.push_back(std::move(nv));
  }
  if (out.empty()) return Error{ErrorCode::kParse, 0, "meminfo: no \"Name: value\" line"};
  return out;
}

Result<std::vector<NamedValue>> parse_flat_keyed(std::string_view content) {
  std::vector<NamedValue> out;
  bool any_text = false;
  while (!content.empty()) {
    std::string_view line = next_line(content);
    std::string_view rest = line;
    std::string_view key = next_token(rest);
    if (key.empty()) continue;
    any_text = true;
    std::string_view val = next_token(rest);
    if (!trim(rest).empty()) continue;
    auto n = parse_i64(val);
    if (!n) {
      // Counters beyond INT64_MAX do not occur in practice; v1's "unlimited" is 2^63 - 4096.
      continue;
    }
    out.push_back(NamedValue{std::string(key), *n, false});
  }
  if (out.empty() && any_text) return Error{ErrorCode::kParse, 0, "no \"key value\" line"};
  return out;
}

Result<CgroupValue> parse_cgroup_value(std::string_view content) {
  std::string_view v = trim(content);
  if (v == "max") return CgroupValue{std::nullopt, true};
  auto n = parse_i64(v);
  if (!n) return Error{ErrorCode::kParse, 0, "not a number or \"max\": \"" + std::string(v.substr(0, 40)) + "\""};
  return CgroupValue{*n, false};
}

Result<std::vector<PsiLine>> parse_psi(std::string_view content) {
  // some avg10=0.00 avg60=0.00 avg300=0.00 total=6539
  std::vector<PsiLine> out;
  while (!content.empty()) {
    std::string_view line = next_line(content);
    std::string_view rest = line;
    std::string_view kind = next_token(rest);
    if (kind != "some" && kind != "full") continue;
    PsiLine p;
    p.kind = std::string(kind);
    int seen = 0;
    for (std::string_view tok = next_token(rest); !tok.empty(); tok = next_token(rest)) {
      size_t eq = tok.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view k = tok.substr(0, eq), v = tok.substr(eq + 1);
      if (k == "total") {
        auto n = parse_i64(v);
        if (n) p.total_usec = *n, seen++;
        continue;
      }
      auto d = parse_double(v);
      if (!d) continue;
      if (k == "avg10") p.avg10 = *d, seen++;
      if (k == "avg60") p.avg60 = *d, seen++;
      if (k == "avg300") p.avg300 = *d, seen++;
    }
    if (seen != 4) return Error{ErrorCode::kParse, 0, "PSI line without avg10/avg60/avg300/total: \"" + std::string(line) + "\""};
    out.push_back(std::move(p));
  }
  if (out.empty()) return Error{ErrorCode::kParse, 0, "no \"some\"/\"full\" PSI line"};
  return out;
}

std::string ProcStatus::debug_string() const {
  std::ostringstream os;
  os << "name=" << name << " state=" << state;
  dump(os, "ppid", ppid);
  dump(os, "uid", uid);
  dump(os, "threads", threads);
  dump(os, "vm_size", vm_size_bytes);
  dump(os, "vm_rss", vm_rss_bytes);
  dump(os, "vm_hwm", vm_hwm_bytes);
  dump(os, "rss_anon", rss_anon_bytes);
  dump(os, "rss_file", rss_file_bytes);
  dump(os, "rss_shmem", rss_shmem_bytes);
  dump(os, "vm_swap", vm_swap_bytes);
  dump(os, "vm_pte", vm_pte_bytes);
  return os.str();
}

Result<ProcStatus> parse_status(std::string_view content) {
  ProcStatus st;
  bool have_name = false;
  while (!content.empty()) {
    std::string_view line = next_line(content);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view val = line.substr(colon + 1);
    if (key == "Name") {
      // Name is tab-separated and may contain spaces; only the leading tab goes.
      if (!val.empty() && val.front() == '\t') val.remove_prefix(1);
      st.name = std::string(val);
      have_name = true;
    } else if (key == "State") {
      st.state = std::string(trim(val));
    } else if (key == "PPid") {
      st.ppid = parse_i64(trim(val));
    } else if (key == "Uid") {
      st.uid = parse_i64(next_token(val));
    } else if (key == "Threads") {
      st.threads = parse_i64(trim(val));
    } else if (key == "VmSize") {
      st.vm_size_bytes = kb_bytes(val);
    } else if (key == "VmRSS") {
      st.vm_rss_bytes = kb_bytes(val);
    } else if (key == "VmHWM") {
      st.vm_hwm_bytes = kb_bytes(val);
    } else if (key == "RssAnon") {
      st.rss_anon_bytes = kb_bytes(val);
    } else if (key == "RssFile") {
      st.rss_file_bytes = kb_bytes(val);
    } else if (key == "RssShmem") {
      st.rss_shmem_bytes = kb_bytes(val);
    } else if (key == "VmSwap") {
      st.vm_swap_bytes = kb_bytes(val);
    } else if (key == "VmPTE") {
      st.vm_pte_bytes = kb_bytes(val);
    }
  }
  if (!have_name) return Error{ErrorCode::kParse, 0, "status: no \"Name:\" line"};
  return st;
}

std::string MemCounters::debug_string() const {
  std::ostringstream os;
  dump(os, "size", size);
  dump(os, "rss", rss);
  dump(os, "pss", pss);
  dump(os, "pss_anon", pss_anon);
  dump(os, "pss_file", pss_file);
  dump(os, "pss_shmem", pss_shmem);
  dump(os, "shared_clean", shared_clean);
  dump(os, "shared_dirty", shared_dirty);
  dump(os, "private_clean", private_clean);
  dump(os, "private_dirty", private_dirty);
  dump(os, "anonymous", anonymous);
  dump(os, "swap", swap);
  dump(os, "swap_pss", swap_pss);
  dump(os, "locked", locked);
  std::string s = os.str();
  return s.empty() ? s : s.substr(1);
}

Result<MemCounters> parse_smaps_rollup(std::string_view content) {
  MemCounters m;
  int found = 0;
  while (!content.empty()) {
    std::string_view line = next_line(content);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.find(' ') < colon) continue;  // the [rollup] header
    if (set_counter(m, line.substr(0, colon), line.substr(colon + 1))) found++;
  }
  if (found == 0) return Error{ErrorCode::kParse, 0, "smaps_rollup: no counters"};
  return m;
}

Result<std::vector<Mapping>> parse_smaps(std::string_view content) {
  // 55e183d26000-55e183d28000 r--p 00000000 fe:00 247498                     /usr/bin/head
  // Size:                  8 kB
  std::vector<Mapping> out;
  uint64_t line_no = 0;
  while (!content.empty()) {
    std::string_view line = next_line(content);
    line_no++;
    if (line.empty()) continue;
    size_t colon = line.find(':');
    size_t space = line.find(' ');
    bool is_counter = colon != std::string_view::npos && (space == std::string_view::npos || colon < space);
    if (is_counter) {
      if (out.empty()) return Error{ErrorCode::kParse, 0, "smaps line " + std::to_string(line_no) + ": counter before any mapping"};
      set_counter(out.back().mem, line.substr(0, colon), line.substr(colon + 1));
      continue;
    }
    std::string_view rest = line;
    std::string_view range = next_token(rest);
    size_t dash = range.find('-');
    Mapping m;
    if (dash == std::string_view::npos || !is_hex(range.substr(0, dash)) || !is_hex(range.substr(dash + 1))) {
      return Error{ErrorCode::kParse, 0, "smaps line " + std::to_string(line_no) + ": not a mapping header: \"" + std::string(line.substr(0, 80)) + "\""};
    }
    m.start = std::string(range.substr(0, dash));
    m.end = std::string(range.substr(dash + 1));
    m.perms = std::string(next_token(rest));
    auto off = parse_hex_u64(next_token(rest));
    m.dev = std::string(next_token(rest));
    auto inode = parse_u64(next_token(rest));
    if (!off || !inode || m.perms.size() != 4) {
      return Error{ErrorCode::kParse, 0, "smaps line " + std::to_string(line_no) + ": bad mapping header: \"" + std::string(line.substr(0, 80)) + "\""};
    }
    m.offset = static_cast<int64_t>(*off);
    m.inode = static_cast<int64_t>(*inode);
    m.name = std::string(ltrim(rest));  // paths may contain spaces; keep them
    out.push_back(std::move(m));
  }
  return out;
}

Result<ProcStat> parse_proc_stat(std::string_view content) {
  // 4623 (cat) R 4617 4617 2397 0 -1 4194304 98 0 0 0 0 0 0 0 20 0 1 0 46265 ...
  size_t close = content.rfind(')');
  if (close == std::string_view::npos) return Error{ErrorCode::kParse, 0, "stat: no ')' after comm"};
  std::string_view rest = content.substr(close + 1);
  auto fields = split_ws(rest);  // fields[0] is field 3 (state)
  if (fields.size() < 20 || fields[0].size() != 1) return Error{ErrorCode::kParse, 0, "stat: too few fields"};
  ProcStat st;
  st.state = fields[0][0];
  auto ppid = parse_i64(fields[1]);
  auto start = parse_i64(fields[19]);  // field 22
  if (!ppid || !start) return Error{ErrorCode::kParse, 0, "stat: bad ppid or starttime"};
  st.ppid = *ppid;
  st.start_time_ticks = *start;
  return st;
}

Result<std::vector<CgroupMembership>> parse_proc_cgroup(std::string_view content) {
  // 4:memory:/process_api/8c591c15e67c84e3f57338ec3cc93bd0
  // 0::/kubepods.slice/kubepods-burstable.slice/...
  std::vector<CgroupMembership> out;
  while (!content.empty()) {
    std::string_view line = next_line(content);
    if (line.empty()) continue;
    size_t c1 = line.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return Error{ErrorCode::kParse, 0, "cgroup: bad line \"" + std::string(line) + "\""};
    auto id = parse_i64(line.substr(0, c1));
    if (!id) return Error{ErrorCode::kParse, 0, "cgroup: bad hierarchy id in \"" + std::string(line) + "\""};
    out.push_back(CgroupMembership{*id, std::string(line.substr(c1 + 1, c2 - c1 - 1)), std::string(line.substr(c2 + 1))});
  }
  return out;
}

std::optional<std::string> memory_cgroup_path(const std::vector<CgroupMembership>& lines, bool v1_memory) {
  for (const auto& l : lines) {
    if (v1_memory) {
      std::string_view c = l.controllers;
      while (!c.empty()) {
        size_t comma = c.find(',');
        if (c.substr(0, comma) == "memory") return l.path;
        if (comma == std::string_view::npos) break;
        c.remove_prefix(comma + 1);
      }
    } else if (l.hierarchy_id == 0 && l.controllers.empty()) {
      return l.path;
    }
  }
  return std::nullopt;
}

std::vector<std::string> split_cmdline(std::string_view content) {
  std::vector<std::string> args;
  if (!content.empty() && content.back() == '\0') content.remove_suffix(1);
  if (content.empty()) return args;
  size_t pos = 0;
  for (;;) {
    size_t nul = content.find('\0', pos);
    args.emplace_back(content.substr(pos, nul == std::string_view::npos ? std::string_view::npos : nul - pos));
    if (nul == std::string_view::npos) break;
    pos = nul + 1;
  }
  return args;
}

std::optional<int64_t> parse_btime(std::string_view proc_stat) {
  while (!proc_stat.empty()) {
    std::string_view line = next_line(proc_stat);
    if (consume(line, "btime ")) return parse_i64(trim(line));
  }
  return std::nullopt;
}

std::optional<double> parse_uptime(std::string_view content) {
  std::string_view tok = next_token(content);
  return parse_double(tok);
}

}  // namespace oomscope::collector
