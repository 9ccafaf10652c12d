// render_test.cc: findings in the JSON, text, Markdown and HTML reports, on real reports.
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "analyzer/analyze.h"
#include "analyzer/findings/facts.h"
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

// The summary of an event (text `memory`/`culprit` lines, markdown, JSON composition, HTML
// chart) states the same shares of the same limit as the findings: on the real qemu captures
// of Debian 6.1 with hugepage pools, RAM less the pools (it said 36% of all RAM next to
// anon_blowup's 72% of RAM outside the hugepages).
struct SameBasisCase {
  const char* capture;
  const char* anon_share;    // "anon 183.8 MiB (72%)"
  const char* limit_phrase;  // after "of " in the text and markdown summaries
  const char* culprit;       // the culprit line's share
  const char* wrong_share;   // the share of all RAM the summary used to print
};

const SameBasisCase kSameBasis[] = {
    {"qemu-global-oom-hugepages-6.1", "anon 183.8 MiB (72%)",
     "RAM outside hugepages 255.5 MiB (RAM 511.5 MiB less 256.0 MiB of hugepage pools)",
     "= 72% of the 255.5 MiB RAM outside hugepages", "anon 183.8 MiB (36%)"},
    {"qemu-global-oom-hugepages-mixed-6.1", "anon 1.21 GiB (88%)",
     "RAM outside hugepages 1.37 GiB (RAM 2.50 GiB less 1.12 GiB of hugepage pools)",
     "= 88% of the 1.37 GiB RAM outside hugepages", "anon 1.21 GiB (49%)"},
    // No pools: all of RAM, and no hugepages words.
    {"qemu-global-oom-nohugepages-6.1", "anon 439.3 MiB (86%)", "RAM 511.5 MiB", "= 86% of the 511.5 MiB RAM;", nullptr},
};

TEST(GlobalOomQemu, SummaryStatesTheSharesOfTheFindingsBasis) {
  for (const SameBasisCase& k : kSameBasis) {
    SCOPED_TRACE(k.capture);
    const std::string path = std::string(OOMSCOPE_TEST_DATA "/captured/") + k.capture + ".log";
    std::ostringstream text, md, html, json;
    TextRenderer t(text);
    render(t, path);
    MarkdownRenderer m(md);
    render(m, path);
    HtmlRenderer h(html);
    render(h, path);
    JsonRenderer j(json);
    render(j, path);
    // Text: the summary line, the culprit line and anon_blowup's verdict give one share.
    EXPECT_THAT(text.str(), HasSubstr("  memory (Mem-Info):  " + std::string(k.anon_share)));
    EXPECT_THAT(text.str(), HasSubstr("  of " + std::string(k.limit_phrase) + "\n"));
    EXPECT_THAT(text.str(), HasSubstr(k.culprit));
    EXPECT_THAT(text.str(), HasSubstr(": " + std::string(k.anon_share) + "; oomscope-hog"));
    if (k.wrong_share) EXPECT_THAT(text.str(), Not(HasSubstr(k.wrong_share)));
    else EXPECT_THAT(text.str(), Not(HasSubstr("outside hugepages")));
    EXPECT_THAT(md.str(), HasSubstr(" of " + std::string(k.limit_phrase) + "\n"));
    // JSON: the composition's limit is anon_blowup's; the culprit's share is of it.
    auto ev = nlohmann::json::parse(json.str())["events"][0];
    const auto& c = ev["composition"];
    nlohmann::json a;
    for (const auto& f : ev["findings"])
      if (f["id"] == "anon_blowup") a = f;
    ASSERT_FALSE(a.is_null());
    EXPECT_EQ(c["limit_bytes"], a["data"]["limit_bytes"]);
    EXPECT_EQ(c["limit_label"], a["data"]["limit_label"]);
    EXPECT_EQ(c["anon_bytes"], a["data"]["anon_bytes"]);
    const double share = c["anon_bytes"].get<double>() / c["limit_bytes"].get<double>();
    EXPECT_DOUBLE_EQ(share, a["data"]["anon_share"].get<double>());
    EXPECT_DOUBLE_EQ(ev["culprit"]["share_of_limit"].get<double>(),
                     ev["culprit"]["rss_bytes"].get<double>() / c["limit_bytes"].get<double>());
    if (k.wrong_share) {
      EXPECT_EQ(c["limit_label"], "RAM outside hugepages");
      EXPECT_EQ(c["ram_bytes"].get<uint64_t>() - c["hugepages_bytes"].get<uint64_t>(), c["limit_bytes"].get<uint64_t>());
      EXPECT_THAT(html.str(), HasSubstr("; shares of " + std::string(k.limit_phrase) + "</text>"));
      // The limit's label ends at its line, inside the chart (it started there and ran out).
      EXPECT_THAT(html.str(), HasSubstr("text-anchor=\"end\">RAM outside hugepages "));
    } else {
      EXPECT_EQ(c["limit_label"], "RAM");
      EXPECT_FALSE(c.contains("ram_bytes"));
      EXPECT_FALSE(c.contains("hugepages_bytes"));
    }
  }
}

// for_each_real_event(): every event of every real log in the repository (the corpus copies and
// the captures), with its file name and 1-based number, parsed as `analyze` does.
template <typename Fn>
void for_each_real_event(Fn fn) {
  namespace fs = std::filesystem;
  for (const char* dir : {OOMSCOPE_TEST_DATA "/kernel-logs", OOMSCOPE_TEST_DATA "/captured"})
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".log") continue;
      CollectingSink sink;
      ParserOptions o;
      o.max_kept_lines = 4000;
      analyze_string(slurp(e.path().string()), e.path().string(), o, sink);
      for (size_t i = 0; i < sink.events.size(); ++i) fn(e.path().filename().string(), i + 1, sink.events[i]);
    }
}

