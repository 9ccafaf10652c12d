// render_markdown.h: an OOM report to paste into an incident ticket (GitHub/GitLab/Jira
// Markdown): per event a summary line, a table of findings, the numbers, the top tasks and
// the kernel log lines that prove it, quoted with their line numbers.
//
// Example (035, abridged):
//   ## OOM event 1: engine-gateway (pid 1974310) killed
//   **Anonymous memory filled the 256.0 MiB memcg limit: anon 254.5 MiB (99%); …**
//   | Severity | Finding | Verdict | Next step |
//   |---|---|---|---|
//   | critical | `anon_blowup` | Anonymous memory filled … | Find what grows in engine-gateway: … |
#pragma once

#include <ostream>

#include "analyzer/render.h"

namespace oomscope {

class MarkdownRenderer : public Renderer {
 public:
  explicit MarkdownRenderer(std::ostream& os, RenderOptions opts = {}) : os_(os), opts_(opts) {}
  void begin() override;
  void event(const OomEvent& ev) override;
  void report(const std::vector<Finding>& findings) override;  // render_report.cc
  void end(uint64_t lines_read, uint64_t bytes_read) override;

 private:
  std::ostream& os_;
  RenderOptions opts_;
  uint64_t n_ = 0;
  uint64_t incomplete_ = 0;
};

// md_cell(): text made safe for a Markdown table cell (| and newlines escaped).
std::string md_cell(std::string_view s);

}  // namespace oomscope
