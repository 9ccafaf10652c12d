#include "analyzer/findings/text.h"

#include <algorithm>
#include <string>

namespace oomscope {

void render_findings_text(std::ostream& os, const std::vector<Finding>& findings, bool color) {
  std::string text;
  TextOut out(text);
  render_findings_text(out, findings, color);
  os << text;
}

void render_findings_text(TextOut& out, const std::vector<Finding>& findings, bool color) {
  if (findings.empty()) return;
  auto paint = [&](const char* code, std::string_view s) {
    if (color) out << "\x1b[" << code << "m" << s << "\x1b[0m";
    else out << s;
  };
  out << "  findings:\n";
  for (const Finding& f : findings) {
    // The severity in capitals, padded to 8 columns ("WARNING ").
    const std::string_view name = severity_name(f.severity);
    char upper[16];
    const size_t n = std::min(name.size(), sizeof upper);
    for (size_t i = 0; i < n; ++i) upper[i] = static_cast<char>(name[i] - 'a' + 'A');
    const char* code = f.severity == Severity::kCritical ? "1;31" : f.severity == Severity::kWarning ? "1;33" : "36";
    out << "    ";
    paint(code, std::string_view(upper, n));
    for (size_t i = n; i < 8; ++i) out << ' ';
    out << "  " << f.id << "  ";
    paint("1", f.verdict);
    out << "\n";
    for (const std::string& e : f.evidence) out << "      - " << e << "\n";
    if (!f.next_step.empty()) out << "      next: " << f.next_step << "\n";
  }
}

}  // namespace oomscope
