#include "analyzer/render.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

void JsonRenderer::begin() { out_.stream() << "{\"events\":["; }

void JsonRenderer::event(const OomEvent& ev) {
  buf_.clear();
  render_apart(ev, buf_);
  event_apart(buf_, ev.complete);
}

void JsonRenderer::render_apart(const OomEvent& ev, std::string& out) const {
  // Written straight from the event (no DOM): JSON output costs about what the parse does.
  // Kernel text is not always UTF-8 (comm names, pasted logs): JsonWriter replaces bad bytes.
  out += '\n';
  JsonWriter w(out);
  // The event's derived figures, computed once for the findings and the JSON.
  const findings::EventFacts facts = findings::event_facts(ev);
  FindingContext ctx = opts_.findings;
  ctx.facts = &facts;
  std::vector<Finding> findings = find_all(ev, ctx);
  write_event_json(ev, w, &findings, &facts);
}

void JsonRenderer::event_apart(std::string_view rendered, bool complete) {
  if (n_++) out_.put(",");
  if (!complete) ++incomplete_;
  out_.put(rendered);
}

void JsonRenderer::end(uint64_t lines_read, uint64_t bytes_read) {
  out_.stream() << "\n],\"findings\":" << findings_to_json(report_).dump() << ",\"summary\":" << json({{"events", n_}, {"incomplete_events", incomplete_},
                                     {"lines_read", lines_read}, {"bytes_read", bytes_read}}).dump()
      << "}\n";
}

// terminal_safe(): log text is untrusted (a process can name itself with escape sequences):
// every control byte but newline and tab becomes '?', except the SGR colour sequences
// (ESC [ digits ; … m) the renderer itself may emit, which cannot move the cursor or retitle
// the terminal.
namespace {

// needs_look(): a byte terminal_safe() does not copy as is: a control byte (newline and tab
// aside) or DEL.
bool needs_look(unsigned char c) { return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f; }

// next_needing_look(): the index of the first byte at or after `i` that needs_look(), s.size()
// if none; 16 bytes at a time where SSE2 is there (the report is nearly all printable text).
size_t next_needing_look(std::string_view s, size_t i) {
#if defined(__SSE2__)
  const __m128i below_space = _mm_set1_epi8(0x1f), del = _mm_set1_epi8(0x7f), nl = _mm_set1_epi8('\n'),
                tab = _mm_set1_epi8('\t');
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, below_space), x);  // x <= 0x1f, unsigned
    const __m128i kept = _mm_or_si128(_mm_cmpeq_epi8(x, nl), _mm_cmpeq_epi8(x, tab));
    const __m128i look = _mm_or_si128(_mm_andnot_si128(kept, control), _mm_cmpeq_epi8(x, del));
    if (const int m = _mm_movemask_epi8(look)) return i + static_cast<size_t>(std::countr_zero(static_cast<unsigned>(m)));
  }
#endif
  for (; i < s.size(); ++i)
    if (needs_look(static_cast<unsigned char>(s[i]))) return i;
  return s.size();
}

// append_terminal_safe(): terminal_safe(s), appended to `out`.
void append_terminal_safe(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size());
  size_t i = 0;
  for (;;) {
    // Everything up to the next byte that needs a look is copied in one append.
    const size_t j = next_needing_look(s, i);
    out.append(s.data() + i, j - i);
    if (j == s.size()) return;
    i = j + 1;
    if (s[j] == 0x1b && j + 1 < s.size() && s[j + 1] == '[') {
      size_t k = j + 2;
      while (k < s.size() && ((s[k] >= '0' && s[k] <= '9') || s[k] == ';')) ++k;
      if (k < s.size() && s[k] == 'm') {
        out.append(s.data() + j, k - j + 1);
        i = k + 1;
        continue;
      }
    }
    out += '?';
  }
}

}  // namespace

std::string terminal_safe(std::string_view s) {
  std::string out;
  append_terminal_safe(out, s);
  return out;
}

void TextRenderer::event(const OomEvent& ev) {
  rendered_.clear();
  render_apart(ev, rendered_);
  event_apart(rendered_, ev.complete);
}