// The same rule on every real report of the corpus and the captures: where the summary and the
// findings read the same block, they hold the same parts and the same limit.
TEST(Composition, SummaryAndFindingsAgreeOnEveryRealReport) {
  size_t compared = 0;
  for_each_real_event([&](const std::string& file, size_t n, const OomEvent& ev) {
    SCOPED_TRACE(file + " event " + std::to_string(n));
    findings::EventFacts f = findings::event_facts(ev);
    const Composition& c = f.composition;
    const findings::MemBreakdown& b = f.breakdown;
    if (c.basis.empty() || c.basis != b.basis) return;
    ++compared;
    EXPECT_EQ(c.anon_bytes, b.anon);
    EXPECT_EQ(c.file_bytes, b.page_cache);
    EXPECT_EQ(c.shmem_bytes, b.shmem);
    EXPECT_EQ(c.kernel_bytes, b.kernel);
    EXPECT_EQ(c.limit_bytes, b.limit);
    EXPECT_EQ(c.limit_label, b.limit_label);
  });
  EXPECT_GE(compared, 40u);
}

// event_facts() reads the memcg's stats once (MemcgStats) for the composition and the breakdown:
// the same figures as composition(ev) and breakdown(ev, c), which read them each, on every real
// report.
TEST(Composition, EventFactsReadTheStatsAsCompositionAndBreakdownDo) {
  size_t memcgs = 0;
  for_each_real_event([&](const std::string& file, size_t n, const OomEvent& ev) {
    SCOPED_TRACE(file + " event " + std::to_string(n));
    const findings::EventFacts f = findings::event_facts(ev);
    const Composition c = composition(ev);
    const findings::MemBreakdown b = findings::breakdown(ev, c);
    if (ev.memcg && !ev.memcg->stats.empty()) ++memcgs;
    for (const auto& [x, y] : {std::pair{f.composition.anon_bytes, c.anon_bytes}, {f.composition.file_bytes, c.file_bytes},
                               {f.composition.shmem_bytes, c.shmem_bytes}, {f.composition.kernel_bytes, c.kernel_bytes},
                               {f.composition.swap_bytes, c.swap_bytes}, {f.composition.limit_bytes, c.limit_bytes}})
      EXPECT_EQ(x, y);
    EXPECT_EQ(f.composition.basis, c.basis);
    for (const auto& [x, y] :
         {std::pair{f.breakdown.anon, b.anon}, {f.breakdown.page_cache, b.page_cache}, {f.breakdown.shmem, b.shmem},
          {f.breakdown.kernel, b.kernel}, {f.breakdown.swap, b.swap}, {f.breakdown.active_file, b.active_file},
          {f.breakdown.inactive_file, b.inactive_file}, {f.breakdown.unevictable, b.unevictable},
          {f.breakdown.mapped_file, b.mapped_file}, {f.breakdown.dirty, b.dirty}, {f.breakdown.writeback, b.writeback},
          {f.breakdown.slab_unreclaimable, b.slab_unreclaimable}, {f.breakdown.slab_reclaimable, b.slab_reclaimable},
          {f.breakdown.kernel_stack, b.kernel_stack}, {f.breakdown.pagetables, b.pagetables}, {f.breakdown.sock, b.sock},
          {f.breakdown.percpu, b.percpu}, {f.breakdown.vmalloc, b.vmalloc}, {f.breakdown.limit, b.limit},
          {f.breakdown.usage, b.usage}})
      EXPECT_EQ(x, y);
    EXPECT_EQ(f.breakdown.basis, b.basis);
  });
  EXPECT_GE(memcgs, 20u);
}

// With neither limit nor usage (a cut report) the denominator is the sum of the parts; callers
// write "of the <label>", so the label has no article of its own.
TEST(Composition, DenominatorLabelOfASumHasNoArticle) {
  findings::MemBreakdown b;
  b.anon = uint64_t{48} << 20;
  b.page_cache = uint64_t{16} << 20;
  EXPECT_EQ(b.denominator(), uint64_t{64} << 20);
  EXPECT_EQ(b.denominator_label(), "64.0 MiB the report accounts for");
}

// The sentences the findings compose from parts read right on every real report: no doubled word
// ("filled the the 64.0 MiB the report accounts for", when a cut report has neither limit nor
// usage and a label already began with "the").
TEST(Composition, NoDoubledWordInAnyFindingOfEveryRealReport) {
  const std::regex doubled(R"(\b([A-Za-z]+) \1(?![A-Za-z.]))");  // not "--pods pods.json"
  size_t sentences = 0;
  for_each_real_event([&](const std::string& file, size_t n, const OomEvent& ev) {
    for (const Finding& f : find_all(ev)) {
      SCOPED_TRACE(file + " event " + std::to_string(n) + " " + f.id);
      std::vector<std::string> texts = f.evidence;
      texts.push_back(f.verdict);
      texts.push_back(f.next_step);
      for (const std::string& t : texts) {
        ++sentences;
        EXPECT_FALSE(std::regex_search(t, doubled)) << t;
      }
    }
  });
  EXPECT_GE(sentences, 500u);
}

}  // namespace
}  // namespace oomscope
