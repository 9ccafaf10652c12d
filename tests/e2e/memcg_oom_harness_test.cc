// memcg_oom_harness_test.cc: the real-OOM harness (tests/testing/memcg_oom.h) checked on its
// own, independently of the analyzer: the hog dies of SIGKILL inside its cgroup, the cgroup's
// counters saw the OOM kill, the kernel logged it, and no cgroup is left behind.
//
// Set OOMSCOPE_CAPTURE_DIR=<dir> to also save the captured kernel records there
// (kmsg-raw.log and dmesg.log), as was done for tests/data/captured/.
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/kmsg_capture.h"
#include "tests/testing/memcg_oom.h"
#include "tests/testing/oom_capture.h"
#include "tests/testing/subprocess.h"

namespace oomscope::testing {
namespace {

using ::testing::HasSubstr;

bool path_exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

std::string killed_line(int pid) { return "Killed process " + std::to_string(pid) + " (" + kHogComm + ")"; }

// Saves the capture when OOMSCOPE_CAPTURE_DIR is set (see tests/data/captured/README.md).
void maybe_save_capture(const std::vector<KmsgRecord>& records, const MemcgOomResult& r) {
  const char* dir = std::getenv("OOMSCOPE_CAPTURE_DIR");
  if (!dir || !*dir) return;
  utsname u{};
  ::uname(&u);
  char when[32];
  std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string about = std::string("kernel ") + u.release + " " + u.version + "\ncaptured " + when + "\n" + describe(r) + "\n";
  ASSERT_TRUE(write_file(std::string(dir) + "/kmsg-raw.log", render_kmsg_raw(records)).ok());
  ASSERT_TRUE(write_file(std::string(dir) + "/dmesg.log", render_dmesg(records)).ok());
  ASSERT_TRUE(write_file(std::string(dir) + "/capture-info.txt", about).ok());
}

TEST(MemcgOomHarness, RejectsALimitTooSmallToBeSafe) {
  auto r = trigger_memcg_oom({.limit_bytes = 1 << 20});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArg);
}

TEST(MemcgOomHarness, HogIsOomKilledInsideItsCgroupAndTheKernelSaysSo) {
  if (std::string why = why_memcg_oom_not_permitted(); !why.empty()) GTEST_SKIP() << why;
  constexpr uint64_t kLimit = 32ull << 20;
  auto cap = capture_memcg_oom({.limit_bytes = kLimit});
  if (!cap.ok() && cap.error().code == ErrorCode::kInterrupted) GTEST_SKIP() << cap.error().message;
  ASSERT_TRUE(cap.ok()) << cap.error().message;
  MemcgOomRun* run = &cap->run;
  const MemcgOomResult& r = run->result;
  std::cerr << "[ harness  ] " << describe(r) << " (attempts: " << cap->attempts << ")\n";

  // The hog verified its confinement and then died of the kernel's SIGKILL, not ours.
  EXPECT_TRUE(r.confined) << describe(r);
  EXPECT_TRUE(r.killed_by_sigkill) << describe(r);
  EXPECT_FALSE(r.timed_out) << describe(r);
  EXPECT_EQ(::kill(r.hog_pid, 0), -1);  // reaped: the pid is gone
  EXPECT_EQ(errno, ESRCH);
  EXPECT_LT(r.time_to_kill.count(), 5'000'000) << "OOM kill took more than 5 s";

  // The cgroup is still there (kept) and its counters saw exactly one OOM kill.
  ASSERT_TRUE(path_exists(r.fs_path)) << r.fs_path;
  ASSERT_TRUE(r.before.oom_kill.has_value() && r.after.oom_kill.has_value()) << describe(r);
  EXPECT_EQ(*r.after.oom_kill, *r.before.oom_kill + 1) << describe(r);
  auto now = run->cgroup.counters();
  ASSERT_TRUE(now.ok()) << now.error().message;
  EXPECT_EQ(now->oom_kill, r.after.oom_kill);
  EXPECT_EQ(now->limit_bytes, std::optional<uint64_t>(kLimit));
  if (r.after.peak_bytes) {
    EXPECT_GE(*r.after.peak_bytes, kLimit * 9 / 10) << describe(r);
  }
  if (r.cgroup_version == 2) {
    // v2 counts every time usage hit memory.max; v1's failcnt is not reliably kept on new
    // kernels (6.18 reported failcnt 0 for a real OOM), so only v2 asserts it.
    ASSERT_TRUE(r.after.failcnt.has_value());
    EXPECT_GT(*r.after.failcnt, r.before.failcnt.value_or(0));
  }

  // The kernel logged this OOM for this hog and this cgroup.
  const std::vector<KmsgRecord>* records = &cap->records;
  const std::string dmesg = render_dmesg(*records);
  EXPECT_THAT(dmesg, HasSubstr("Memory cgroup out of memory: " + killed_line(r.hog_pid))) << dmesg;
  EXPECT_THAT(dmesg, HasSubstr(std::string(kHogComm) + " invoked oom-killer: ")) << dmesg;
  EXPECT_THAT(dmesg, HasSubstr("memory: usage ")) << dmesg;
  EXPECT_THAT(dmesg, HasSubstr("limit " + std::to_string(kLimit / 1024) + "kB")) << dmesg;
  if (contains_text(*records, "oom-kill:constraint=")) {  // kernels >= 4.19 print the summary line
    EXPECT_THAT(dmesg, HasSubstr("oom-kill:constraint=CONSTRAINT_MEMCG,")) << dmesg;
    // In a cgroup namespace the kernel's name has a longer prefix; it always ends in ours.
    EXPECT_THAT(dmesg, HasSubstr(r.cgroup_path + ",task_memcg=")) << dmesg;
    EXPECT_THAT(dmesg, HasSubstr(r.cgroup_path + ",task=" + kHogComm + ",")) << dmesg;
    EXPECT_THAT(dmesg, HasSubstr(",pid=" + std::to_string(r.hog_pid) + ",")) << dmesg;
  }
  maybe_save_capture(*records, r);

  // The guard removes the cgroup.
  ASSERT_TRUE(run->cgroup.remove().ok());
  EXPECT_TRUE(run->cgroup.removed());
  EXPECT_FALSE(path_exists(r.fs_path)) << r.fs_path;
}

TEST(MemcgOomHarness, TriggerRemovesTheCgroupAndAGuardRemovesItOnScopeExit) {
  if (std::string why = why_memcg_oom_not_permitted(); !why.empty()) GTEST_SKIP() << why;
  auto r = trigger_memcg_oom({.limit_bytes = 16ull << 20});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->killed_by_sigkill) << describe(*r);
  EXPECT_FALSE(path_exists(r->fs_path)) << r->fs_path;

