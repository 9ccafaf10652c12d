// report_lines.h: classify one kernel message and extract its fields.
//
// Each OOM report line kind has one extractor; each extractor takes the message text (the
// transport prefix already removed by parse_prefix()) and fills the part of an OomEvent it
// is about. Fields are read by name (`key=value`, `key:value`), in any order, so kernels
// that reorder or add fields keep parsing. Task-table columns are mapped from the header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/event.h"

namespace oomscope {

enum class LineKind : uint8_t {
  kOther,
  kTrigger,        // "<comm> invoked oom-killer: gfp_mask=…"; 2.6.1x "oom-killer: gfp_mask=…"
  kCpuLine,        // "CPU: 1 PID: 42 Comm: x Not tainted 6.1.0 #1" / "Pid: 42, comm: x …"
  kHardware,       // "Hardware name: …"
  kCallTrace,      // "Call Trace:" / "Call trace:" / "Backtrace:"
  kCpusetLine,     // "<comm> cpuset=/ mems_allowed=0" (before 4.19)
  kTaskIn,         // "Task in /a killed as a result of limit of /b" (v1, before 5.0)
  kLimitReached,   // "Memory limit reached of cgroup /b"
  kMemcgCounter,   // "memory: usage …", "memory+swap: usage …", "kmem: usage …", "swap: usage …"
  kStatsHeader,    // "Memory cgroup stats for /a:" (+ v1 "cache:0KB rss:…" on the same line)
  kMemInfo,        // "Mem-Info:"
  kSlabHeader,     // "Unreclaimable slab info:"
  kTasksState,     // "Tasks state (memory values in pages):"
  kTableHeader,    // "[ pid ]   uid  tgid total_vm      rss …"
  kTableRow,       // "[  16304]     0 16304    18790 …"
  kSummary,        // "oom-kill:constraint=…"
  kSelect,         // "Out of memory: Kill process N (x) score S or sacrifice child"
  kKilled,         // "…: Killed process N (x) total-vm:…"
  kGroup,          // "Tasks in /a are going to be killed due to memory.oom.group set"
  kReaper,         // "oom_reaper: reaped process N (x), now anon-rss:…"
  kSuppressed,     // "oom_kill_process: N callbacks suppressed"
  kPanic,          // "Kernel panic - not syncing: …"
  kNoKillable,     // "Out of memory and no killable processes..."
  kExiting,        // "OOM victim N (x) is already exiting. Skip killing the task"
  kWarnAlloc,      // "x: page allocation failure: order:…" / "vmemmap alloc failure" (not an OOM)
  kSysrq,          // "SysRq : Manual OOM execution"
};

const char* line_kind_name(LineKind k);

// classify(): the kind of a message (leading blanks already removed).
LineKind classify(std::string_view text);

// Extractors: each returns false when the line does not have the expected shape.
bool parse_trigger(std::string_view text, Trigger& out);
bool parse_cpu_line(std::string_view text, std::optional<int64_t>& pid, std::optional<std::string>& comm,
                    std::optional<std::string>& kernel);
bool parse_memcg_counter(std::string_view text, Memcg& m);
// parse_stats_header(): path and, for the <=5.2 one-line format, the KB values as bytes.
bool parse_stats_header(std::string_view text, std::string& path, std::vector<std::pair<std::string, uint64_t>>& kv);
// parse_stat_kv(): "anon 98742272" -> {"anon", 98742272}.
bool parse_stat_kv(std::string_view text, std::string_view& key, uint64_t& value);
bool parse_summary(std::string_view text, OomEvent& ev, bool& cut);
bool parse_killed(std::string_view text, Killed& k);
bool parse_select(std::string_view text, Killed& k);
bool parse_reaper(std::string_view text, Reaped& r);
bool parse_task_in(std::string_view text, std::string& task_memcg, std::string& oom_memcg);
// parse_table_header(): column names after the "[ pid ]" cell, e.g. {"uid","tgid",…,"name"}.
bool parse_table_header(std::string_view text, std::vector<std::string>& columns);
// TaskColumn: a task-table column, mapped once per header (rows are hot).
enum class TaskColumn : uint8_t { kUnknown, kUid, kTgid, kTotalVm, kRss, kRssAnon, kRssFile, kRssShmem,
                                  kPgtablesBytes, kNrPtes, kSwapents, kOomScoreAdj, kName };
// map_columns(): header names -> TaskColumn ("nr_pmds", "cpu", "oom_adj"… are kUnknown).
std::vector<TaskColumn> map_columns(const std::vector<std::string>& names);
// parse_table_row(): maps values by `columns` (empty: inferred from the number of values).
bool parse_table_row(std::string_view text, const std::vector<TaskColumn>& columns, Task& t);
bool parse_table_row(std::string_view text, const std::vector<std::string>& columns, Task& t);
// parse_frame(): the function name of a stack frame line, or empty.
std::string_view parse_frame(std::string_view text);

}  // namespace oomscope
