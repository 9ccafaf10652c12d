#include "analyzer/render.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

#include "analyzer/findings/facts.h"
#include "analyzer/findings/text.h"
#include "analyzer/event_json.h"
#include "analyzer/summary.h"
#include "common/json_writer.h"

namespace oomscope {
namespace {

using json = nlohmann::ordered_json;

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

json event_to_json(const OomEvent& ev, const FindingContext& ctx) {
  return json::parse(event_json_text(ev, ctx));
}

std::string event_json_text(const OomEvent& ev, const FindingContext& ctx) {
  std::string out;
  JsonWriter w(out);
  const findings::EventFacts facts = findings::event_facts(ev);
  FindingContext with_facts = ctx;
  with_facts.facts = &facts;
  std::vector<Finding> findings = find_all(ev, with_facts);
  write_event_json(ev, w, &findings, &facts);
  return out;
}

void JsonRenderer::begin() { os_ << "{\"events\":["; }

void JsonRenderer::event(const OomEvent& ev) {
  if (n_++) os_ << ",";
  if (!ev.complete) ++incomplete_;
  // Written straight from the event (no DOM): JSON output costs about what the parse does.
  // Kernel text is not always UTF-8 (comm names, pasted logs): JsonWriter replaces bad bytes.
  buf_.clear();
  buf_ += '\n';
  JsonWriter w(buf_);
  // The event's derived figures, computed once for the findings and the JSON.
  const findings::EventFacts facts = findings::event_facts(ev);
  FindingContext ctx = opts_.findings;
  ctx.facts = &facts;
  std::vector<Finding> findings = find_all(ev, ctx);
  write_event_json(ev, w, &findings, &facts);
  os_ << buf_;
}

void JsonRenderer::end(uint64_t lines_read, uint64_t bytes_read) {
  os_ << "\n],\"findings\":" << findings_to_json(report_).dump() << ",\"summary\":" << json({{"events", n_}, {"incomplete_events", incomplete_},
                                     {"lines_read", lines_read}, {"bytes_read", bytes_read}}).dump()
      << "}\n";
}

// terminal_safe(): log text is untrusted (a process can name itself with escape sequences):
// every control byte but newline and tab becomes '?', except the SGR colour sequences
// (ESC [ digits ; … m) the renderer itself may emit, which cannot move the cursor or retitle
// the terminal.
std::string terminal_safe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  // A byte that needs a look: a control byte (newline and tab aside) or DEL. Everything
  // between two of them is copied in one append (the report is almost all printable text).
  auto needs_look = [](unsigned char c) { return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f; };
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (!needs_look(c)) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    if (c == 0x1b && i + 1 < s.size() && s[i + 1] == '[') {
      size_t j = i + 2;
      while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || s[j] == ';')) ++j;
      if (j < s.size() && s[j] == 'm') {
        out.append(s.data() + i, j - i + 1);
        i = j;
        run = j + 1;
        continue;
      }
    }
    out += '?';
  }
  out.append(s.data() + run, s.size() - run);
  return out;
}

void TextRenderer::event(const OomEvent& ev) {
  ++n_;
  if (!ev.complete) ++incomplete_;
  std::ostringstream buffered;
  render_event(ev, buffered);
  os_ << terminal_safe(buffered.str());
}