void TextRenderer::render_apart(const OomEvent& ev, std::string& out) const {
  std::string text;
  TextOut o(text);
  render_event(ev, o);
  append_terminal_safe(out, text);
}

void TextRenderer::event_apart(std::string_view rendered, bool complete) {
  ++n_;
  if (!complete) ++incomplete_;
  char head[40];
  const int k = std::snprintf(head, sizeof head, "OOM event %llu", static_cast<unsigned long long>(n_));
  out_.put(std::string_view(head, static_cast<size_t>(k)));
  out_.put(rendered);
}

namespace {

// task_row(): one row of the largest-tasks table, as printf("    %8s %10s %10s %10s %6s  %s\n")
// into a char[200] wrote it: a row longer than 199 bytes is cut there (its newline with it),
// and the name stops at a NUL byte as %s stops. Put together in a char array: a string per
// row, grown and padded append by append, cost more than the rest of the table.
void task_row(TextOut& o, std::string_view pid, std::string_view rss, std::string_view anon, std::string_view swap,
              std::string_view adj, std::string_view name) {
  char row[199];
  size_t n = 0;
  auto put = [&](std::string_view s) {  // what fits of `s`
    const size_t k = std::min(s.size(), sizeof row - n);
    if (k == 0) return;  // an empty view's data() may be null
    std::memcpy(row + n, s.data(), k);
    n += k;
  };
  auto right_aligned = [&](std::string_view s, size_t width) {  // as %<width>s
    if (s.size() < width) {
      const size_t pad = std::min(width - s.size(), sizeof row - n);
      std::memset(row + n, ' ', pad);
      n += pad;
    }
    put(s);
  };
  put("    ");
  right_aligned(pid, 8);
  put(" ");
  right_aligned(rss, 10);
  put(" ");
  right_aligned(anon, 10);
  put(" ");
  right_aligned(swap, 10);
  put(" ");
  right_aligned(adj, 6);
  put("  ");
  put(name.substr(0, name.find('\0')));
  put("\n");
  o << std::string_view(row, n);
}

std::string_view decimal(char (&buf)[24], int64_t v) {
  return std::string_view(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
}

}  // namespace

// render_event(): the event's text from the two spaces after its number on.
void TextRenderer::render_event(const OomEvent& ev, TextOut& o) const {
  const findings::EventFacts facts = findings::event_facts(ev);
  FindingContext ctx = opts_.findings;
  ctx.facts = &facts;
  o << "  " << ev.source.file << ":" << ev.source.first_line << "-" << ev.source.last_line;
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
    top.reserve(ev.tasks.size());
    for (const Task& t : ev.tasks) top.push_back(&t);
    std::sort(top.begin(), top.end(), [](const Task* a, const Task* b) { return a->rss_pages.value_or(0) > b->rss_pages.value_or(0); });
    if (top.size() > 5) top.resize(5);
    o << "  largest tasks (" << ev.tasks.size() << " in table):\n";
    task_row(o, "pid", "rss", "anon", "swap", "adj", "name");
    for (const Task* t : top) {
      char pid[24], adj[24];
      task_row(o, decimal(pid, t->pid.value_or(0)), human_bytes(t->rss_pages.value_or(0) * ps.bytes),
                    t->rss_anon_pages ? human_bytes(*t->rss_anon_pages * ps.bytes) : "-",
                    human_bytes(t->swapents.value_or(0) * ps.bytes), decimal(adj, t->oom_score_adj.value_or(0)), t->name);
    }
  }
  for (const auto& n : ev.notes) o << "  note: " << n << "\n";
  o << "\n";
}

void TextRenderer::end(uint64_t lines_read, uint64_t bytes_read) {
  std::ostream& os = out_.stream();
  os << n_ << " OOM event" << (n_ == 1 ? "" : "s");
  if (incomplete_) os << " (" << incomplete_ << " partial)";
  os << " in " << lines_read << " lines (" << human_bytes(bytes_read) << ")\n";
}

}  // namespace oomscope
