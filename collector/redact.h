// redact.h: remove secrets from command lines before they reach a pack.
//
// Packs get attached to tickets and chat threads, so anything that looks like a credential
// is replaced by "<redacted>" by default: the value after a secret-named flag
// ("--password x", "-api-key x"), key=value / key: value pairs with secret-like keys
// ("token=…", "aws_secret_access_key=…"), "Bearer …" / "Basic …" authorization values,
// AWS access key ids (AKIA…), and the password of a URL's user:pass@ part. The patterns are
// compiled once; one RE2::Set says which of them match an argument before any replacement
// runs. Counts per pattern go into the pack's `redactions` table.
//
// Example:
//   Redactor r(true);
//   r.redact_args({"app", "--password", "hunter2", "--db=postgres://u:pw@db/x"})
//     == {"app", "--password", "<redacted>", "--db=postgres://u:<redacted>@db/x"}
//   r.total() == 2
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace oomscope::collector {

inline constexpr std::string_view kRedacted = "<redacted>";

class Redactor {
 public:
  explicit Redactor(bool enabled) : enabled_(enabled) {}

  // redact_args(): argv with secrets replaced; a no-op copy when disabled.
  std::vector<std::string> redact_args(std::vector<std::string> args);

  // redact_text(): one string (an argument, a line) with secrets replaced.
  std::string redact_text(std::string text);

  bool enabled() const { return enabled_; }
  // counts(): replacements per pattern name since the last reset_counts().
  const std::map<std::string, int64_t>& counts() const { return counts_; }
  int64_t total() const { return total_; }
  void reset_counts() { counts_.clear(); }

  // patterns_ok(): every pattern compiled (tests assert this).
  static bool patterns_ok();

 private:
  bool enabled_;
  std::map<std::string, int64_t> counts_;
  int64_t total_ = 0;
};

}  // namespace oomscope::collector
