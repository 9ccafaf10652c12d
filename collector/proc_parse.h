// proc_parse.h: pure parsers for the /proc and cgroup files the collector reads.
//
// Every function here takes the file's text and returns typed values; none touches the
// filesystem (reading goes through SysRoot). Sizes are converted to bytes where parsing
// happens ("VmRSS: 1024 kB" -> 1048576). A field the file does not have (an older kernel)
// stays std::nullopt, never 0. Unknown keys are ignored.
//
// Example:
//   auto st = parse_status("Name:\tjava\nVmRSS:\t  1024 kB\nThreads:\t42\n");
//   st->name == "java"; st->vm_rss_bytes == 1048576; st->threads == 42; !st->vm_swap_bytes
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace oomscope::collector {

// NamedValue: one "name value" row (meminfo, vmstat, memory.stat, memory.events…).
struct NamedValue {
  std::string name;
  int64_t value = 0;
  bool in_bytes = false;  // meminfo: the file said "kB" and value was converted to bytes
};

// parse_meminfo(): "MemTotal:       24683768 kB" lines. Values with "kB" become bytes
// (in_bytes = true); unit-less values (HugePages_Total) are counts. Returns kParse if no
// line could be parsed.
Result<std::vector<NamedValue>> parse_meminfo(std::string_view content);

// parse_flat_keyed(): "key value" lines (vmstat, memory.stat, memory.events,
// memory.oom_control, memory.swap.events). Lines that are not "word integer" are skipped.
// Returns kParse if nothing parsed and the content was not empty.
Result<std::vector<NamedValue>> parse_flat_keyed(std::string_view content);

// CgroupValue: a single-value cgroup file ("123456\n" or "max\n").
struct CgroupValue {
  std::optional<int64_t> value;  // nullopt when the file says "max"
  bool is_max = false;
};
// parse_cgroup_value(): "max" -> is_max; a decimal -> value; anything else -> kParse.
// v1 reports "no limit" as a huge number (9223372036854771712); that stays a number.
Result<CgroupValue> parse_cgroup_value(std::string_view content);

// PsiLine: one line of a PSI file.
struct PsiLine {
  std::string kind;  // "some" | "full"
  double avg10 = 0, avg60 = 0, avg300 = 0;
  int64_t total_usec = 0;
};
// parse_psi(): "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" lines (4.20+).
Result<std::vector<PsiLine>> parse_psi(std::string_view content);

// ProcStatus: the fields of /proc/<pid>/status the pack keeps.
struct ProcStatus {
  std::string name, state;
  std::optional<int64_t> ppid, uid, threads;
  std::optional<int64_t> vm_size_bytes, vm_rss_bytes, vm_hwm_bytes, rss_anon_bytes, rss_file_bytes,
      rss_shmem_bytes, vm_swap_bytes, vm_pte_bytes;
  std::string debug_string() const;
};
// parse_status(): /proc/<pid>/status. Kernel threads have no Vm* lines (they stay nullopt).
// Returns kParse if there is no "Name:" line.
Result<ProcStatus> parse_status(std::string_view content);

// MemCounters: the "Key: N kB" counters of smaps_rollup or one smaps mapping, in bytes.
struct MemCounters {
  std::optional<int64_t> size, rss, pss, pss_anon, pss_file, pss_shmem, shared_clean, shared_dirty,
      private_clean, private_dirty, anonymous, swap, swap_pss, locked;
  std::string debug_string() const;
};
// parse_smaps_rollup(): /proc/<pid>/smaps_rollup (4.14+). The first line (an address range
// with "[rollup]") is skipped. Returns kParse when no counter was found (kernel threads
// give an empty file: that is kParse too, the caller decides).
Result<MemCounters> parse_smaps_rollup(std::string_view content);

// Mapping: one VMA of /proc/<pid>/smaps.
struct Mapping {
  std::string start, end;  // hex, as in the file
  std::string perms, dev, name;
  int64_t offset = 0;
  int64_t inode = 0;
  MemCounters mem;
};
// parse_smaps(): every mapping of /proc/<pid>/smaps, in file order. A header line is
// "00400000-00452000 r-xp 00000000 08:02 173521  /usr/bin/dbus-daemon"; the counters follow.
Result<std::vector<Mapping>> parse_smaps(std::string_view content);

// ProcStat: the fields of /proc/<pid>/stat the pack keeps.
struct ProcStat {
  char state = '?';
  int64_t ppid = 0;
  int64_t start_time_ticks = 0;  // field 22
};
// parse_proc_stat(): "/proc/<pid>/stat". The comm field may contain spaces and ')' so the
// fields are counted from the LAST ')'.
Result<ProcStat> parse_proc_stat(std::string_view content);

// CgroupMembership: one line of /proc/<pid>/cgroup: "4:memory:/kubepods/..." or "0::/...".
struct CgroupMembership {
  int64_t hierarchy_id = 0;
  std::string controllers;  // "memory", "cpu,cpuacct", "" for v2, "name=systemd"
  std::string path;
};
Result<std::vector<CgroupMembership>> parse_proc_cgroup(std::string_view content);

// memory_cgroup_path(): the memory cgroup of a process: the v1 line whose controllers
// include "memory" when `v1_memory` is true, else the v2 "0::" line. nullopt if absent.
std::optional<std::string> memory_cgroup_path(const std::vector<CgroupMembership>& lines, bool v1_memory);

// split_cmdline(): /proc/<pid>/cmdline (NUL-separated argv) -> the arguments; a trailing
// NUL is dropped, empty arguments are kept, other control bytes are kept.
std::vector<std::string> split_cmdline(std::string_view content);

// parse_btime(): "btime 1763422461" from /proc/stat, seconds since the epoch.
std::optional<int64_t> parse_btime(std::string_view proc_stat);

// parse_uptime(): the first number of /proc/uptime, in seconds.
std::optional<double> parse_uptime(std::string_view content);

}  // namespace oomscope::collector
