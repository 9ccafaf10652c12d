// replay_test.cc: a fuzz target's seeds and regressions, replayed by gtest in every build.
//
// Linked with one fuzz_<name>.cc. Every file of tests/fuzz/corpus/<name>/ (the seeds) and of
// tests/data/regressions/<name>/ (inputs that once crashed or hung, named after what they
// found) goes through the same LLVMFuzzerTestOneInput the fuzzer runs, so a fixed crash
// stays fixed in the normal and the ASan build, without clang. The suite is named after the
// target (FuzzReplay_prefix.Seeds…) so that ctest names stay unique.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_in(const std::string& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().filename().string()[0] != '.' && e.path().filename() != "README.md")
      out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

int replay(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

TEST(OOMSCOPE_FUZZ_SUITE, Seeds) {
  auto seeds = files_in(OOMSCOPE_FUZZ_CORPUS);
  ASSERT_GE(seeds.size(), 1u) << "no seed in " << OOMSCOPE_FUZZ_CORPUS;
  for (const auto& p : seeds) EXPECT_EQ(replay(p), 0) << p;
}

TEST(OOMSCOPE_FUZZ_SUITE, Regressions) {
  auto found = files_in(OOMSCOPE_FUZZ_REGRESSIONS);
  if (found.empty()) GTEST_SKIP() << "no regression input for " << OOMSCOPE_FUZZ_TARGET << " yet";
  for (const auto& p : found) {
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(replay(p), 0) << p;
    // An input that once hung must now finish quickly (generous: the ASan build is slower).
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10)) << p;
  }
}

}  // namespace
