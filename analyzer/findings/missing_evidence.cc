// missing_evidence: what the log does not show, said out loud, one finding each:
//   no_task_table    vm.oom_dump_tasks=0 (or the table was filtered out)
//   rate_limited     a bare `Killed process` line: the report was rate limited
//   panic            the kernel panicked (panic_on_oom, or no killable process)
//   partial_report   the excerpt starts or stops inside the report
//   kill_not_logged  the reaper names a victim the log has no `Killed process` line for
//   victim_exiting   no kill: the chosen victim was already exiting (and no kill was counted)
#include <string>

#include "analyzer/findings/facts.h"
#include "analyzer/findings/rules.h"

namespace oomscope::findings {

namespace {
bool has(const OomEvent& ev, std::string_view what) {
  for (const auto& m : ev.missing)
    if (m == what) return true;
  return false;
}
}  // namespace

void missing_evidence(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out) {
  const ReportLineIndex& lines = facts_of(ctx).lines;
  const bool trigger = !has(ev, "trigger");
  const bool bare_kill = !trigger && !ev.victims.empty() && !ev.memcg && !ev.mem_info && !ev.has_task_table &&
                         !ev.constraint && !ev.global_oom;
  if (ev.suppressed_callbacks || bare_kill) {
    Finding f = event_finding("rate_limited", Severity::kWarning, "Rate-limited report");
    f.verdict = "Only the `Killed process` line was printed: the kernel rate-limits OOM reports (10 per 5 s), so this "
                "kill has no report of its own";
    if (ev.suppressed_callbacks) {
      f.verdict = std::to_string(*ev.suppressed_callbacks) + " OOM reports were suppressed before this one (rate limit: 10 per 5 s)";
      f.data["suppressed_callbacks"] = *ev.suppressed_callbacks;
    }
    f.evidence.push_back(bare_kill ? "no trigger, memory state, task table or oom-kill: line, only the kill"
                                   : "`oom_kill_process: N callbacks suppressed` before this report");
    f.next_step = "Read the first complete report of the burst (it describes the same cgroup most of the time); count "
                  "the kills with memory.events oom_kill or /proc/vmstat oom_kill. A burst of OOMs means a restart "
                  "loop or a fork storm.";
    quote_victim(f, ev, lines);
    out.push_back(std::move(f));
  }
  if (!ev.has_task_table && trigger && (ev.memcg || ev.mem_info) && !ev.victims.empty()) {
    Finding f = event_finding("no_task_table", Severity::kInfo, "No task table");
    f.verdict = "The report has no task table: vm.oom_dump_tasks was 0 (or the lines were filtered out), so the "
                "per-process memory is unknown";
    f.evidence.push_back("trigger, memory state and kill are present; no `[ pid ]` rows between them");
    f.next_step = "sysctl -w vm.oom_dump_tasks=1 and persist it in /etc/sysctl.d; until the next OOM, only the "
                  "victim's own figures (the Killed process line) are known.";
    quote_contains(f, lines, "invoked oom-killer");
    quote_victim(f, ev, lines);
    out.push_back(std::move(f));
  }
  if (ev.panic) {
    Finding f = event_finding("panic", Severity::kCritical, "Kernel panic");
    const bool on_oom = ev.panic->find("panic_on_oom") != std::string::npos;
    f.verdict = on_oom ? "The kernel panicked on this OOM because vm.panic_on_oom is set: the machine rebooted"
                       : "The kernel panicked: " + *ev.panic;
    f.evidence.push_back(*ev.panic);
    if (ev.end_reason) f.evidence.push_back(*ev.end_reason);
    f.data["panic"] = *ev.panic;
    f.data["panic_on_oom"] = on_oom;
    f.next_step = std::string(on_oom ? "Decide whether vm.panic_on_oom should stay set. " : "") +
                  "What followed the panic is not in this log: read pstore (/sys/fs/pstore), kdump's vmcore-dmesg, or "
                  "the serial/netconsole log" +
                  (on_oom ? "." : "; `no killable processes` means every remaining task had oom_score_adj -1000 or was exiting.");
    quote_prefix(f, lines, "Kernel panic");
    quote_contains(f, lines, "no killable processes");
    out.push_back(std::move(f));
  }
  if (!trigger || ev.truncated) {
    Finding f = event_finding("partial_report", Severity::kInfo, "Partial report");
    std::string miss;
    for (const auto& m : ev.missing) miss += (miss.empty() ? "" : ", ") + m;
    f.verdict = std::string(ev.truncated ? "The report is cut before the kill" : "The report starts in the middle") +
                " (missing: " + miss + "); findings that need those parts are not made";
    f.evidence.push_back("lines " + std::to_string(ev.source.first_line) + "-" + std::to_string(ev.source.last_line) +
                         " of " + ev.source.file);
    f.data["missing"] = ev.missing;
    f.data["truncated"] = ev.truncated;
    f.next_step = "Get the whole report: dmesg/journalctl -k around that time on the node, or `oomscope collect` "
                  "(it reads /dev/kmsg); a ring buffer that wrapped loses the start of long reports.";
    out.push_back(std::move(f));
  }
  if (ev.victims.empty() && !ev.reaped.empty()) {
    Finding f = event_finding("kill_not_logged", Severity::kInfo, "Victim known only from the reaper");
    const Reaped& r = ev.reaped.front();
    f.verdict = "No `Killed process` line, but oom_reaper reaped " + r.comm + " (pid " + std::to_string(r.pid) +
                "): that was the victim";
    f.evidence.push_back("oom_reaper: reaped process " + std::to_string(r.pid) + " (" + r.comm + ")");
    f.data["pid"] = r.pid;
    f.data["comm"] = r.comm;
    f.next_step = "The victim line was lost or filtered; the reaper line is the evidence of the kill.";
    quote_prefix(f, lines, "oom_reaper:");
    out.push_back(std::move(f));
  }
  if (ev.end_reason && ev.end_reason->find("already exiting") != std::string::npos) {
    // "<prefix>: OOM victim 46452 (nginx) is already exiting. Skip killing the task": printed by
    // __oom_kill_process() (Linux 5.9+) when the chosen victim has no mm left. It returns before
    // the SIGKILL and before count_vm_event(OOM_KILL)/memcg_memory_event_mm(MEMCG_OOM_KILL):
    // nothing is killed and no oom_kill counter is raised for it.
    Finding f = event_finding("victim_exiting", Severity::kInfo, "Victim already exiting");
    const std::string& line = *ev.end_reason;
    std::string who = "the chosen task";
    if (size_t v = line.find("OOM victim "); v != std::string::npos) {
      int64_t pid = 0;
      size_t p = v + 11, open = line.find(" (", p), close = line.find(") is already exiting", p);
      if (open != std::string::npos && close != std::string::npos && close > open) {
        try {
          pid = std::stoll(line.substr(p, open - p));
        } catch (...) {
          pid = 0;
        }
        std::string comm = line.substr(open + 2, close - open - 2);
        if (pid > 0) {
          f.data["pid"] = pid;
          f.data["comm"] = comm;
          who = comm + " (pid " + std::to_string(pid) + ")";
        }
      }
    }
    f.verdict = "No kill: the OOM killer chose " + who + ", but it had already released its memory (it was exiting), so "
                "the kernel skipped it: no SIGKILL, and no oom_kill counter counts it";
    f.evidence.push_back(line);
    f.evidence.push_back("printed by __oom_kill_process() (Linux 5.9+) when the victim has no mm left; the kernel "
                         "returns before sending SIGKILL and before raising /proc/vmstat and memory.events oom_kill");
    f.next_step = "The exit frees the memory; find what made the process exit (its own exit, an earlier OOM kill of "
                  "its group, a SIGKILL from elsewhere). If the cgroup stays full, the next report in the log is the "
                  "one to read.";
    quote_contains(f, lines, "already exiting");
    out.push_back(std::move(f));
  }
}

}  // namespace oomscope::findings
