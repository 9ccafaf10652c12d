// render_test.cc: findings in the JSON, text, Markdown and HTML reports, on real reports.
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analyzer/analyze.h"
#include "analyzer/render.h"
#include "analyzer/render_html.h"
#include "analyzer/render_markdown.h"

namespace oomscope {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string k035 = OOMSCOPE_TEST_DATA "/kernel-logs/035-seed-engine-gateway-cgroupv2-5.10-blog-cut-lines.log";
const std::string k007 = OOMSCOPE_TEST_DATA "/kernel-logs/007-k8s-pause-killed-cgroupv1-partial-elided.log";

std::string render(Renderer& r, const std::string& path) {
  struct Sink : EventSink {
    Renderer& r;
    explicit Sink(Renderer& rr) : r(rr) {}
    void on_event(OomEvent&& ev) override { r.event(ev); }
  } sink(r);
  ParserOptions o;
  o.max_kept_lines = 4000;
  r.begin();
  AnalyzeStats st = analyze_string(slurp(path), path, o, sink);
  r.end(st.lines, st.bytes);
  return "";
}

TEST(JsonReport, EachEventHasFindingsAndKeepsItsFields) {
  std::ostringstream os;
  JsonRenderer r(os);
  render(r, k035);
  auto j = nlohmann::json::parse(os.str());
  const auto& ev = j["events"][0];
  for (const char* k : {"source", "trigger", "memcg", "tasks", "killed", "composition", "culprit", "findings"})
    EXPECT_TRUE(ev.contains(k)) << k;
  ASSERT_GE(ev["findings"].size(), 1u);
  EXPECT_EQ(ev["findings"][0]["id"], "anon_blowup");
  EXPECT_EQ(ev["findings"][0]["data"]["culprit_comm"], "engine-gateway");
  EXPECT_FALSE(ev["findings"][0]["evidence_lines"].empty());
}

TEST(TextReport, FindingsSectionWithoutColourUnlessAsked) {
  std::ostringstream plain, color;
  TextRenderer a(plain);
  render(a, k035);
  EXPECT_THAT(plain.str(), HasSubstr("  findings:\n    CRITICAL  anon_blowup  Anonymous memory filled the 256.0 MiB memcg limit"));
  EXPECT_THAT(plain.str(), HasSubstr("next: Find what grows in engine-gateway"));
  EXPECT_THAT(plain.str(), Not(HasSubstr("\x1b[")));
  RenderOptions o;
  o.color = true;
  TextRenderer b(color, o);
  render(b, k035);
  EXPECT_THAT(color.str(), HasSubstr("\x1b[1;31mCRITICAL\x1b[0m"));
}

TEST(MarkdownReport, SummaryTableTopTasksAndQuotedLines) {
  std::ostringstream os;
  MarkdownRenderer r(os);
  render(r, k007);
  const std::string md = os.str();
  EXPECT_THAT(md, HasSubstr("## OOM event 1: pause (pid 5740) killed"));
  EXPECT_THAT(md, HasSubstr("**The kernel killed pause (pid 5740, rss 4 KiB) while data_sim (pid 58406) holds 15.13 GiB"));
  EXPECT_THAT(md, HasSubstr("| Severity | Finding | Verdict | Next step |"));
  EXPECT_THAT(md, HasSubstr("| warning | `victim_not_culprit` |"));
  EXPECT_THAT(md, HasSubstr("| 58406 | `data_sim` | 15.13 GiB |"));
  EXPECT_THAT(md, HasSubstr("| 5740 | `pause` | 4 KiB | - | 0 B | -998 | killed |"));
  // The evidence, quoted from the kernel log with its line numbers.
  EXPECT_THAT(md, HasSubstr("```text\n"));
  EXPECT_THAT(md, HasSubstr("28: Memory cgroup out of memory: Killed process 5740 (pause)"));
  EXPECT_EQ(md_cell("a|b\nc"), "a\\|b c");
}

TEST(HtmlReport, OneSelfContainedFileWithCharts) {
  std::ostringstream os;
  HtmlRenderer r(os);
  render(r, k035);
  const std::string h = os.str();
  EXPECT_THAT(h, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(h, HasSubstr("default-src 'none'"));
  EXPECT_THAT(h, HasSubstr("<svg class=\"chart composition\""));
  EXPECT_THAT(h, HasSubstr("<svg class=\"chart tasks\""));
  EXPECT_THAT(h, HasSubstr("data-part=\"anon\""));
  EXPECT_THAT(h, HasSubstr("class=\"task victim\""));
  EXPECT_THAT(h, HasSubstr("data-id=\"anon_blowup\""));
  // Nothing to fetch: no scripts, no external references.
  EXPECT_THAT(h, Not(HasSubstr("<script")));
  EXPECT_THAT(h, Not(HasSubstr("src=\"http")));
  EXPECT_THAT(h, Not(HasSubstr("href=\"http")));
  EXPECT_EQ(html_escape("<a href='x'>&\xff"), "&lt;a href=&#39;x&#39;&gt;&amp;\xEF\xBF\xBD");
}

}  // namespace
}  // namespace oomscope
