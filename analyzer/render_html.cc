#include "analyzer/render_html.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "analyzer/findings/facts.h"
#include "analyzer/findings/finding.h"
#include "analyzer/findings/pack_evidence.h"
#include "analyzer/summary.h"

namespace oomscope {

namespace {

constexpr size_t kTopTasks = 10;
constexpr size_t kMaxQuoted = 80;

const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#1d2329;padding:0 16px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 6px;border-top:2px solid #dde3ea;padding-top:14px}
h3{font-size:15px;margin:18px 0 6px;color:#3b4652}
.totals{color:#55606b} .verdict{font-size:15px;font-weight:600;margin:6px 0 10px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}
dl.facts dt{color:#55606b} dl.facts dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:6px 0;table-layout:fixed} th,td{border:1px solid #dde3ea;padding:5px 8px;vertical-align:top;text-align:left;overflow-wrap:anywhere}
table.findings th:nth-child(1){width:84px} table.findings th:nth-child(2){width:150px} table.findings th:nth-child(4){width:30%}
th{background:#f3f6f9} td.num{text-align:right;font-variant-numeric:tabular-nums}
.sev{font-weight:700;border-radius:4px;padding:1px 7px;color:#fff;white-space:nowrap}
.sev-critical{background:#c0392b} .sev-warning{background:#d68910} .sev-info{background:#2e86c1}
ul.ev{margin:4px 0 0 18px;padding:0;color:#3b4652} code{font-family:ui-monospace,Menlo,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid #dde3ea;padding:10px;overflow-x:auto;font-size:12.5px}
svg.chart{display:block;max-width:100%;height:auto;background:#fff}
svg text{font:12px system-ui,sans-serif;fill:#1d2329}
.note{color:#55606b;font-size:12.5px}
)";

// Labels longer than `max` bytes keep max - 1 of them, never half a UTF-8 sequence, and "…".
void shorten(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t cut = max - 1;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.erase(cut);
  s.append("…");
}

std::string num(double v, const char* fmt = "%.1f") {
  char b[32];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

struct Part {
  const char* name;
  const char* color;
  std::optional<uint64_t> bytes;
};

// composition_svg(): one stacked bar (anon, page cache, shmem, kernel, swap) on a scale that
// holds the limit, with the limit drawn as a line.
std::string composition_svg(const OomEvent& ev) {
  const Composition c = composition(ev);
  findings::MemBreakdown b = findings::breakdown(ev, c);
  std::vector<Part> parts = {{"anon", "#c0392b", b.anon},       {"page cache", "#2e86c1", b.page_cache},
                             {"shmem", "#8e44ad", b.shmem},     {"kernel", "#d68910", b.kernel},
                             {"swap", "#7f8c8d", b.limit_label == "memory+swap limit" ? b.swap : std::nullopt}};
  uint64_t sum = 0;
  for (const Part& p : parts) sum += p.bytes.value_or(0);
  if (b.basis.empty() || sum == 0) return "";
  const uint64_t scale = std::max({sum, b.limit.value_or(0), b.usage.value_or(0)});
  const double W = 760, x0 = 10, bar = 700, y = 30, h = 34;
  std::ostringstream s;
  s << "<svg class=\"chart composition\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << W << " 130\" role=\"img\""
    << " aria-label=\"memory composition against the " << html_escape(b.limit_label.empty() ? "usage" : b.limit_label) << "\">";
  s << "<title>Memory (" << html_escape(b.basis) << ") against the " << html_escape(b.denominator_label()) << "</title>";
  s << "<rect x=\"" << x0 << "\" y=\"" << y << "\" width=\"" << bar << "\" height=\"" << h << "\" fill=\"#eef2f5\"/>";
  double x = x0;
  double lx = x0;
  for (const Part& p : parts) {
    if (!p.bytes || *p.bytes == 0) continue;
    double w = bar * static_cast<double>(*p.bytes) / static_cast<double>(scale);
    s << "<rect class=\"part\" data-part=\"" << p.name << "\" x=\"" << num(x, "%.2f") << "\" y=\"" << y << "\" width=\""
      << num(w, "%.2f") << "\" height=\"" << h << "\" fill=\"" << p.color << "\"><title>" << p.name << " "
      << human_bytes(*p.bytes) << "</title></rect>";
    x += w;
  }
  if (b.limit && *b.limit) {
    double limx = x0 + bar * static_cast<double>(*b.limit) / static_cast<double>(scale);
    s << "<line class=\"limit\" x1=\"" << num(limx, "%.2f") << "\" x2=\"" << num(limx, "%.2f") << "\" y1=\"" << y - 12
      << "\" y2=\"" << y + h + 6 << "\" stroke=\"#1d2329\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>";
    // Right of the middle the label ends at the line (a long label such as "RAM outside
    // hugepages 255.5 MiB" would run out of the chart), else it starts there.
    s << "<text x=\"" << num(limx, "%.2f") << "\" y=\"" << y - 16 << "\""
      << (limx > x0 + bar / 2 ? " text-anchor=\"end\"" : "") << ">"
      << html_escape(b.limit_label) << " " << human_bytes(*b.limit) << "</text>";
  }
  for (const Part& p : parts) {
    if (!p.bytes) continue;
    auto sh = b.share(p.bytes);
    s << "<rect x=\"" << num(lx, "%.2f") << "\" y=\"88\" width=\"12\" height=\"12\" fill=\"" << p.color << "\"/>";
    std::string label = std::string(p.name) + " " + human_bytes(*p.bytes) + (sh ? " (" + findings::pct(*sh) + ")" : "");
    s << "<text x=\"" << num(lx + 16, "%.2f") << "\" y=\"99\">" << html_escape(label) << "</text>";
    lx += 24 + 7.0 * static_cast<double>(label.size());
  }
  s << "<text x=\"" << x0 << "\" y=\"122\" class=\"note\">source: " << html_escape(b.basis);
  // Shares are of RAM less the hugetlb pools: say how much RAM there is and what the pools hold.
  if (b.hugetlb && b.ram && b.limit_label == c.limit_label)
    s << "; shares of " << html_escape(limit_phrase(c));
  s << "</text></svg>";
  return s.str();
}

// tasks_svg(): the largest tasks by rss as horizontal bars; the victim in red.
std::string tasks_svg(const OomEvent& ev) {
  if (ev.tasks.empty()) return "";
  PageSize ps = page_size_of(ev);
  std::vector<const Task*> top;
  for (const Task& t : ev.tasks) top.push_back(&t);
  std::stable_sort(top.begin(), top.end(),
                   [](const Task* a, const Task* b) { return a->rss_pages.value_or(0) > b->rss_pages.value_or(0); });
  if (top.size() > kTopTasks) top.resize(kTopTasks);
  // The victim is always drawn, even when it is small (that is often the point).
  if (const Task* v = findings::victim_task(ev); v && std::find(top.begin(), top.end(), v) == top.end()) top.push_back(v);
  const uint64_t max = std::max<uint64_t>(1, top[0]->rss_pages.value_or(0));
  const double W = 760, label_w = 210, bar = 430, row = 24;
  const double H = 16 + row * static_cast<double>(top.size());
  std::ostringstream s;
  s << "<svg class=\"chart tasks\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << W << " " << H
    << "\" role=\"img\" aria-label=\"largest tasks by rss\"><title>Largest tasks by rss</title>";
  double y = 8;
  for (const Task* t : top) {
    bool victim = ev.killed && ev.killed->pid && t->pid && *t->pid == *ev.killed->pid;
    double w = std::max(1.0, bar * static_cast<double>(t->rss_pages.value_or(0)) / static_cast<double>(max));
    std::string name = t->name + " (" + (t->pid ? std::to_string(*t->pid) : "?") + ")";
    shorten(name, 30);
    s << "<text x=\"" << label_w - 6 << "\" y=\"" << num(y + 15, "%.1f") << "\" text-anchor=\"end\">" << html_escape(name) << "</text>";
    s << "<rect class=\"task" << (victim ? " victim" : "") << "\" x=\"" << label_w << "\" y=\"" << num(y + 3, "%.1f")
      << "\" width=\"" << num(w, "%.2f") << "\" height=\"16\" fill=\"" << (victim ? "#c0392b" : "#5d6d7e") << "\"/>";
    s << "<text x=\"" << num(label_w + w + 6, "%.1f") << "\" y=\"" << num(y + 15, "%.1f") << "\">"
      << human_bytes(t->rss_pages.value_or(0) * ps.bytes) << (victim ? " — killed" : "")
      << (t->oom_score_adj ? " · adj " + std::to_string(*t->oom_score_adj) : "") << "</text>";
    y += row;
  }
  s << "</svg>";
  return s.str();
}

// growth_svg(): with a pack of several samples, the target cgroup's usage and its three
// largest processes' RSS over time, against the cgroup's limit.
std::string growth_svg(const PackEvidence& pe) {
  if (pe.samples.size() < 2 || pe.target_cgroups.empty()) return "";
  const std::string& cg = pe.target_cgroups.front();
  const int64_t t0 = pe.samples.front().monotonic_usec;
  struct Series {
    std::string name, color;
    std::vector<std::pair<double, int64_t>> pts;
  };
  std::vector<Series> series;
  Series usage{"usage of " + cg.substr(cg.rfind('/') + 1), "#1d2329", {}};
  std::optional<int64_t> limit;
  for (const auto& smp : pe.samples)
    for (const PackCgroup& c : pe.cgroups)
      if (c.path == cg && c.sample == smp.sample) {
        if (c.usage_bytes) usage.pts.emplace_back(static_cast<double>(smp.monotonic_usec - t0) / 1e6, *c.usage_bytes);
        if (c.limit_bytes) limit = c.limit_bytes;
      }
  if (usage.pts.size() >= 2) series.push_back(usage);
  std::vector<std::pair<int64_t, std::string>> last;  // (rss, pid) at the last sample
  for (const PackProcess& p : pe.processes)
    if (p.sample == pe.samples.back().sample && p.rss_bytes) last.emplace_back(*p.rss_bytes, std::to_string(p.pid));
  std::sort(last.rbegin(), last.rend());
  const char* colors[] = {"#c0392b", "#2e86c1", "#d68910"};
  for (size_t i = 0; i < last.size() && i < 3; ++i) {
    Series s{"", colors[i], {}};
    for (const auto& smp : pe.samples)
      for (const PackProcess& p : pe.processes)
        if (p.sample == smp.sample && std::to_string(p.pid) == last[i].second && p.rss_bytes) {
          s.name = p.comm + " (" + last[i].second + ") RSS";
          s.pts.emplace_back(static_cast<double>(smp.monotonic_usec - t0) / 1e6, *p.rss_bytes);
        }
    if (s.pts.size() >= 2) series.push_back(s);
  }
  if (series.empty()) return "";
  double tmax = 0;
  int64_t vmax = limit.value_or(0);
  for (const Series& s : series)
    for (const auto& [t, v] : s.pts) {
      tmax = std::max(tmax, t);
      vmax = std::max(vmax, v);
    }
  if (tmax <= 0 || vmax <= 0) return "";
  const double W = 820, H = 240, x0 = 70, y0 = 20, w = 500, h = 180;
  auto X = [&](double t) { return x0 + w * t / tmax; };
  auto Y = [&](int64_t v) { return y0 + h - h * static_cast<double>(v) / static_cast<double>(vmax); };
  std::ostringstream o;
  o << "<svg class=\"chart growth\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << W << " " << H
    << "\" role=\"img\" aria-label=\"memory over time\"><title>Memory over the pack's samples</title>";
  o << "<line x1=\"" << x0 << "\" y1=\"" << y0 + h << "\" x2=\"" << x0 + w << "\" y2=\"" << y0 + h << "\" stroke=\"#8795a1\"/>";
  o << "<line x1=\"" << x0 << "\" y1=\"" << y0 << "\" x2=\"" << x0 << "\" y2=\"" << y0 + h << "\" stroke=\"#8795a1\"/>";
  o << "<text x=\"" << x0 - 6 << "\" y=\"" << y0 + 4 << "\" text-anchor=\"end\">" << human_bytes(static_cast<uint64_t>(vmax)) << "</text>";
  o << "<text x=\"" << x0 - 6 << "\" y=\"" << y0 + h << "\" text-anchor=\"end\">0</text>";
  o << "<text x=\"" << x0 + w << "\" y=\"" << y0 + h + 16 << "\" text-anchor=\"end\">" << num(tmax, "%.1f s") << "</text>";
  if (limit) {
    double ly = Y(*limit);
    o << "<line class=\"limit\" x1=\"" << x0 << "\" x2=\"" << x0 + w << "\" y1=\"" << num(ly, "%.2f") << "\" y2=\""
      << num(ly, "%.2f") << "\" stroke=\"#1d2329\" stroke-dasharray=\"4 3\"/><text x=\"" << x0 + 4 << "\" y=\""
      << num(ly - 4, "%.2f") << "\">limit " << human_bytes(static_cast<uint64_t>(*limit)) << "</text>";
  }
  double ly = y0 + 10;
  for (const Series& s : series) {
    o << "<polyline class=\"series\" fill=\"none\" stroke-width=\"2\" stroke=\"" << s.color << "\" points=\"";
    for (const auto& [t, v] : s.pts) o << num(X(t), "%.1f") << "," << num(Y(v), "%.1f") << " ";
    o << "\"/>";
    for (const auto& [t, v] : s.pts)
      o << "<circle cx=\"" << num(X(t), "%.1f") << "\" cy=\"" << num(Y(v), "%.1f") << "\" r=\"3\" fill=\"" << s.color
        << "\"><title>" << html_escape(s.name) << " " << human_bytes(static_cast<uint64_t>(v)) << "</title></circle>";
    std::string label = s.name;
    shorten(label, 30);
    o << "<rect x=\"" << x0 + w + 14 << "\" y=\"" << num(ly - 9, "%.1f") << "\" width=\"10\" height=\"10\" fill=\"" << s.color
      << "\"/><text x=\"" << x0 + w + 28 << "\" y=\"" << num(ly, "%.1f") << "\">" << html_escape(label) << "</text>";
    ly += 18;
  }
  o << "</svg>";
  return o.str();
}

}  // namespace

void findings_table_html(std::ostream& o, const std::vector<Finding>& findings) {
  o << "<table class=\"findings\"><thead><tr><th>Severity</th><th>Finding</th><th>Verdict and numbers</th>"
       "<th>Next step</th></tr></thead><tbody>";
  for (const Finding& f : findings) {
    std::string sev(severity_name(f.severity));
    o << "<tr class=\"finding\" data-id=\"" << html_escape(f.id) << "\"><td><span class=\"sev sev-" << sev << "\">" << sev
      << "</span></td><td><code>" << html_escape(f.id) << "</code><br>" << html_escape(f.title) << "</td><td>"
      << html_escape(f.verdict) << "<ul class=\"ev\">";
    for (const std::string& e : f.evidence) o << "<li>" << html_escape(e) << "</li>";
    o << "</ul></td><td>" << html_escape(f.next_step) << "</td></tr>";
  }
  o << "</tbody></table>";
}

std::string html_escape(std::string_view s) {
  std::string r;
  r.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': r += "&amp;"; break;
        case '<': r += "&lt;"; break;
        case '>': r += "&gt;"; break;
        case '"': r += "&quot;"; break;
        case '\'': r += "&#39;"; break;
        default:
          if (c < 0x20 && c != '\t' && c != '\n') r += "\xEF\xBF\xBD";
          else r += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok) {
      r.append(s.substr(i, n));
      i += n;
    } else {
      r += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return r;
}

void HtmlRenderer::event(const OomEvent& ev) {
  ++n_;
  if (!ev.complete) ++incomplete_;
  std::vector<Finding> fs = find_all(ev, opts_.findings);
  for (const Finding& f : fs) {
    if (f.severity == Severity::kCritical) ++critical_;
    if (f.severity == Severity::kWarning) ++warning_;
  }
  if (sections_.size() >= kMaxEvents) {
    ++dropped_;
    return;
  }
  std::ostringstream o;
  std::string victim = ev.killed ? ev.killed->comm.value_or("?") + " (pid " +
                                       (ev.killed->pid ? std::to_string(*ev.killed->pid) : "?") + ") killed"
                                 : "no kill in the log";
  o << "<section class=\"event\" id=\"event-" << n_ << "\"><h2>OOM event " << n_ << ": " << html_escape(victim) << "</h2>";
  if (!fs.empty()) o << "<p class=\"verdict\">" << html_escape(fs[0].verdict) << "</p>";
  o << "<dl class=\"facts\"><dt>source</dt><dd>" << html_escape(ev.source.file) << ":" << ev.source.first_line << "-"
    << ev.source.last_line << (ev.complete ? "" : " (partial report)") << "</dd>";
  auto fact = [&](const char* k, const std::optional<std::string>& v) {
    if (v) o << "<dt>" << k << "</dt><dd>" << html_escape(*v) << "</dd>";
  };
  fact("host", ev.host);
  fact("time", ev.timestamp);
  if (ev.monotonic_s) fact("after boot", num(*ev.monotonic_s, "%.3f s"));
  fact("kernel", ev.kernel);
  if (ev.memcg) fact("limit hit by", ev.memcg->oom_memcg);
  if (ev.memcg && ev.memcg->task_memcg != ev.memcg->oom_memcg) fact("victim's memcg", ev.memcg->task_memcg);
  fact("constraint", ev.constraint);
  fact("allocating task", ev.trigger.comm);
  o << "</dl>";
  if (!fs.empty()) {
    o << "<h3>Findings</h3>";
    findings_table_html(o, fs);
  }
  if (std::string svg = composition_svg(ev); !svg.empty()) o << "<h3>Memory against the limit</h3>" << svg;
  if (std::string svg = tasks_svg(ev); !svg.empty())
    o << "<h3>Largest tasks (" << std::min(kTopTasks, ev.tasks.size()) << " of " << ev.tasks.size() << ")</h3>" << svg;
  std::map<uint64_t, std::string> quoted;
  for (const Finding& f : fs)
    for (const EvidenceLine& l : f.evidence_lines)
      if (quoted.size() < kMaxQuoted) quoted.emplace(l.line, l.text);
  if (!quoted.empty()) {
    o << "<h3>Kernel log lines</h3><pre class=\"evidence\">";
    uint64_t prev = 0;
    for (const auto& [line, text] : quoted) {
      if (prev && line > prev + 1) o << "…\n";
      o << line << ": " << html_escape(text) << "\n";
      prev = line;
    }
    o << "</pre>";
  }
  for (const std::string& n : ev.notes) o << "<p class=\"note\">note: " << html_escape(n) << "</p>";
  o << "</section>";
  sections_.push_back(o.str());
}

void HtmlRenderer::end(uint64_t lines_read, uint64_t bytes_read) {
  std::ostream& o = os_;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>OOM report (oomscope)</title><style>"
    << kStyle << "</style></head><body><h1>OOM report</h1><p class=\"totals\">" << n_ << " OOM event" << (n_ == 1 ? "" : "s");
  if (incomplete_) o << " (" << incomplete_ << " partial)";
  o << " in " << lines_read << " lines (" << html_escape(human_bytes(bytes_read)) << "); " << critical_ << " critical and "
    << warning_ << " warning findings.</p>";
  if (n_ == 0) o << "<p>No kernel OOM report was found in the input.</p>";
  o << report_html();
  if (opts_.findings.pack)
    if (std::string svg = growth_svg(*opts_.findings.pack); !svg.empty())
      o << "<h2>Over time (" << opts_.findings.pack->samples.size() << " samples of "
        << html_escape(opts_.findings.pack->path) << ")</h2>" << svg;
  for (const std::string& s : sections_) o << s;
  if (dropped_) o << "<p class=\"note\">" << dropped_ << " more events are not drawn (limit " << kMaxEvents << ").</p>";
  o << "<p class=\"note\">Generated by oomscope; self-contained, no scripts, no network.</p></body></html>\n";
}

}  // namespace oomscope
