// collect.h: `oomscope collect` as a library call: config in, evidence pack out.
//
// collect() reads everything through one SysRoot (the live host or --root DIR), writes one
// transaction per snapshot into a PackWriter and renames the pack into place at the end.
// Failures to read single files are rows in collection_errors, never fatal. Only these end a
// collection without a pack: the output cannot be created or written (disk full), SIGINT /
// SIGTERM (`stop_flag` set), or the time limit. In every such case the temporary file is
// removed and the error says what happened.
//
// Example:
//   CollectConfig cfg;
//   cfg.root = OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd";
//   cfg.output = "/tmp/t.oompack";
//   SystemClock clock;
//   auto summary = collect(cfg, clock, nullptr, std::cerr);
//   summary->processes > 0;  // and /tmp/t.oompack is a complete pack
#pragma once

#include <csignal>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "collector/clock.h"
#include "common/result.h"

namespace oomscope::collector {

enum class SmapsMode {
  kNone,     // smaps_rollup only
  kTop,      // full smaps for the targets' processes and the top-N by RSS (default)
  kTargets,  // full smaps for the targets' processes only
  kAll,      // full smaps for every collected process (slow on big hosts)
};

struct CollectConfig {
  std::string root = "/";
  std::string output;                 // final pack path; "" = default name in the current directory
  bool overwrite = false;             // --force: replace an existing file at `output`
  std::vector<int64_t> pids;          // --pid
  std::vector<std::string> cgroups;   // --cgroup (memory cgroup paths)
  std::vector<std::string> pods;      // --pod (Kubernetes pod UIDs)
  std::vector<std::string> containers;  // --container (container ids)
  std::vector<std::string> kernel_logs;  // --kernel-log FILE: instead of /dev/kmsg
  int samples = 1;                    // --samples
  double interval_sec = 0;            // --interval
  SmapsMode smaps = SmapsMode::kTop;  // --smaps
  int smaps_top = 20;                 // --smaps-top
  bool redact = true;                 // --no-redact turns it off
  double time_limit_sec = 300;        // --time-limit; 0 = none
  // --kernel-log-max-records: /dev/kmsg records read at most (a log flood that outruns the
  // reader would otherwise go on until the time limit); reaching it is a collection error.
  uint64_t kmsg_max_records = 2'000'000;
  size_t max_cgroups = 20000;         // bound on the whole-host cgroup walk
  // Threads that open and read the per-process files and the full smaps while the calling
  // thread parses and writes the pack (rows come out in the same order either way).
  // -1: 2 when this process may run on 2 or more CPUs, else 0; 0: everything on one thread.
  int reader_threads = -1;
  std::string command_line;           // for meta
};

struct CollectSummary {
  std::string path;  // the pack
  int64_t pack_bytes = 0;
  int64_t processes = 0;  // process rows, all samples
  int64_t cgroups = 0;    // cgroup rows, all samples
  int64_t mappings = 0;
  int64_t kernel_log_records = 0;
  int64_t collection_errors = 0;
  int64_t redacted_values = 0;
  int64_t raw_files = 0;
  int64_t duration_usec = 0;
};

// default_pack_name(): "oomscope-<host>-<yyyymmddThhmmssZ>.oompack"; unsafe characters of
// the host name become '_'.
std::string default_pack_name(std::string_view host, int64_t utc_usec);

// collect(): see the header comment. `stop_flag` (may be null) is polled between files; when
// it becomes non-zero the collection is abandoned with kInterrupted. Progress notes and
// warnings go to `diag`.
Result<CollectSummary> collect(const CollectConfig& config, const Clock& clock, const volatile std::sig_atomic_t* stop_flag,
                               std::ostream& diag);

}  // namespace oomscope::collector