  std::string kept_path;
  {
    auto run = trigger_memcg_oom_keep({.limit_bytes = 16ull << 20});
    ASSERT_TRUE(run.ok()) << run.error().message;
    kept_path = run->result.fs_path;
    EXPECT_TRUE(path_exists(kept_path));
  }
  EXPECT_FALSE(path_exists(kept_path)) << kept_path;
}

TEST(MemcgOomHarness, CgroupIsConfiguredBeforeTheHogStarts) {
  if (std::string why = why_memcg_oom_not_permitted(); !why.empty()) GTEST_SKIP() << why;
  auto site = find_memcg_site();
  ASSERT_TRUE(site.ok()) << site.error().message;
  std::string fs_path;
  {
    auto cg = ScopedMemcg::create(*site, "oomscope-e2e-config-" + std::to_string(::getpid()), 8ull << 20);
    ASSERT_TRUE(cg.ok()) << cg.error().message;
    fs_path = cg->fs_path();
    auto c = cg->counters();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->limit_bytes, std::optional<uint64_t>(8ull << 20));
    EXPECT_EQ(c->oom_kill, std::optional<uint64_t>(0));
    if (site->version == 1 && path_exists(fs_path + "/memory.memsw.limit_in_bytes")) {
      auto memsw = run_process({"/bin/cat", fs_path + "/memory.memsw.limit_in_bytes"}, std::chrono::seconds(5));
      ASSERT_TRUE(memsw.ok());
      EXPECT_EQ(memsw->out, std::to_string(8ull << 20) + "\n");  // no swap beyond the limit
    }
    if (site->version == 2 && path_exists(fs_path + "/memory.swap.max")) {
      auto swap = run_process({"/bin/cat", fs_path + "/memory.swap.max"}, std::chrono::seconds(5));
      ASSERT_TRUE(swap.ok());
      EXPECT_EQ(swap->out, "0\n");
    }
    EXPECT_EQ(cg->cgroup_path(), (site->parent_path == "/" ? "" : site->parent_path) + "/oomscope-e2e-config-" +
                                     std::to_string(::getpid()));
  }
  EXPECT_FALSE(path_exists(fs_path)) << fs_path;
}

