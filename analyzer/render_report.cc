// render_report.cc: the findings about the whole input (analyzer/findings/report.h) in each
// format: the top-level "findings" array of the JSON, a "report findings:" section in text, a
// "Findings about the whole input" section in markdown and in HTML.
#include <sstream>

#include "analyzer/findings/text.h"
#include "analyzer/render.h"
#include "analyzer/render_html.h"
#include "analyzer/render_markdown.h"

namespace oomscope {

void JsonRenderer::report(const std::vector<Finding>& findings) { report_ = findings; }

void TextRenderer::report(const std::vector<Finding>& findings) {
  if (findings.empty()) return;
  std::ostringstream o;
  o << "Findings about the whole input (not one OOM event):\n";
  render_findings_text(o, findings, opts_.color);
  o << "\n";
  out_.stream() << terminal_safe(o.str());
}

void MarkdownRenderer::report(const std::vector<Finding>& findings) {
  if (findings.empty()) return;
  std::ostream& o = os_;
  o << "## Findings about the whole input\n\n| Severity | Finding | Verdict | Next step |\n|---|---|---|---|\n";
  for (const Finding& f : findings)
    o << "| " << severity_name(f.severity) << " | `" << f.id << "` | " << md_cell(f.verdict) << " | "
      << md_cell(f.next_step) << " |\n";
  o << "\n### Evidence\n\n";
  for (const Finding& f : findings) {
    o << "- `" << f.id << "`\n";
    for (const std::string& e : f.evidence) o << "  - " << md_cell(e) << "\n";
  }
  o << "\n";
}

void HtmlRenderer::report(const std::vector<Finding>& findings) {
  report_ = findings;
  for (const Finding& f : findings) {
    if (f.severity == Severity::kCritical) ++critical_;
    if (f.severity == Severity::kWarning) ++warning_;
  }
}

std::string HtmlRenderer::report_html() const {
  if (report_.empty()) return "";
  std::ostringstream o;
  o << "<section class=\"report\" id=\"report-findings\"><h2>Findings about the whole input</h2>";
  findings_table_html(o, report_);
  o << "</section>";
  return o.str();
}

}  // namespace oomscope
