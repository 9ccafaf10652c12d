// html_chromium_test.cc: the HTML report, opened in headless Chromium (Debian's `chromium`,
// installed by scripts/install-deps). Checks that the page renders (the DOM after load has the
// charts and the findings), that nothing was refused by its no-network Content-Security-Policy,
// and takes a screenshot. Skips, saying why, when chromium is not installed.
//
// The report and the screenshot stay in <build>/tests/analyzer/findings/html-report/ for people
// to look at.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analyzer/analyze.h"
#include "analyzer/findings/pack_evidence.h"
#include "analyzer/render_html.h"
#include "tests/testing/subprocess.h"

namespace oomscope {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string find_chromium() {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    std::stringstream ss(p);
    for (std::string dir; std::getline(ss, dir, ':');) {
      std::string f = dir + "/" + name;
      if (::access(f.c_str(), X_OK) == 0) return f;
    }
  }
  return "";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The report of three real incidents in one file.
std::string html_report() {
  std::ostringstream os;
  HtmlRenderer r(os);
  struct Sink : EventSink {
    Renderer& r;
    explicit Sink(Renderer& rr) : r(rr) {}
    void on_event(OomEvent&& ev) override { r.event(ev); }
  } sink(r);
  ParserOptions o;
  o.max_kept_lines = 4000;
  uint64_t lines = 0, bytes = 0;
  for (const char* f : {"035-seed-engine-gateway-cgroupv2-5.10-blog-cut-lines.log",
                        "007-k8s-pause-killed-cgroupv1-partial-elided.log", "037-local-shmem-tmpfs-cgroupv1-6.18.log"}) {
    std::string path = std::string(OOMSCOPE_TEST_DATA "/kernel-logs/") + f;
    AnalyzeStats st = analyze_string(slurp(path), path, o, sink);
    lines += st.lines;
    bytes += st.bytes;
  }
  r.end(lines, bytes);
  return os.str();
}

std::vector<std::string> chromium_args(const std::string& bin, const std::string& profile) {
  return {bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"};
}

TEST(HtmlInChromium, RendersChartsAndTakesAScreenshot) {
  std::string bin = find_chromium();
  if (bin.empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps installs Debian's chromium)";
  const fs::path out = fs::path(OOMSCOPE_TEST_OUTPUT) / "html-report";
  fs::create_directories(out);
  const fs::path html = out / "report.html";
  const fs::path png = out / "report.png";
  fs::remove(png);
  ASSERT_TRUE(testing::write_file(html.string(), html_report()).ok());
  auto profile = testing::TempDir::create("oomscope-chromium");
  ASSERT_TRUE(profile.ok());
  const std::string url = "file://" + html.string();

  auto dom_args = chromium_args(bin, profile->path() + "/dom");
  dom_args.push_back("--dump-dom");
  dom_args.push_back(url);
  auto dom = testing::run_process(dom_args, std::chrono::seconds(20));
  ASSERT_TRUE(dom.ok()) << dom.error().message;
  ASSERT_FALSE(dom->timed_out) << dom->err;
  ASSERT_EQ(dom->exit_code, 0) << dom->err;
  // The DOM after load: every event, its charts and its findings are there.
  EXPECT_THAT(dom->out, HasSubstr("<h1>OOM report</h1>"));
  EXPECT_THAT(dom->out, HasSubstr("OOM event 3"));
  EXPECT_THAT(dom->out, HasSubstr("class=\"chart composition\""));
  EXPECT_THAT(dom->out, HasSubstr("class=\"chart tasks\""));
  EXPECT_THAT(dom->out, HasSubstr("data-id=\"anon_blowup\""));
  EXPECT_THAT(dom->out, HasSubstr("data-id=\"victim_not_culprit\""));
  EXPECT_THAT(dom->out, HasSubstr("data-id=\"shmem\""));
  EXPECT_THAT(dom->out, HasSubstr("</html>"));
  // Nothing was blocked by the page's no-network policy, and the page raised no error.
  EXPECT_THAT(dom->err, Not(HasSubstr("Refused to")));
  EXPECT_THAT(dom->err, Not(HasSubstr("Uncaught")));

  auto shot_args = chromium_args(bin, profile->path() + "/shot");
  shot_args.push_back("--hide-scrollbars");
  shot_args.push_back("--window-size=1280,2400");
  shot_args.push_back("--screenshot=" + png.string());
  shot_args.push_back(url);
  auto shot = testing::run_process(shot_args, std::chrono::seconds(20));
  ASSERT_TRUE(shot.ok()) << shot.error().message;
  ASSERT_FALSE(shot->timed_out) << shot->err;
  ASSERT_EQ(shot->exit_code, 0) << shot->err;
  ASSERT_TRUE(fs::exists(png)) << shot->err;
  std::string bytes = slurp(png);
  ASSERT_GT(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // IHDR width and height, big-endian at offsets 16 and 20.
  auto be32 = [&](size_t o) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(bytes[o])) << 24) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[o + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[o + 2])) << 8) |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[o + 3]));
  };
  EXPECT_EQ(be32(16), 1280u);
  EXPECT_EQ(be32(20), 2400u);
  EXPECT_GT(bytes.size(), 20000u) << "a blank page compresses to a few KiB";
  std::cout << "screenshot: " << png.string() << "\n";
}

// With a pack of several samples the page also draws the memory over time.
TEST(HtmlInChromium, PackReportDrawsGrowthOverTime) {
  std::string bin = find_chromium();
  if (bin.empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps installs Debian's chromium)";
  auto pe = load_pack_evidence(OOMSCOPE_SOURCE_DIR "/tests/analyzer/findings/data/arenas-growth-cgroupv1-6.18.oompack");
  ASSERT_TRUE(pe.ok()) << pe.error().message;
  RenderOptions ro;
  ro.findings.pack = &*pe;
  std::ostringstream os;
  HtmlRenderer r(os, ro);
  struct Sink : EventSink {
    Renderer& r;
    explicit Sink(Renderer& rr) : r(rr) {}
    void on_event(OomEvent&& ev) override { r.event(ev); }
  } sink(r);
  ParserOptions o;
  o.max_kept_lines = 4000;
  std::ostringstream err;
  AnalyzeStats st = analyze_pack_kernel_log(*pe, o, sink, err);
  r.end(st.lines, st.bytes);
  const fs::path out = fs::path(OOMSCOPE_TEST_OUTPUT) / "html-report";
  fs::create_directories(out);
  const fs::path html = out / "pack-report.html";
  ASSERT_TRUE(testing::write_file(html.string(), os.str()).ok());
  auto profile = testing::TempDir::create("oomscope-chromium");
  ASSERT_TRUE(profile.ok());
  auto args = chromium_args(bin, profile->path() + "/dom");
  args.push_back("--dump-dom");
  args.push_back("file://" + html.string());
  auto dom = testing::run_process(args, std::chrono::seconds(20));
  ASSERT_TRUE(dom.ok()) << dom.error().message;
  ASSERT_EQ(dom->exit_code, 0) << dom->err;
  EXPECT_THAT(dom->out, HasSubstr("class=\"chart growth\""));
  EXPECT_THAT(dom->out, HasSubstr("class=\"series\""));
  EXPECT_THAT(dom->out, HasSubstr("data-id=\"malloc_arenas\""));
  EXPECT_THAT(dom->err, Not(HasSubstr("Refused to")));
}

}  // namespace
}  // namespace oomscope
