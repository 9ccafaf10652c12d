// report.h: findings about the whole input, not about one OOM event.
//
// Some evidence of a kill has no kernel report to hang on: a cgroup whose oom_kill counter is
// higher than the number of kernel kill records for it in the pack's kernel log, a container
// that Kubernetes says was OOMKilled (or ended with exit code 137) with no kernel OOM event
// for it in the input, a pod the kubelet evicted. find_report() makes those findings once all
// inputs are read, from a digest of every event (ReportFacts) and the same FindingContext the
// per-event rules use (--pods, the pack's tables). They are produced when no OOM event was
// found at all: that is often exactly the case they explain.
//
// Rules (one file each, docs/findings.md "Report findings"):
//   report_pack.cc   oom_kill_no_kernel_record
//   report_pods.cc   oomkilled_no_kernel_record, sigkill_not_oom, pod_evicted
//
// Example (tests/analyzer/findings/data/nolog-memcg-oom-cgroupv1-6.18.oompack: a real memcg OOM
// collected with a kernel log that lacks its report):
//   ReportFacts facts;            // fed by ReportRecorder while the pack's log is analyzed
//   auto f = find_report(facts, {.pack = &pe});
//   // f[0].id == "oom_kill_no_kernel_record", f[0].data["oom_kill"] == 1,
//   // f[0].data["kernel_kill_records"] == 0
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/event.h"
#include "analyzer/findings/finding.h"
#include "analyzer/oom_parser.h"

namespace oomscope {

// EventDigest: what the report rules need of the events of one (file, cgroup, pod, container):
// events with the same key are merged (kills summed; the first event's line, time and victims
// kept), so the digest grows with the number of distinct cgroups, not of events.
struct EventDigest {
  std::string file;                        // SourceSpan::file (the pack path for a pack's log)
  uint64_t first_line = 0;
  std::optional<std::string> timestamp;
  std::optional<std::string> task_memcg, oom_memcg, stats_path;
  std::string pod_uid, container_id;       // from the memcg paths / cpuset (kubernetes.h)
  size_t kills = 0;                        // `Killed process` lines of the events
  size_t events = 0;                       // events merged into this digest
  std::vector<std::string> victims;        // "comm (pid N)", at most 4
};

// ReportFacts: the digests of every event, in bounded memory. At most kMaxDigests distinct
// keys are kept (an OOM storm of 65 536 events across a few cgroups keeps a few digests);
// the events of further keys only add their kills to one digest per file with no cgroup,
// which report_pack counts as unattributed (it then claims less), and set overflowed(), on
// which the --pods rules stop claiming that no kernel record exists.
class ReportFacts {
 public:
  static constexpr size_t kMaxDigests = 4096;
  // digest(): one event's digest (events = 1), made apart from the other events: on any
  // thread, e.g. the parser thread that closed it (analyze_parallel). add() merges digests in
  // the events' order.
  static EventDigest digest(const OomEvent& ev);
  void add(EventDigest&& d);
  void add(const OomEvent& ev) { add(digest(ev)); }
  const std::vector<EventDigest>& events() const { return events_; }
  bool overflowed() const { return overflowed_; }

 private:
  std::vector<EventDigest> events_;
  std::map<std::string, size_t, std::less<>> index_;  // key -> position in events_
  bool overflowed_ = false;
  std::string key_;  // add()'s key of the current digest (a buffer kept across events)
};

// ReportRecorder: an EventSink that digests each event into `facts` and passes it on.
class ReportRecorder : public EventSink {
 public:
  ReportRecorder(EventSink& next, ReportFacts& facts) : next_(next), facts_(facts) {}
  void on_event(OomEvent&& ev) override {
    facts_.add(ev);
    next_.on_event(std::move(ev));
  }
  bool reuse(EventBuffers& out) override { return next_.reuse(out); }

 private:
  EventSink& next_;
  ReportFacts& facts_;
};

// find_report(): every report finding, most severe first.
std::vector<Finding> find_report(const ReportFacts& facts, const FindingContext& ctx);

namespace findings {
using ReportRule = void (*)(const ReportFacts& facts, const FindingContext& ctx, std::vector<Finding>& out);
void oom_kill_no_kernel_record(const ReportFacts& facts, const FindingContext& ctx, std::vector<Finding>& out);  // report_pack.cc
void pod_terminations(const ReportFacts& facts, const FindingContext& ctx, std::vector<Finding>& out);          // report_pods.cc

// cgroup_path_matches(): the kernel's path for a cgroup and the pack's may differ by a
// cgroup-namespace prefix; equal, or one ends with the other at a '/' boundary.
bool cgroup_path_matches(const std::string& kernel_path, const std::string& pack_path);
}  // namespace findings

}  // namespace oomscope