// Safety check of the hog itself: when the cgroup's limit file does not read the limit it was
// told, it must refuse to allocate (exit kHogExitNotConfined) instead of running unlimited.
TEST(MemcgOomHarness, HogRefusesToAllocateWhenTheLimitIsNotTheExpectedOne) {
  if (std::string why = why_memcg_oom_not_permitted(); !why.empty()) GTEST_SKIP() << why;
  auto site = find_memcg_site();
  ASSERT_TRUE(site.ok()) << site.error().message;
  auto cg = ScopedMemcg::create(*site, "oomscope-e2e-refuse-" + std::to_string(::getpid()), 16ull << 20);
  ASSERT_TRUE(cg.ok()) << cg.error().message;
  ASSERT_TRUE(write_file(cg->limit_file(), std::to_string(8ull << 20)).ok());  // behind the guard's back

  auto r = run_hog_in(*cg, {.timeout = std::chrono::seconds(10)});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->confined) << describe(*r);
  EXPECT_FALSE(r->killed_by_sigkill) << describe(*r);
  ASSERT_TRUE(WIFEXITED(r->wait_status)) << describe(*r);
  EXPECT_EQ(WEXITSTATUS(r->wait_status), kHogExitNotConfined) << describe(*r);
  EXPECT_THAT(r->hog_error, HasSubstr("limit file does not read the expected limit"));
  EXPECT_EQ(r->after.oom_kill, r->before.oom_kill) << describe(*r);
  ASSERT_TRUE(cg->remove().ok());
}

// The hog run as a plain program, with the parent check and the cgroup check lied to: it must
// refuse (exit kHogExitNotConfined) and say why on its report fd (here stderr).
TEST(MemcgOomHarness, HogRefusesAWrongCgroupOrAWrongParent) {
  if (std::string why = why_memcg_oom_not_permitted(); !why.empty()) GTEST_SKIP() << why;
  auto site = find_memcg_site();
  ASSERT_TRUE(site.ok()) << site.error().message;
  auto cg = ScopedMemcg::create(*site, "oomscope-e2e-wrong-" + std::to_string(::getpid()), 16ull << 20);
  ASSERT_TRUE(cg.ok()) << cg.error().message;
  auto args = [&](const std::string& parent, const std::string& cgroup) {
    return std::vector<std::string>{hog_executable(), "--parent", parent, "--report-fd", "2",
                                    "--cgroup-version", std::to_string(cg->version()),
                                    "--procs", cg->fs_path() + "/cgroup.procs", "--cgroup", cgroup,
                                    "--limit-file", cg->limit_file(), "--limit", std::to_string(cg->limit_bytes()),
                                    "--chunk", std::to_string(1 << 20), "--cap", std::to_string(cg->limit_bytes() * 4)};
  };
  // It joins the limited cgroup, then finds that /proc/self/cgroup does not name the one it
  // was told: nothing is allocated.
  auto wrong_cgroup = run_process(args(std::to_string(::getpid()), cg->cgroup_path() + "-not-this-one"),
                                  std::chrono::seconds(10));
  ASSERT_TRUE(wrong_cgroup.ok()) << wrong_cgroup.error().message;
  EXPECT_EQ(wrong_cgroup->exit_code, kHogExitNotConfined) << wrong_cgroup->err;
  EXPECT_EQ(wrong_cgroup->err, "Enot in the limited cgroup after joining it");
  auto wrong_parent = run_process(args("1", cg->cgroup_path()), std::chrono::seconds(10));
  ASSERT_TRUE(wrong_parent.ok()) << wrong_parent.error().message;
  EXPECT_EQ(wrong_parent->exit_code, kHogExitNotConfined) << wrong_parent->err;
  EXPECT_EQ(wrong_parent->err, "Eparent is gone");
  auto missing = run_process({hog_executable(), "--report-fd", "2"}, std::chrono::seconds(10));
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_EQ(missing->exit_code, kHogExitNotConfined);
  EXPECT_THAT(missing->err, HasSubstr("missing argument"));
  auto c = cg->counters();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->oom_kill, std::optional<uint64_t>(0));
  ASSERT_TRUE(cg->remove().ok());
}

// The hog must stay a plain program in every build: no sanitizer runtime in it (see
// tests/testing/CMakeLists.txt), so its RSS in the kernel's report is only what it touched.
TEST(MemcgOomHarness, HogExecutableIsNotSanitized) {
  std::ifstream in(hog_executable(), std::ios::binary);
  ASSERT_TRUE(in) << hog_executable();
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.compare(0, 4, "\x7f" "ELF"), 0);
  EXPECT_EQ(bytes.find("__asan_init"), std::string::npos) << "the hog is built with ASan";
  EXPECT_EQ(bytes.find("__ubsan_handle"), std::string::npos) << "the hog is built with UBSan";
  EXPECT_EQ(bytes.find("libasan.so"), std::string::npos);
  EXPECT_NE(bytes.find(kHogComm), std::string::npos);  // it names itself (PR_SET_NAME)
}

