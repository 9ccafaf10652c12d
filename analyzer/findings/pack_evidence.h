// pack_evidence.h: what the findings use from an evidence pack (`oomscope collect`,
// schema/pack.sql), loaded once, bounded, through the defensive PackReader.
//
// load_pack_evidence() reads the target cgroups' (in a whole-host pack, every cgroup's) counters per sample (memory.current, max,
// memory.stat working-set keys, memory.events), the target processes' RSS/PSS/USS per sample,
// per-process summaries of their smaps (private dirty memory in [heap], anonymous regions,
// 64 MiB-aligned anonymous regions = glibc malloc arenas, the largest mappings), sysctls and
// kernel-log gaps. analyze_pack_kernel_log() runs the OOM parser over the pack's kernel_log.
//
// Example:
//   auto pe = load_pack_evidence("node-1.oompack");
//   // pe->samples.size() == 3, pe->processes[0].uss_bytes == private_clean + private_dirty
//   analyze_pack_kernel_log(*pe, opts, sink, std::cerr);   // events with source.file "node-1.oompack"
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "analyzer/analyze.h"
#include "common/result.h"

namespace oomscope {

struct PackCgroup {
  int64_t sample = 0;
  std::string path, role;
  std::optional<int64_t> usage_bytes, limit_bytes, high_bytes, peak_bytes, swap_usage_bytes, failcnt, oom_events,
      oom_kill, oom_group_kill, nr_procs;
  std::map<std::string, int64_t> stat;    // memory.stat keys of interest (bytes)
  std::map<std::string, int64_t> events;  // memory.events: low, high, max, oom, oom_kill, oom_group_kill
};

struct PackProcess {
  int64_t sample = 0, pid = 0;
  std::string comm, cgroup;
  std::optional<int64_t> rss_bytes, rss_anon_bytes, rss_file_bytes, rss_shmem_bytes, pss_bytes, uss_bytes, swap_bytes;
  bool in_target = false;
};

struct PackMappings {
  int64_t sample = 0, pid = 0;
  int64_t maps = 0;
  int64_t private_dirty_bytes = 0;       // all mappings
  int64_t heap_private_dirty_bytes = 0;  // [heap]
  int64_t anon_private_dirty_bytes = 0;  // unnamed anonymous mappings
  int64_t anon_regions = 0;
  int64_t arenas = 0;                    // 64 MiB-aligned anonymous rw regions of <= 64 MiB (glibc malloc arenas)
  int64_t arena_private_dirty_bytes = 0;
  std::vector<std::pair<std::string, int64_t>> top;  // (name or "[anon]", private dirty) largest first, <= 5
};

struct PackEvidence {
  std::string path;
  std::map<std::string, std::string> meta;
  struct Sample {
    int64_t sample = 0, monotonic_usec = 0;
    std::string started_utc;
  };
  std::vector<Sample> samples;
  std::vector<std::string> target_cgroups;  // resolved targets' cgroup paths
  struct Target {
    std::string kind, value, cgroup, status;  // targets table: --pod UID -> cgroup, 'ok' or why not
  };
  std::vector<Target> targets;
  std::vector<PackCgroup> cgroups;          // targets and their ancestors, every sample
  std::vector<PackProcess> processes;       // processes in the targets, every sample
  std::vector<PackMappings> mappings;       // per (sample, pid) with smaps collected
  std::map<std::string, std::string> sysctls;  // last sample
  int64_t kernel_log_rows = 0, kernel_log_gaps = 0;
  // kernel_log_gaps rows (the first kMaxGapRows by next_seq): records lost while /dev/kmsg was
  // read. line_before: the last line of the pack's log, as analyze numbers it, read before the
  // gap (0: the gap comes before the first line).
  struct KmsgGap {
    std::optional<int64_t> after_seq;  // NULL: at the start of the read
    int64_t next_seq = 0;
    std::optional<int64_t> lost;
    uint64_t line_before = 0;
  };
  static constexpr size_t kMaxGapRows = 10000;
  std::vector<KmsgGap> gaps;
  int64_t records_lost = 0;  // sum of lost_records over every gap row
  int64_t killed_lines = 0;  // kernel_log rows with a `Killed process` line
  std::optional<int64_t> first_kmsg_seq;
  std::vector<std::pair<int64_t, int64_t>> vmstat_oom_kill;  // (sample, /proc/vmstat oom_kill)
};

// load_pack_evidence(): fails with the PackReader's error (not a pack, newer schema, I/O).
Result<PackEvidence> load_pack_evidence(const std::string& path);

// analyze_pack_kernel_log(): every kernel_log row through an OomParser named `pe.path`.
AnalyzeStats analyze_pack_kernel_log(const PackEvidence& pe, const ParserOptions& opts, EventSink& sink,
                                     std::ostream& err);

}  // namespace oomscope
