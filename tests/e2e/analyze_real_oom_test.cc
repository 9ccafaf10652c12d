// analyze_real_oom_test.cc: `oomscope analyze --format json` on a kernel OOM report that this
// very kernel just printed. A hog is OOM-killed in a small memory cgroup (tests/testing/
// memcg_oom.h), the new /dev/kmsg records are written to a file, once as raw kmsg records and
// once as plain dmesg lines, and the analyzer must find exactly that OOM with the facts the
// harness knows independently: victim pid and comm, cgroup path, limit, anon RSS near the limit.
#include <sys/utsname.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/kmsg_capture.h"
#include "tests/testing/memcg_oom.h"
#include "tests/testing/oom_capture.h"
#include "tests/testing/subprocess.h"

namespace oomscope::testing {
namespace {

using nlohmann::json;

enum class LogStyle { kKmsgRaw, kDmesg };

std::string style_name(LogStyle s) { return s == LogStyle::kKmsgRaw ? "kmsg-raw" : "dmesg"; }
void PrintTo(LogStyle s, std::ostream* os) { *os << style_name(s); }

// at(): the value at a JSON pointer ("/killed/pid"), or null when any step is missing.
json at(const json& j, const std::string& pointer) {
  json::json_pointer p(pointer);
  return j.contains(p) ? j.at(p) : json();
}

// Prints the input, the analyzer's output and the harness facts once, if the test failed.
struct DumpOnFailure {
  std::string context;
  ~DumpOnFailure() {
    if (::testing::Test::HasFailure()) std::cerr << context << "\n";
  }
};

// kernel_cgroup_name(): the OOM cgroup as the kernel names it. That is oom->cgroup_path, unless
// this process runs in a cgroup namespace: the kernel then prints the path from the real
// root, a longer name ending in ours, which the "oom-kill:" summary line (4.19+) shows.
std::string kernel_cgroup_name(const std::vector<KmsgRecord>& records, const std::string& cgroup_path) {
  for (const auto& r : records) {
    size_t at = r.text.find(",oom_memcg=");
    if (!r.text.starts_with("oom-kill:") || at == std::string::npos) continue;
    std::string name = r.text.substr(at + 11, r.text.find(',', at + 11) - (at + 11));
    if (name.ends_with(cgroup_path)) return name;
  }
  return cgroup_path;
}

class AnalyzeRealOom : public ::testing::TestWithParam<LogStyle> {};

TEST_P(AnalyzeRealOom, FindsTheOomWithTheFactsTheHarnessKnows) {
  if (std::string why = why_memcg_oom_not_permitted(); !why.empty()) GTEST_SKIP() << why;
  constexpr uint64_t kLimit = 32ull << 20;
  auto cap = capture_memcg_oom({.limit_bytes = kLimit});
  if (!cap.ok() && cap.error().code == ErrorCode::kInterrupted) GTEST_SKIP() << cap.error().message;
  ASSERT_TRUE(cap.ok()) << cap.error().message;
  const MemcgOomResult* oom = &cap->run.result;
  const std::vector<KmsgRecord>* records = &cap->records;
  const std::string memcg_name = kernel_cgroup_name(*records, oom->cgroup_path);

  auto dir = TempDir::create("oomscope-e2e");
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  const std::string log_path = dir->file(style_name(GetParam()) + ".log");
  const std::string log = GetParam() == LogStyle::kKmsgRaw ? render_kmsg_raw(*records) : render_dmesg(*records);
  ASSERT_TRUE(write_file(log_path, log).ok());

  auto run = run_process({OOMSCOPE_BINARY, "analyze", "--format", "json", log_path}, std::chrono::seconds(20));
  ASSERT_TRUE(run.ok()) << run.error().message;
  DumpOnFailure dump{"--- input (" + log_path + ") ---\n" + log + "--- stdout ---\n" + run->out + "--- stderr ---\n" +
                     run->err + "--- harness ---\n" + describe(*oom)};
  ASSERT_FALSE(run->timed_out);
  ASSERT_EQ(run->exit_code, 0) << "exit 0 = OOM events found";
  json report = json::parse(run->out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(report.is_discarded()) << "stdout is not JSON";
  ASSERT_TRUE(at(report, "/events").is_array());

  // Exactly one event is ours. Others may only be OOMs of other cgroups that happened in the
  // same window (reports are serialized by the kernel's oom_lock, so they cannot interleave).
  const json* ev = nullptr;
  int ours = 0;
  for (const json& e : report["events"]) {
    if (at(e, "/killed/pid") == json(oom->hog_pid) || at(e, "/trigger/pid") == json(oom->hog_pid) ||
        at(e, "/memcg/oom_memcg") == json(memcg_name)) {
      ++ours;
      ev = &e;
    }
  }
  ASSERT_EQ(ours, 1);
  if (report["events"].size() > 1) std::cerr << "[ note     ] other OOM events in the window: " << report["events"].size() - 1 << "\n";
  const json& e = *ev;

  EXPECT_EQ(at(e, "/complete"), json(true));
  EXPECT_EQ(at(e, "/killed/pid"), json(oom->hog_pid));
  EXPECT_EQ(at(e, "/killed/comm"), json(kHogComm));
  EXPECT_EQ(at(e, "/killed/oom_score_adj"), json(1000));  // the hog sets it
  EXPECT_EQ(at(e, "/trigger/comm"), json(kHogComm));       // the hog itself hit the limit
  EXPECT_EQ(at(e, "/trigger/pid"), json(oom->hog_pid));
  EXPECT_EQ(at(e, "/source/file"), json(log_path));
  utsname u{};
  ASSERT_EQ(::uname(&u), 0);
  EXPECT_EQ(at(e, "/kernel"), json(u.release));  // from the dump_stack "CPU: … <release> #…" line
  EXPECT_EQ(at(e, "/trigger/oom_score_adj"), json(1000));
  ASSERT_TRUE(at(e, "/killed/anon_rss_kb").is_number());
  const double anon_kb = at(e, "/killed/anon_rss_kb").get<double>();
  const double limit_kb = static_cast<double>(kLimit / 1024);
  EXPECT_GE(anon_kb, 0.75 * limit_kb);
  EXPECT_LE(anon_kb, 1.05 * limit_kb);
  std::cerr << "[ measured ] anon_rss_kb " << anon_kb << " = " << 100.0 * anon_kb / limit_kb << "% of the "
            << limit_kb << " kB limit; time to kill " << oom->time_to_kill.count() << " us\n";

  ASSERT_TRUE(at(e, "/memcg").is_object());
  EXPECT_EQ(at(e, "/memcg/oom_memcg"), json(memcg_name));
  EXPECT_EQ(at(e, "/memcg/limit_kb"), json(kLimit / 1024));
  ASSERT_TRUE(at(e, "/memcg/usage_kb").is_number());
  EXPECT_GE(at(e, "/memcg/usage_kb").get<double>(), 0.9 * limit_kb);
  if (contains_text(*records, "oom-kill:constraint=")) {
    EXPECT_EQ(at(e, "/constraint"), json("CONSTRAINT_MEMCG"));
    EXPECT_EQ(at(e, "/memcg/task_memcg"), json(memcg_name));
  }

  // The task table lists the hog, the only task in the cgroup.
  ASSERT_TRUE(at(e, "/tasks").is_array());
  int hog_rows = 0;
  for (const json& t : e["tasks"]) {
    if (at(t, "/pid") != json(oom->hog_pid)) continue;
    ++hog_rows;
    EXPECT_EQ(at(t, "/name"), json(kHogComm));
    EXPECT_EQ(at(t, "/oom_score_adj"), json(1000));
  }
  EXPECT_EQ(hog_rows, 1);
}

INSTANTIATE_TEST_SUITE_P(BothLogStyles, AnalyzeRealOom, ::testing::Values(LogStyle::kKmsgRaw, LogStyle::kDmesg),
                         [](const auto& info) { return style_name(info.param) == "kmsg-raw" ? "KmsgRaw" : "Dmesg"; });

}  // namespace
}  // namespace oomscope::testing
