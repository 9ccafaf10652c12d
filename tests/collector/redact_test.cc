// Redaction of secrets in command lines (issue #3, "Safety and honesty").
#include "collector/redact.h"

#include <gtest/gtest.h>

namespace oomscope::collector {
namespace {

TEST(Redactor, PatternsCompile) { EXPECT_TRUE(Redactor::patterns_ok()); }

TEST(Redactor, ArgsTable) {
  struct {
    std::vector<std::string> in, want;
    int64_t count;
  } cases[] = {
      {{"app", "--password", "hunter2"}, {"app", "--password", "<redacted>"}, 1},
      {{"redis-server", "--requirepass", "r3d1s"}, {"redis-server", "--requirepass", "<redacted>"}, 1},
      {{"kubelet", "--token", "abc.def"}, {"kubelet", "--token", "<redacted>"}, 1},
      {{"app", "--password=hunter2"}, {"app", "--password=<redacted>"}, 1},
      {{"java", "-Dspring.datasource.password=Sup3r"}, {"java", "-Dspring.datasource.password=<redacted>"}, 1},
      {{"env", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG"}, {"env", "AWS_SECRET_ACCESS_KEY=<redacted>"}, 1},
      {{"x", "token=abc123def"}, {"x", "token=<redacted>"}, 1},
      {{"curl", "-H", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"},
       {"curl", "-H", "Authorization: Bearer <redacted>"}, 1},
      {{"app", "--db=postgres://app:s3cr3t@db.internal/orders"}, {"app", "--db=postgres://app:<redacted>@db.internal/orders"}, 1},
      {{"aws", "AKIAIOSFODNN7EXAMPLE"}, {"aws", "<redacted>"}, 1},
      // nothing secret: untouched
      {{"nginx: master process nginx -g daemon off;"}, {"nginx: master process nginx -g daemon off;"}, 0},
      {{"sleep", "infinity"}, {"sleep", "infinity"}, 0},
      {{"app", "--password"}, {"app", "--password"}, 0},            // no value to hide
      {{"app", "--password", "--verbose"}, {"app", "--password", "--verbose"}, 0},  // next is a flag
      {{"git", "clone", "https://github.com/x/y"}, {"git", "clone", "https://github.com/x/y"}, 0},
  };
  for (const auto& c : cases) {
    Redactor r(true);
    EXPECT_EQ(r.redact_args(c.in), c.want) << c.in.back();
    EXPECT_EQ(r.total(), c.count) << c.in.back();
  }
}

TEST(Redactor, CountsPerPatternAndReset) {
  Redactor r(true);
  r.redact_args({"a", "--password", "x1", "token=y", "postgres://u:p@h/", "token=z"});
  EXPECT_EQ(r.counts().at("flag-value"), 1);
  EXPECT_EQ(r.counts().at("key-value"), 2);
  EXPECT_EQ(r.counts().at("url-userinfo"), 1);
  EXPECT_EQ(r.total(), 4);
  r.reset_counts();
  EXPECT_TRUE(r.counts().empty());
  EXPECT_EQ(r.total(), 4) << "total is for the whole run";
}

TEST(Redactor, DisabledIsIdentity) {
  Redactor r(false);
  std::vector<std::string> in = {"app", "--password", "hunter2", "token=x"};
  EXPECT_EQ(r.redact_args(in), in);
  EXPECT_EQ(r.total(), 0);
}

TEST(Redactor, OverlapsNeverLeakAndRedactedIsNotRedactedAgain) {
  Redactor r(true);
  // Two patterns overlap here; whatever order they run in, the credential must not survive.
  std::string out = r.redact_text("token: Bearer abcdefgh12");
  EXPECT_EQ(out.find("abcdefgh12"), std::string::npos) << out;
  EXPECT_EQ(out, "token: <redacted> <redacted>");
  Redactor again(true);
  EXPECT_EQ(again.redact_text("--password=<redacted> token=<redacted>"), "--password=<redacted> token=<redacted>");
  EXPECT_EQ(again.total(), 0);
}

}  // namespace
}  // namespace oomscope::collector
