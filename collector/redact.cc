#include "collector/redact.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <memory>

namespace oomscope::collector {

namespace {

struct Pattern {
  const char* name;
  const char* regex;    // group 1 is kept, the match after it is replaced
  const char* rewrite;  // RE2 rewrite string
};

// Secret-ish key names. Deliberately broad: a false positive costs a value in a pack, a
// false negative leaks a credential.
#define OOMSCOPE_SECRET_KEY \
  "(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key)"

// A value: not starting with '<' so "<redacted>" is not redacted again.
#define OOMSCOPE_VALUE "[^\\s&,;'\"<][^\\s&,;'\"]*"

constexpr Pattern kPatterns[] = {
    // url-userinfo: scheme://user:PASSWORD@host
    {"url-userinfo", R"(([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+(@))", "\\1<redacted>\\2"},
    // bearer / basic authorization values: "Authorization: Bearer eyJ…"
    {"authorization", "(?i)(\\b(?:bearer|basic)\\s+)[A-Za-z0-9._~+/=-]{6,}", "\\1<redacted>"},
    // key=value and key: value with a secret-like key: "token=abc", "aws_secret_access_key=…"
    {"key-value", "(?i)([A-Za-z0-9_.-]*" OOMSCOPE_SECRET_KEY "[A-Za-z0-9_.-]*\\s*[=:]\\s*)" OOMSCOPE_VALUE,
     "\\1<redacted>"},
    // AWS access key ids
    {"aws-access-key", R"(()\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|AIPA)[0-9A-Z]{16}\b)", "\\1<redacted>"},
};

// A flag whose NEXT argument is a secret: "--password", "-token", "--client-secret".
const RE2& secret_flag() {
  static const RE2 kFlag("(?i)^--?[A-Za-z0-9_.-]*" OOMSCOPE_SECRET_KEY "[A-Za-z0-9_.-]*$");
  return kFlag;
}

struct Compiled {
  std::vector<std::unique_ptr<RE2>> res;
  RE2::Set set{RE2::Options(), RE2::UNANCHORED};
  bool ok = true;
};

const Compiled& compiled() {
  static const Compiled* kCompiled = [] {
    auto* c = new Compiled;
    for (const auto& p : kPatterns) {
      c->res.push_back(std::make_unique<RE2>(p.regex));
      c->ok = c->ok && c->res.back()->ok();
      c->ok = c->ok && c->set.Add(p.regex, nullptr) >= 0;
    }
    c->ok = c->set.Compile() && c->ok;
    return c;
  }();
  return *kCompiled;
}

}  // namespace

bool Redactor::patterns_ok() { return compiled().ok && secret_flag().ok(); }

std::string Redactor::redact_text(std::string text) {
  if (!enabled_ || text.empty()) return text;
  const Compiled& c = compiled();
  std::vector<int> hits;
  if (!c.set.Match(text, &hits)) return text;
  std::sort(hits.begin(), hits.end());  // apply in the table's order
  for (int i : hits) {
    int n = RE2::GlobalReplace(&text, *c.res[static_cast<size_t>(i)], kPatterns[i].rewrite);
    if (n > 0) {
      counts_[kPatterns[i].name] += n;
      total_ += n;
    }
  }
  return text;
}

std::vector<std::string> Redactor::redact_args(std::vector<std::string> args) {
  if (!enabled_) return args;
  for (size_t i = 0; i < args.size(); ++i) {
    // "--password hunter2": the value is the next argument. "--password=x" is key-value.
    if (i + 1 < args.size() && RE2::FullMatch(args[i], secret_flag()) && !args[i + 1].empty() &&
        args[i + 1].front() != '-') {
      args[i] = redact_text(std::move(args[i]));
      args[i + 1] = std::string(kRedacted);
      counts_["flag-value"]++;
      total_++;
      ++i;
      continue;
    }
    args[i] = redact_text(std::move(args[i]));
  }
  return args;
}

}  // namespace oomscope::collector
