// text.h: the findings section of the text report.
//
// Example (035):
//   findings:
//     CRITICAL  anon_blowup  Anonymous memory filled the 256.0 MiB memcg limit: anon 254.5 MiB (99%); …
//       - anon 254.5 MiB = 99% of the 256.0 MiB memcg limit (memcg stats)
//       next: Find what grows in engine-gateway: …
#pragma once

#include <charconv>
#include <concepts>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/findings/finding.h"

namespace oomscope {

// TextOut: `<<` into a std::string, for the text report (an ostringstream costs a sentry
// and a virtual call per `<<`, which showed at OOM-storm rates). Integers are written as
// an ostream in the default format writes them.
class TextOut {
 public:
  explicit TextOut(std::string& out) : out_(out) {}
  TextOut& operator<<(std::string_view s) {
    out_.append(s);
    return *this;
  }
  TextOut& operator<<(const char* s) { return *this << std::string_view(s); }
  TextOut& operator<<(char c) {
    out_ += c;
    return *this;
  }
  template <std::integral I>
    requires(!std::same_as<I, char> && !std::same_as<I, bool>)
  TextOut& operator<<(I v) {
    char b[24];
    out_.append(b, std::to_chars(b, b + sizeof b, v).ptr);
    return *this;
  }

 private:
  std::string& out_;
};

// render_findings_text(): nothing when `findings` is empty. `color` adds ANSI colours
// (severity and verdict); the caller decides (TTY, NO_COLOR).
void render_findings_text(std::ostream& os, const std::vector<Finding>& findings, bool color);
void render_findings_text(TextOut& out, const std::vector<Finding>& findings, bool color);

}  // namespace oomscope
