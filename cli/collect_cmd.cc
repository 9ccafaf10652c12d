// collect_cmd.cc: `oomscope collect`: options -> CollectOptions -> CollectConfig -> collect().
//
// Exit codes: 0 the pack was written (files that could not be read are listed in its
// collection_errors table and counted on stderr), 2 bad usage or a failed collection (no pack
// left behind), 130 SIGINT/SIGTERM (no pack left behind).
#include <signal.h>

#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "collector/collect.h"
#include "collector/redact.h"

namespace oomscope::cli {

namespace {

namespace po = boost::program_options;

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int) { g_stop = 1; }

// Installs SIGINT/SIGTERM handlers for the duration of a collection (no SA_RESTART: a
// sleep between samples wakes up at once).
class StopSignals {
 public:
  StopSignals() {
    struct sigaction sa{};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_{}, old_term_{};
};

// CollectOptions: the command line as parsed, before validation.
struct CollectOptions {
  std::string output, root = "/", smaps = "top";
  std::vector<int64_t> pids;
  std::vector<std::string> cgroups, pods, containers, kernel_logs;
  int samples = 1, smaps_top = 20;
  double interval = 0, time_limit = 300;
  uint64_t kmsg_max_records = 2'000'000;
  bool no_redact = false, force = false, help = false;
};

po::options_description describe(CollectOptions& o) {
  po::options_description d(
      "Usage: oomscope collect [-o PACK] [--root DIR] [--pid N]... [--cgroup PATH]... [--pod UID]...\n"
      "                        [--container ID]... [--kernel-log FILE]... [--samples N --interval SECONDS]\n"
      "                        [--smaps MODE] [--no-redact] [--time-limit SECONDS] [--kernel-log-max-records N]\n\n"
      "Bundle this node's OOM evidence (kernel log, /proc, cgroups, processes) into one SQLite\n"
      "evidence pack, mode 0600, written atomically. With no target: the whole host.\n\n"
      "Options");
  d.add_options()
      ("help,h", po::bool_switch(&o.help), "show this help")
      ("output,o", po::value(&o.output)->value_name("PACK"),
       "pack path (default: oomscope-<host>-<yyyymmddThhmmssZ>.oompack in the current directory); '-' is refused")
      ("force", po::bool_switch(&o.force), "replace an existing file at PACK")
      ("root", po::value(&o.root)->value_name("DIR"), "read DIR/proc, DIR/sys and DIR/dev/kmsg instead of /proc, /sys, /dev/kmsg")
      ("pid", po::value(&o.pids)->value_name("N")->composing(), "target: process N and its memory cgroup (repeatable)")
      ("cgroup", po::value(&o.cgroups)->value_name("PATH")->composing(),
       "target: memory cgroup PATH as in /proc/<pid>/cgroup, e.g. /kubepods.slice/... (repeatable)")
      ("pod", po::value(&o.pods)->value_name("UID")->composing(), "target: the cgroup of Kubernetes pod UID (repeatable)")
      ("container", po::value(&o.containers)->value_name("ID")->composing(),
       "target: the cgroup of container ID, full or >= 12 chars (containerd, CRI-O, docker) (repeatable)")
      ("kernel-log", po::value(&o.kernel_logs)->value_name("FILE")->composing(),
       "take the kernel log from FILE (dmesg, syslog, journalctl output) instead of /dev/kmsg (repeatable)")
      ("samples", po::value(&o.samples)->value_name("N"), "take N snapshots (default 1)")
      ("interval", po::value(&o.interval)->value_name("SECONDS"), "seconds between snapshots (default 0)")
      ("smaps", po::value(&o.smaps)->value_name("MODE"),
       "full smaps for: top (targets' processes + top-N by RSS, default), targets, all, none")
      ("smaps-top", po::value(&o.smaps_top)->value_name("N"), "N for --smaps top (default 20)")
      ("no-redact", po::bool_switch(&o.no_redact), "keep secrets in command lines (they are redacted by default)")
      ("time-limit", po::value(&o.time_limit)->value_name("SECONDS"), "give up after SECONDS (default 300, 0 = none)")
      ("kernel-log-max-records", po::value(&o.kmsg_max_records)->value_name("N"),
       "read at most N /dev/kmsg records (default 2000000; a flood that outruns the reader stops there, "
       "recorded in collection_errors)");
  return d;
}

}  // namespace

int run_collect(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CollectOptions o;
  po::options_description desc = describe(o);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
  po::notify(vm);
  if (o.help) {
    out << desc << "\nExit codes: 0 pack written, 2 error (no pack), 130 interrupted (no pack).\n";
    return exit_code::kFound;
  }

  collector::CollectConfig cfg;
  auto usage_error = [&](const std::string& msg) {
    err << "oomscope collect: " << msg << "\n(see 'oomscope collect --help')\n";
    return exit_code::kError;
  };
  if (vm.count("output") && (o.output.empty() || o.output == "-")) {
    return usage_error("a pack is a file: -o needs a path, not '-'");
  }
  if (o.samples < 1) return usage_error("--samples must be at least 1");
  if (o.interval < 0 || o.interval > 86400) return usage_error("--interval must be between 0 and 86400 seconds");
  if (o.time_limit < 0) return usage_error("--time-limit must be >= 0");
  if (o.smaps_top < 0) return usage_error("--smaps-top must be >= 0");
  for (int64_t p : o.pids) {
    if (p <= 0) return usage_error("--pid must be a positive process id");
  }
  if (o.smaps == "top") {
    cfg.smaps = collector::SmapsMode::kTop;
  } else if (o.smaps == "targets") {
    cfg.smaps = collector::SmapsMode::kTargets;
  } else if (o.smaps == "all") {
    cfg.smaps = collector::SmapsMode::kAll;
  } else if (o.smaps == "none") {
    cfg.smaps = collector::SmapsMode::kNone;
  } else {
    return usage_error("--smaps must be one of top, targets, all, none");
  }
  cfg.root = o.root.empty() ? "/" : o.root;
  cfg.output = o.output;
  cfg.overwrite = o.force;
  cfg.pids = o.pids;
  cfg.cgroups = o.cgroups;
  cfg.pods = o.pods;
  cfg.containers = o.containers;
  cfg.kernel_logs = o.kernel_logs;
  cfg.samples = o.samples;
  cfg.interval_sec = o.interval;
  cfg.smaps_top = o.smaps_top;
  cfg.redact = !o.no_redact;
  cfg.time_limit_sec = o.time_limit;
  if (o.kmsg_max_records == 0) return usage_error("--kernel-log-max-records must be >= 1");
  cfg.kmsg_max_records = o.kmsg_max_records;
  cfg.command_line = "oomscope";
  for (int i = 0; i < argc; ++i) {
    cfg.command_line += ' ';
    cfg.command_line += argv[i];
  }
  // Our own command line could carry a secret too (a --kernel-log path with a token in it…).
  collector::Redactor r(cfg.redact);
  cfg.command_line = r.redact_text(cfg.command_line);

  collector::SystemClock clock;
  g_stop = 0;
  StopSignals signals;
  auto summary = collector::collect(cfg, clock, &g_stop, err);
  if (!summary) {
    const Error& e = summary.error();
    if (e.code == ErrorCode::kInterrupted && g_stop) {
      err << "oomscope collect: interrupted; no pack written (temporary file removed)\n";
      return exit_code::kInterrupted;
    }
    err << "oomscope collect: " << e.message << "; no pack written\n";
    return exit_code::kError;
  }
  const auto& s = *summary;
  out << s.path << "\n";
  err << "oomscope collect: wrote " << s.path << " (" << s.pack_bytes << " bytes) in " << s.duration_usec / 1000
      << " ms: " << s.processes << " process rows, " << s.cgroups << " cgroup rows, " << s.mappings
      << " mappings, " << s.kernel_log_records << " kernel log records, " << s.raw_files << " raw files, "
      << s.redacted_values << " values redacted, " << s.collection_errors
      << " collection errors (see table collection_errors)\n";
  return exit_code::kFound;
}

}  // namespace oomscope::cli
