#include "analyzer/findings/text.h"

#include <string>

namespace oomscope {

void render_findings_text(std::ostream& os, const std::vector<Finding>& findings, bool color) {
  if (findings.empty()) return;
  auto paint = [&](const char* code, const std::string& s) {
    return color ? std::string("\x1b[") + code + "m" + s + "\x1b[0m" : s;
  };
  os << "  findings:\n";
  for (const Finding& f : findings) {
    std::string sev(severity_name(f.severity));
    for (char& c : sev) c = static_cast<char>(c - 'a' + 'A');
    const char* code = f.severity == Severity::kCritical ? "1;31" : f.severity == Severity::kWarning ? "1;33" : "36";
    std::string pad(sev.size() < 8 ? 8 - sev.size() : 0, ' ');
    os << "    " << paint(code, sev) << pad << "  " << f.id << "  " << paint("1", f.verdict) << "\n";
    for (const std::string& e : f.evidence) os << "      - " << e << "\n";
    if (!f.next_step.empty()) os << "      next: " << f.next_step << "\n";
  }
}

}  // namespace oomscope