// ---- /dev/kmsg record handling (pure; runs everywhere) ----------------------------------

TEST(KmsgCapture, ParsesRecordHeaders) {
  struct Case {
    const char* raw;
    int level;
    uint64_t seq, usec;
    char flags;
    const char* text;
  } cases[] = {
      {"6,30574068,3816544225428,-;memory: usage 20480kB, limit 20480kB, failcnt 136", 6, 30574068, 3816544225428, '-',
       "memory: usage 20480kB, limit 20480kB, failcnt 136"},
      {"3,2981,311138113,-;Memory cgroup out of memory: Killed process 4002 (python3)", 3, 2981, 311138113, '-',
       "Memory cgroup out of memory: Killed process 4002 (python3)"},
      {"4,12,5,c,caller=T4002;oom-kill:constraint=CONSTRAINT_MEMCG", 4, 12, 5, 'c', "oom-kill:constraint=CONSTRAINT_MEMCG"},
      {"12,7,9,-;a;b\n SUBSYSTEM=pci\n DEVICE=+pci:0000:00:01.0", 4, 7, 9, '-', "a;b"},
  };
  for (const auto& c : cases) {
    auto r = parse_kmsg_record(c.raw);
    ASSERT_TRUE(r.ok()) << c.raw;
    EXPECT_EQ(r->level, c.level) << c.raw;
    EXPECT_EQ(r->seq, c.seq) << c.raw;
    EXPECT_EQ(r->usec, c.usec) << c.raw;
    EXPECT_EQ(r->flags, c.flags) << c.raw;
    EXPECT_EQ(r->text, c.text) << c.raw;
  }
  EXPECT_EQ(parse_kmsg_record("12,7,9,-;x")->facility, 1);
  for (const char* bad : {"", "no header here", "6,1,2;missing flags", "x,1,2,-;bad prio", "6,1,,-;no usec"}) {
    auto r = parse_kmsg_record(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kParse) << bad;
  }
}

TEST(KmsgCapture, RendersRawAndDmesgStyle) {
  std::vector<KmsgRecord> recs;
  for (const char* raw : {"6,1,311137900,-;memory: usage 32768kB, limit 32768kB, failcnt 0",
                          "3,2,7000001,-;tab\\x09here \\\\ and \\xZZ kept"}) {
    recs.push_back(parse_kmsg_record(raw).value());
  }
  EXPECT_EQ(render_kmsg_raw(recs),
            "6,1,311137900,-;memory: usage 32768kB, limit 32768kB, failcnt 0\n"
            "3,2,7000001,-;tab\\x09here \\\\ and \\xZZ kept\n");
  EXPECT_EQ(render_dmesg(recs),
            "[  311.137900] memory: usage 32768kB, limit 32768kB, failcnt 0\n"
            "[    7.000001] tab\there \\\\ and \\xZZ kept\n");
  EXPECT_TRUE(contains_text(recs, "limit 32768kB"));
  EXPECT_FALSE(contains_text(recs, "Killed process"));
}

TEST(KmsgCapture, ReadsOnlyNewRecordsFromTheEnd) {
  if (::geteuid() != 0) GTEST_SKIP() << "writing to /dev/kmsg needs root";
  auto kmsg = KmsgReader::open_at_end();
  if (!kmsg) GTEST_SKIP() << kmsg.error().message;
  const std::string marker = "oomscope-kmsg-test-" + std::to_string(::getpid());
  ASSERT_TRUE(write_file("/dev/kmsg", "<6>" + marker + " one\n").ok());
  ASSERT_TRUE(write_file("/dev/kmsg", "<6>" + marker + " two\n").ok());
  auto recs = kmsg->read_until_contains(marker + " two", std::chrono::seconds(2));
  ASSERT_TRUE(recs.ok()) << recs.error().message;
  std::vector<std::string> ours;
  for (const auto& r : *recs)
    if (r.text.find(marker) != std::string::npos) ours.push_back(r.text);
  EXPECT_THAT(ours, ::testing::ElementsAre(marker + " one", marker + " two"));
  ASSERT_FALSE(recs->empty());
  auto since = read_kmsg_since(recs->front().seq);
  ASSERT_TRUE(since.ok());
  ASSERT_FALSE(since->empty());
  EXPECT_EQ(since->front().seq, recs->front().seq);
  EXPECT_TRUE(contains_text(*since, marker + " two"));
}

}  // namespace
}  // namespace oomscope::testing
