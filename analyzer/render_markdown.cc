#include "analyzer/render_markdown.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "analyzer/findings/facts.h"
#include "analyzer/findings/finding.h"
#include "analyzer/summary.h"

namespace oomscope {

namespace {
constexpr size_t kTopTasks = 10;
constexpr size_t kMaxQuoted = 60;  // kernel lines quoted per event

std::string victim_name(const OomEvent& ev) {
  if (!ev.killed) return "";
  return ev.killed->comm.value_or("?") + " (pid " + (ev.killed->pid ? std::to_string(*ev.killed->pid) : "?") + ")";
}
}  // namespace

std::string md_cell(std::string_view s) {
  std::string r;
  for (char c : s) {
    if (c == '|') r += "\\|";
    else if (c == '\n' || c == '\r') r += ' ';
    else r += c;
  }
  return r;
}

void MarkdownRenderer::begin() { os_ << "# OOM report (oomscope)\n\n"; }

void MarkdownRenderer::event(const OomEvent& ev) {
  ++n_;
  if (!ev.complete) ++incomplete_;
  std::vector<Finding> fs = find_all(ev, opts_.findings);
  std::ostream& o = os_;
  std::string victim = victim_name(ev);
  o << "## OOM event " << n_ << ": " << (victim.empty() ? std::string("no kill in the log") : victim + " killed") << "\n\n";
  // The summary line: the most severe finding's verdict.
  if (!fs.empty()) o << "**" << md_cell(fs[0].verdict) << "**\n\n";
  o << "- source: `" << ev.source.file << "` lines " << ev.source.first_line << "-" << ev.source.last_line
    << (ev.complete ? "" : " (partial report)") << "\n";
  if (ev.host) o << "- host: `" << *ev.host << "`\n";
  if (ev.timestamp) o << "- time: " << *ev.timestamp << "\n";
  if (ev.monotonic_s) {
    char b[48];
    std::snprintf(b, sizeof b, "%.3f", *ev.monotonic_s);
    o << "- seconds after boot: " << b << "\n";
  }
  if (ev.kernel) o << "- kernel: `" << *ev.kernel << "`\n";
  if (ev.memcg && ev.memcg->oom_memcg) o << "- memcg whose limit was hit: `" << *ev.memcg->oom_memcg << "`\n";
  if (ev.trigger.comm) o << "- allocating task: `" << *ev.trigger.comm << "`" << (ev.trigger.order ? " order=" + std::to_string(*ev.trigger.order) : "") << "\n";
  Composition c = composition(ev);
  if (!c.basis.empty()) {
    o << "- memory (" << c.basis << "):";
    auto part = [&](const char* name, const std::optional<uint64_t>& v) {
      if (v) o << " " << name << " " << human_bytes(*v) << ",";
    };
    part("anon", c.anon_bytes);
    part("file", c.file_bytes);
    part("shmem", c.shmem_bytes);
    part("kernel", c.kernel_bytes);
    if (c.swap_bytes && *c.swap_bytes) part("swap", c.swap_bytes);
    if (c.limit_bytes) o << " of " << limit_phrase(c);
    o << "\n";
  }
  o << "\n";
  if (!fs.empty()) {
    o << "### Findings\n\n| Severity | Finding | Verdict | Next step |\n|---|---|---|---|\n";
    for (const Finding& f : fs)
      o << "| " << severity_name(f.severity) << " | `" << f.id << "` | " << md_cell(f.verdict) << " | "
        << md_cell(f.next_step) << " |\n";
    o << "\n### Evidence\n\n";
    for (const Finding& f : fs) {
      o << "- `" << f.id << "`\n";
      for (const std::string& e : f.evidence) o << "  - " << md_cell(e) << "\n";
    }
    o << "\n";
  }
  if (!ev.tasks.empty()) {
    PageSize ps = page_size_of(ev);
    std::vector<const Task*> top;
    for (const Task& t : ev.tasks) top.push_back(&t);
    std::stable_sort(top.begin(), top.end(),
                     [](const Task* a, const Task* b) { return a->rss_pages.value_or(0) > b->rss_pages.value_or(0); });
    if (top.size() > kTopTasks) top.resize(kTopTasks);
    // The victim is always shown, even when it is small (that is often the point).
    if (const Task* v = findings::victim_task(ev); v && std::find(top.begin(), top.end(), v) == top.end()) top.push_back(v);
    o << "### Top tasks (" << top.size() << " of " << ev.tasks.size() << ", by rss, with the victim" << (ps.assumed ? ", 4 KiB pages assumed" : "")
      << ")\n\n| pid | name | rss | anon | swap | oom_score_adj | |\n|---:|---|---:|---:|---:|---:|---|\n";
    for (const Task* t : top) {
      bool is_victim = ev.killed && ev.killed->pid && t->pid && *t->pid == *ev.killed->pid;
      o << "| " << (t->pid ? std::to_string(*t->pid) : "?") << " | `" << md_cell(t->name) << "` | "
        << human_bytes(t->rss_pages.value_or(0) * ps.bytes) << " | "
        << (t->rss_anon_pages ? human_bytes(*t->rss_anon_pages * ps.bytes) : "-") << " | "
        << human_bytes(t->swapents.value_or(0) * ps.bytes) << " | "
        << (t->oom_score_adj ? std::to_string(*t->oom_score_adj) : "-") << " | " << (is_victim ? "killed" : "") << " |\n";
    }
    o << "\n";
  }
  // The kernel lines that prove the findings, in file order.
  std::map<uint64_t, std::string> quoted;
  for (const Finding& f : fs)
    for (const EvidenceLine& l : f.evidence_lines)
      if (quoted.size() < kMaxQuoted) quoted.emplace(l.line, l.text);
  if (!quoted.empty()) {
    o << "### Kernel log lines (" << ev.source.file << ")\n\n```text\n";
    uint64_t prev = 0;
    for (const auto& [line, text] : quoted) {
      if (prev && line > prev + 1) o << "…\n";
      std::string t = text;
      std::replace(t.begin(), t.end(), '`', '\'');
      o << line << ": " << t << "\n";
      prev = line;
    }
    o << "```\n\n";
  }
}

void MarkdownRenderer::end(uint64_t lines_read, uint64_t bytes_read) {
  os_ << "---\n" << n_ << " OOM event" << (n_ == 1 ? "" : "s");
  if (incomplete_) os_ << " (" << incomplete_ << " partial)";
  os_ << " in " << lines_read << " lines (" << human_bytes(bytes_read) << "), analyzed by oomscope "
#ifdef OOMSCOPE_VERSION
      << OOMSCOPE_VERSION
#endif
      << "\n";
}

}  // namespace oomscope
