#include "analyzer/findings/pack_evidence.h"

#include <algorithm>
#include <charconv>

#include "common/pack.h"
#include "common/parse_num.h"

namespace oomscope {

namespace {

constexpr int64_t kArena = 64LL << 20;  // glibc HEAP_MAX_SIZE on 64-bit

std::optional<uint64_t> hex(std::string_view s) {
  uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

struct Map {
  uint64_t start = 0, end = 0;
  std::string perms, name;
  int64_t private_dirty = 0;
};

void summarize(PackMappings& pm, std::vector<Map>& maps) {
  std::sort(maps.begin(), maps.end(), [](const Map& a, const Map& b) { return a.start < b.start; });
  std::map<std::string, int64_t> by_name;
  for (size_t i = 0; i < maps.size(); ++i) {
    const Map& m = maps[i];
    ++pm.maps;
    pm.private_dirty_bytes += m.private_dirty;
    const bool anon = m.name.empty() || m.name.starts_with("[anon");
    if (m.name == "[heap]") pm.heap_private_dirty_bytes += m.private_dirty;
    if (anon) {
      ++pm.anon_regions;
      pm.anon_private_dirty_bytes += m.private_dirty;
      // A malloc arena: a 64 MiB-aligned rw anonymous region, followed by its ---p reserve
      // up to the next 64 MiB boundary (or a full 64 MiB by itself).
      const uint64_t size = m.end - m.start;
      bool aligned = m.start % kArena == 0 && size <= static_cast<uint64_t>(kArena) && m.perms.starts_with("rw");
      bool reserve = size == static_cast<uint64_t>(kArena) ||
                     (i + 1 < maps.size() && maps[i + 1].start == m.end && maps[i + 1].perms.starts_with("---") &&
                      maps[i + 1].end == m.start + kArena);
      if (aligned && reserve) {
        ++pm.arenas;
        pm.arena_private_dirty_bytes += m.private_dirty;
      }
    }
    if (m.private_dirty > 0) by_name[anon ? "[anon]" : m.name] += m.private_dirty;
  }
  std::vector<std::pair<std::string, int64_t>> v(by_name.begin(), by_name.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (v.size() > 5) v.resize(5);
  pm.top = std::move(v);
}

}  // namespace

Result<PackEvidence> load_pack_evidence(const std::string& path) {
  auto pr = PackReader::open(path);
  if (!pr) return pr.error();
  PackReader& p = *pr;
  PackEvidence pe;
  pe.path = path;
  auto q = [&](std::string_view sql) { return p.query(sql); };
  if (auto st = q("SELECT key, value FROM meta WHERE value IS NOT NULL"))
    while (st->step_row()) pe.meta[std::string(st->column_text(0))] = std::string(st->column_text(1));
  if (auto st = q("SELECT sample, monotonic_usec, started_utc FROM samples ORDER BY sample"))
    while (st->step_row())
      pe.samples.push_back({st->column_int64(0), st->column_int64(1), std::string(st->column_text(2))});
  if (auto st = q("SELECT DISTINCT cgroup FROM targets WHERE cgroup IS NOT NULL"))
    while (st->step_row()) pe.target_cgroups.emplace_back(st->column_text(0));
  if (auto st = q("SELECT kind, value, coalesce(cgroup, ''), status FROM targets"))
    while (st->step_row())
      pe.targets.push_back({std::string(st->column_text(0)), std::string(st->column_text(1)),
                            std::string(st->column_text(2)), std::string(st->column_text(3))});
  if (auto st = q("SELECT sample, path, role, usage_bytes, limit_bytes, high_bytes, peak_bytes, swap_usage_bytes, failcnt,"
                  " oom_events, oom_kill, oom_group_kill, nr_procs FROM cgroups WHERE role IN ('target','ancestor','host')"
                  " ORDER BY sample, length(path) DESC LIMIT 5000")) {
    while (st->step_row()) {
      PackCgroup c;
      c.sample = st->column_int64(0);
      c.path = st->column_text(1);
      c.role = st->column_text(2);
      c.usage_bytes = st->column_opt_int64(3);
      c.limit_bytes = st->column_opt_int64(4);
      c.high_bytes = st->column_opt_int64(5);
      c.peak_bytes = st->column_opt_int64(6);
      c.swap_usage_bytes = st->column_opt_int64(7);
      c.failcnt = st->column_opt_int64(8);
      c.oom_events = st->column_opt_int64(9);
      c.oom_kill = st->column_opt_int64(10);
      c.oom_group_kill = st->column_opt_int64(11);
      c.nr_procs = st->column_opt_int64(12);
      pe.cgroups.push_back(std::move(c));
    }
  }
  if (auto st = q("SELECT s.sample, s.cgroup, s.file, s.key, s.value FROM cgroup_stats s JOIN cgroups c"
                  " ON c.sample = s.sample AND c.path = s.cgroup AND c.role IN ('target','ancestor','host')"
                  " WHERE (s.file = 'memory.stat' AND s.key IN ('anon','file','shmem','kernel','active_file',"
                  "'inactive_file','rss','cache','total_rss','total_cache','total_inactive_file','total_active_file',"
                  "'total_shmem','slab_unreclaimable','kernel_stack','sock')) OR s.file IN ('memory.events')")) {
    while (st->step_row()) {
      int64_t sample = st->column_int64(0);
      std::string_view cg = st->column_text(1), file = st->column_text(2);
      for (PackCgroup& c : pe.cgroups)
        if (c.sample == sample && c.path == cg) {
          (file == "memory.stat" ? c.stat : c.events)[std::string(st->column_text(3))] = st->column_int64(4);
          break;
        }
    }
  }
  if (auto st = q("SELECT sample, pid, comm, cgroup, vm_rss_bytes, rss_anon_bytes, rss_file_bytes, rss_shmem_bytes,"
                  " pss_bytes, private_clean_bytes, private_dirty_bytes, swap_bytes, in_target FROM processes"
                  " WHERE in_target = 1 ORDER BY sample, vm_rss_bytes DESC LIMIT 20000")) {
    while (st->step_row()) {
      PackProcess pp;
      pp.sample = st->column_int64(0);
      pp.pid = st->column_int64(1);
      pp.comm = st->column_text(2);
      pp.cgroup = st->column_text(3);
      pp.rss_bytes = st->column_opt_int64(4);
      pp.rss_anon_bytes = st->column_opt_int64(5);
      pp.rss_file_bytes = st->column_opt_int64(6);
      pp.rss_shmem_bytes = st->column_opt_int64(7);
      pp.pss_bytes = st->column_opt_int64(8);
      auto pc = st->column_opt_int64(9), pd = st->column_opt_int64(10);
      if (pc || pd) pp.uss_bytes = pc.value_or(0) + pd.value_or(0);
      pp.swap_bytes = st->column_opt_int64(11);
      pp.in_target = st->column_int64(12) != 0;
      pe.processes.push_back(std::move(pp));
    }
  }
  if (auto st = q("SELECT sample, pid, start_addr, end_addr, perms, name, private_dirty_bytes FROM mappings"
                  " ORDER BY sample, pid")) {
    PackMappings cur;
    std::vector<Map> maps;
    auto flush = [&]() {
      if (maps.empty()) return;
      summarize(cur, maps);
      pe.mappings.push_back(std::move(cur));
      cur = PackMappings{};
      maps.clear();
    };
    while (st->step_row()) {
      int64_t sample = st->column_int64(0), pid = st->column_int64(1);
      if (!maps.empty() && (sample != cur.sample || pid != cur.pid)) flush();
      cur.sample = sample;
      cur.pid = pid;
      auto s = hex(st->column_text(2)), e = hex(st->column_text(3));
      if (!s || !e || *e < *s) continue;
      maps.push_back({*s, *e, std::string(st->column_text(4)), std::string(st->column_text(5)),
                      st->column_opt_int64(6).value_or(0)});
    }
    flush();
  }
  if (auto st = q("SELECT name, value FROM sysctls WHERE sample = (SELECT max(sample) FROM sysctls)"))
    while (st->step_row()) pe.sysctls[std::string(st->column_text(0))] = std::string(st->column_text(1));
  if (auto st = q("SELECT count(*), min(seq) FROM kernel_log"); st && st->step_row()) {
    pe.kernel_log_rows = st->column_int64(0);
    pe.first_kmsg_seq = st->column_opt_int64(1);
  }
  if (auto st = q("SELECT count(*), sum(lost_records) FROM kernel_log_gaps"); st && st->step_row()) {
    pe.kernel_log_gaps = st->column_int64(0);
    pe.records_lost = st->column_opt_int64(1).value_or(0);
  }
  if (pe.kernel_log_gaps > 0) {
    if (auto st = q("SELECT after_seq, next_seq, lost_records FROM kernel_log_gaps ORDER BY next_seq LIMIT " +
                    std::to_string(PackEvidence::kMaxGapRows)))
      while (st->step_row())
        pe.gaps.push_back({st->column_opt_int64(0), st->column_int64(1), st->column_opt_int64(2), 0});
    // Where each gap falls in the lines analyze reads (the same walk as analyze_pack_kernel_log).
    size_t gi = 0;
    uint64_t line = 0;
    (void)p.for_each_kernel_log_line([&](std::string_view, const KernelLogRow& row) {
      if (row.seq)
        while (gi < pe.gaps.size() && *row.seq >= pe.gaps[gi].next_seq) pe.gaps[gi++].line_before = line;
      ++line;
      return gi < pe.gaps.size();
    });
  }
  if (auto st = q("SELECT count(*) FROM kernel_log WHERE message LIKE '%Killed process %'"); st && st->step_row())
    pe.killed_lines = st->column_int64(0);
  if (auto st = q("SELECT sample, value FROM vmstat WHERE name = 'oom_kill' ORDER BY sample"))
    while (st->step_row()) pe.vmstat_oom_kill.emplace_back(st->column_int64(0), st->column_int64(1));
  return pe;
}

AnalyzeStats analyze_pack_kernel_log(const PackEvidence& pe, const ParserOptions& opts, EventSink& sink,
                                     std::ostream& err) {
  AnalyzeStats stats;
  auto pr = PackReader::open(pe.path);
  if (!pr) {
    err << "oomscope analyze: " << pe.path << ": " << pr.error().message << "\n";
    ++stats.errors;
    return stats;
  }
  struct Counting : EventSink {
    EventSink& inner;
    uint64_t n = 0;
    explicit Counting(EventSink& s) : inner(s) {}
    void on_event(OomEvent&& ev) override {
      ++n;
      inner.on_event(std::move(ev));
    }
  } counting(sink);
  // The collecting machine's page size (sysconf) holds for its own kernel log: the report's
  // page counts need no 4 KiB assumption. A --page-size given by the user still wins.
  ParserOptions popts = opts;
  if (!popts.page_size)
    if (auto it = pe.meta.find("page_size_bytes"); it != pe.meta.end())
      if (auto v = parse_u64(it->second); v && *v >= 512 && (*v & (*v - 1)) == 0) popts.page_size = *v;
  OomParser parser(counting, popts);
  parser.begin_file(pe.path);
  uint64_t line = 0;
  Status st = pr->for_each_kernel_log_line([&](std::string_view raw, const KernelLogRow&) {
    ++line;
    stats.bytes += raw.size() + 1;
    parser.feed(raw, line);
    return true;
  });
  parser.end_file();
  stats.lines = line;
  stats.events = counting.n;
  if (!st) {
    err << "oomscope analyze: " << pe.path << ": " << st.error().message << "\n";
    ++stats.errors;
  }
  return stats;
}

}  // namespace oomscope
