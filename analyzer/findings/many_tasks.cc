// many_tasks: the memory is spread over many processes of one name (a worker pool or a fork
// storm) rather than held by one process: killing one frees little and the OOM repeats.
#include <algorithm>
#include <array>
#include <optional>

#include "analyzer/findings/facts.h"
#include "analyzer/findings/rules.h"
#include "analyzer/summary.h"

namespace oomscope::findings {

namespace {
constexpr size_t kMinTasks = 8;          // processes of one name
constexpr double kMinShare = 0.5;        // of the limit (or of the whole table)
constexpr double kMaxLargestShare = 0.25;  // no single member holds more than this of the group

struct Group {
  size_t n = 0;
  uint64_t sum = 0, largest = 0;
  std::vector<int64_t> pids;
};

// some_name_repeats(): whether kMinTasks rows may share a name. Names are counted by a bucket
// of their length and first and last bytes (rows of one name share a bucket): when no bucket
// reaches kMinTasks, no name does, and the table (most have few repeated names) needs no sort.
bool some_name_repeats(const std::vector<Task>& tasks) {
  std::array<uint8_t, 256> rows{};
  for (const Task& t : tasks) {
    const std::string_view n = t.name;
    const unsigned first = n.empty() ? 0 : static_cast<unsigned char>(n.front());
    const unsigned last = n.empty() ? 0 : static_cast<unsigned char>(n.back());
    if (++rows[(first * 7 + last * 3 + n.size()) & 0xff] == kMinTasks) return true;
  }
  return false;
}

}  // namespace

void many_tasks(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out) {
  const ReportLineIndex& lines = facts_of(ctx).lines;
  if (ev.tasks.size() < kMinTasks || facts_of(ctx).manual_oom || !some_name_repeats(ev.tasks)) return;
  // Anonymous pages when the table has the column (file pages shared by the group would be
  // counted once per process), else rss.
  bool use_anon = std::all_of(ev.tasks.begin(), ev.tasks.end(), [](const Task& t) { return t.rss_anon_pages.has_value(); });
  auto held = [&](const Task& t) {
    auto v = use_anon ? task_anon_bytes(ev, t) : task_rss_bytes(ev, t);
    return v.value_or(0) + t.swapents.value_or(0) * page_size_of(ev).bytes;
  };
  // The rows by name (a stable sort: each name's rows stay in table order), so that each
  // group is one run: no map of strings per event.
  std::vector<const Task*> by_name;
  by_name.reserve(ev.tasks.size());
  uint64_t table_total = 0;
  for (const Task& t : ev.tasks) {
    by_name.push_back(&t);
    table_total += held(t);
  }
  std::stable_sort(by_name.begin(), by_name.end(), [](const Task* a, const Task* b) { return bytes_less(a->name, b->name); });
  const MemBreakdown& b = facts_of(ctx).breakdown;
  std::optional<uint64_t> denom = b.denominator();
  if (!denom) denom = table_total;
  // The largest qualifying group; groups are visited in name order and a tie keeps the first.
  std::optional<Group> best_group;
  const std::string* best = nullptr;  // its name
  for (size_t i = 0, end; i < by_name.size(); i = end) {
    const std::string& name = by_name[i]->name;
    end = i + 1;
    while (end < by_name.size() && by_name[end]->name == name) ++end;
    if (end - i < kMinTasks || *denom == 0) continue;
    Group g;
    for (size_t k = i; k < end; ++k) {
      const Task& t = *by_name[k];
      const uint64_t x = held(t);
      ++g.n;
      g.sum += x;
      g.largest = std::max(g.largest, x);
      if (t.pid && g.pids.size() < 3) g.pids.push_back(*t.pid);
    }
    double share = static_cast<double>(g.sum) / static_cast<double>(*denom);
    if (share < kMinShare || g.sum == 0) continue;
    if (static_cast<double>(g.largest) > kMaxLargestShare * static_cast<double>(g.sum)) continue;
    if (!best_group || g.sum > best_group->sum) {
      best_group = std::move(g);
      best = &name;
    }
  }
  if (!best_group) return;
  const Group& g = *best_group;
  const std::string denom_label = b.denominator() ? b.denominator_label()
                                                  : human_bytes(table_total) + " held by all listed processes";
  double share = static_cast<double>(g.sum) / static_cast<double>(*denom);
  const std::string what = use_anon ? "anon" : "rss";
  Finding f = event_finding("many_tasks", Severity::kWarning, "Many processes of one name");
  f.verdict = std::to_string(g.n) + " processes named " + *best + " hold " + human_bytes(g.sum) + " " + what + " (" +
              pct(share) + " of the " + denom_label + "); the largest holds only " + human_bytes(g.largest) +
              ": a worker pool or fork storm, not one leaking process";
  f.evidence.push_back(std::to_string(g.n) + " of the " + std::to_string(ev.tasks.size()) + " listed processes are named " +
                       *best);
  f.evidence.push_back("together " + human_bytes(g.sum) + " " + what + (use_anon ? "" : " (+ swap; shared file pages count once per process)") +
                       " = " + pct(share) + " of the " + denom_label + "; largest single process " + human_bytes(g.largest));
  if (ev.killed && ev.killed->comm && *ev.killed->comm == *best)
    f.evidence.push_back("the victim is one of them: killing it frees about " + human_bytes(g.largest) +
                         " or less, so the OOM is likely to repeat");
  f.data["name"] = *best;
  f.data["tasks"] = g.n;
  f.data["listed_tasks"] = ev.tasks.size();
  f.data["measure"] = what;
  f.data["group_bytes"] = g.sum;
  f.data["group_share"] = share;
  f.data["largest_task_bytes"] = g.largest;
  f.next_step = "Cap the number of " + *best +
                " processes (worker/pool size, pm.max_children, gunicorn --workers, a fork-bomb guard: pids.max on the "
                "cgroup) or budget the limit as workers x per-worker peak; look for what spawns them if the count was "
                "not intended.";
  quote_contains(f, lines, "Tasks state");
  for (int64_t pid : g.pids) quote_task(f, lines, pid);
  quote_victim(f, ev, lines);
  out.push_back(std::move(f));
}

}  // namespace oomscope::findings
