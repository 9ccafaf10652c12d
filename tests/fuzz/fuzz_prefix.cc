// fuzz_prefix: analyzer/prefix.h on arbitrary bytes.
//
// parse_prefix() sees every line of every log (binary junk included); it must never read
// outside the line, and the views it returns must point into it. wall_to_iso() converts the
// stamp it found, with and without a year.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyzer/oom_parser.h"
#include "analyzer/prefix.h"

namespace {

// inside(): `part` is empty or lies within `whole`.
bool inside(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  oomscope::LogLine l = oomscope::parse_prefix(raw);
  // The views must alias the input: a view into a temporary would be a use-after-free that
  // ASan reports only if someone reads it, so check the invariant directly.
  for (std::string_view v : {l.text, l.host, l.tag, l.wall_raw, l.caller}) {
    if (!inside(v, raw)) std::abort();
  }
  (void)oomscope::wall_to_iso(l);
  (void)oomscope::wall_to_iso(l, 2026);
  (void)oomscope::has_anchor(raw);
  return 0;
}
