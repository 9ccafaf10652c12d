// render_html.h: the OOM report as ONE self-contained HTML file: no scripts, no network
// (a Content-Security-Policy forbids every fetch), inline CSS and inline SVG charts: the
// memory composition against the limit that was hit, the top tasks by RSS (the victim in
// red) and, when a pack has several samples, the target's memory over time.
//
// Events are kept until end() (the page needs the totals first); at most kMaxEvents are
// drawn, the rest are counted.
//
// Example:
//   HtmlRenderer r(out);
//   r.begin(); r.event(ev); r.end(lines, bytes);   // out: "<!DOCTYPE html>…<svg class=\"chart composition\"…"
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/render.h"

namespace oomscope {

class HtmlRenderer : public Renderer {
 public:
  static constexpr size_t kMaxEvents = 200;

  explicit HtmlRenderer(std::ostream& os, RenderOptions opts = {}) : os_(os), opts_(opts) {}
  void event(const OomEvent& ev) override;
  void report(const std::vector<Finding>& findings) override;  // render_report.cc
  void end(uint64_t lines_read, uint64_t bytes_read) override;

 private:
  std::string report_html() const;  // the report findings' section ("" when none)
  std::ostream& os_;
  RenderOptions opts_;
  std::vector<Finding> report_;
  std::vector<std::string> sections_;  // each event rendered as soon as it closes
  uint64_t n_ = 0, incomplete_ = 0, dropped_ = 0;
  uint64_t critical_ = 0, warning_ = 0;
};

// html_escape(): & < > " ' escaped; bytes that are not valid UTF-8 become U+FFFD.
std::string html_escape(std::string_view s);

// findings_table_html(): the findings as the report's table (severity, id and title, verdict
// with the numbers, next step); used for each event and for the whole-input findings.
void findings_table_html(std::ostream& o, const std::vector<Finding>& findings);

}  // namespace oomscope