void TextRenderer::render_event(const OomEvent& ev, std::ostream& o) {
  const findings::EventFacts facts = findings::event_facts(ev);
  FindingContext ctx = opts_.findings;
  ctx.facts = &facts;
  o << "OOM event " << n_ << "  " << ev.source.file << ":" << ev.source.first_line << "-" << ev.source.last_line;
  if (ev.host) o << "  host " << *ev.host;
  if (ev.timestamp) o << "  " << *ev.timestamp;
  if (ev.monotonic_s) {
    char b[48];
    std::snprintf(b, sizeof b, "  (%.3f s after boot)", *ev.monotonic_s);
    o << b;
  }
  o << "\n";
  o << "  kernel " << ev.kernel.value_or("unknown") << "   "
    << (ev.complete ? "complete report" : ev.truncated ? "PARTIAL report (the kill is not in the log)" : "partial report");
  if (!ev.missing.empty()) {
    o << " - missing:";
    for (auto& m : ev.missing) o << " " << m;
  }
  o << "\n";
  // Where: which limit was hit.
  if (ev.memcg && (ev.memcg->oom_memcg || ev.memcg->limit_kb)) {
    o << "  limit hit: memcg " << ev.memcg->oom_memcg.value_or("?");
    if (ev.constraint) o << "  (" << *ev.constraint << ")";
    o << "\n";
    if (ev.memcg->task_memcg && ev.memcg->task_memcg != ev.memcg->oom_memcg)
      o << "  victim's memcg: " << *ev.memcg->task_memcg << "\n";
  } else if (ev.constraint || ev.global_oom || ev.mem_info) {
    o << "  limit hit: " << (ev.constraint && *ev.constraint != "CONSTRAINT_NONE" ? *ev.constraint : "system-wide (global OOM)");
    if (ev.cpuset && ev.constraint && *ev.constraint == "CONSTRAINT_CPUSET") o << " cpuset " << *ev.cpuset;
    o << "\n";
  }
  if (ev.trigger.comm || ev.trigger.gfp_mask) {
    o << "  trigger: " << ev.trigger.comm.value_or("?");
    if (ev.trigger.pid) o << " (pid " << *ev.trigger.pid << ")";
    if (ev.trigger.gfp_mask) o << " gfp_mask=" << *ev.trigger.gfp_mask;
    if (ev.trigger.gfp_flags) o << "(" << *ev.trigger.gfp_flags << ")";
    if (ev.trigger.order) o << " order=" << *ev.trigger.order << (*ev.trigger.order == -1 ? " (manual sysrq-f)" : "");
    for (const auto& f : ev.call_trace) {
      if (f == "exc_page_fault" || f == "do_page_fault" || f == "pagefault_out_of_memory") { o << "  via page fault"; break; }
      if (f == "moom_callback") { o << "  via sysrq-f"; break; }
    }
    o << "\n";
  }
  if (ev.killed) {
    const Killed& k = *ev.killed;
    o << "  killed: " << k.comm.value_or("?") << " (pid " << (k.pid ? std::to_string(*k.pid) : "?") << ")";
    if (k.anon_rss_kb) o << "  anon " << human_bytes(*k.anon_rss_kb * 1024);
    if (k.file_rss_kb) o << "  file " << human_bytes(*k.file_rss_kb * 1024);
    if (k.shmem_rss_kb) o << "  shmem " << human_bytes(*k.shmem_rss_kb * 1024);
    if (k.total_vm_kb) o << "  total-vm " << human_bytes(*k.total_vm_kb * 1024);
    if (k.oom_score_adj) o << "  oom_score_adj " << *k.oom_score_adj;
    o << "\n";
    if (ev.victims.size() > 1) o << "  group kill: " << ev.victims.size() << " tasks" << (ev.oom_group ? " in " + *ev.oom_group : "") << "\n";
  } else if (ev.end_reason || ev.panic) {
    o << "  no kill: " << (ev.panic ? *ev.panic : *ev.end_reason) << "\n";
  }
  const Composition& c = facts.composition;
  if (!c.basis.empty()) {
    o << "  memory (" << c.basis << "):";
    auto part = [&](const char* name, const std::optional<uint64_t>& v) {
      if (!v) return;
      o << "  " << name << " " << human_bytes(*v);
      if (c.limit_bytes && *c.limit_bytes) o << " (" << percent(static_cast<double>(*v) / static_cast<double>(*c.limit_bytes)) << ")";
    };
    part("anon", c.anon_bytes);
    part("page cache", c.file_bytes);
    part("shmem", c.shmem_bytes);
    part("kernel", c.kernel_bytes);
    if (c.swap_bytes && *c.swap_bytes) part("swap", c.swap_bytes);
    if (c.limit_bytes) o << "  of " << limit_phrase(c);
    o << "\n";
  }
  if (facts.culprit) o << "  culprit: " << facts.culprit->reason << "\n";
  render_findings_text(o, find_all(ev, ctx), opts_.color);
  if (!ev.tasks.empty()) {
    PageSize ps = page_size_of(ev);
    std::vector<const Task*> top;
    for (const Task& t : ev.tasks) top.push_back(&t);
    std::sort(top.begin(), top.end(), [](const Task* a, const Task* b) { return a->rss_pages.value_or(0) > b->rss_pages.value_or(0); });
    if (top.size() > 5) top.resize(5);
    o << "  largest tasks (" << ev.tasks.size() << " in table):\n";
    char b[200];
    std::snprintf(b, sizeof b, "    %8s %10s %10s %10s %6s  %s\n", "pid", "rss", "anon", "swap", "adj", "name");
    o << b;
    for (const Task* t : top) {
      std::string anon = t->rss_anon_pages ? human_bytes(*t->rss_anon_pages * ps.bytes) : "-";
      std::snprintf(b, sizeof b, "    %8lld %10s %10s %10s %6lld  %s\n", static_cast<long long>(t->pid.value_or(0)),
                    human_bytes(t->rss_pages.value_or(0) * ps.bytes).c_str(), anon.c_str(),
                    human_bytes(t->swapents.value_or(0) * ps.bytes).c_str(),
                    static_cast<long long>(t->oom_score_adj.value_or(0)), t->name.c_str());
      o << b;
    }
  }
  for (const auto& n : ev.notes) o << "  note: " << n << "\n";
  o << "\n";
}

void TextRenderer::end(uint64_t lines_read, uint64_t bytes_read) {
  os_ << n_ << " OOM event" << (n_ == 1 ? "" : "s");
  if (incomplete_) os_ << " (" << incomplete_ << " partial)";
  os_ << " in " << lines_read << " lines (" << human_bytes(bytes_read) << ")\n";
}

}  // namespace oomscope
