// fuzz_prefix: analyzer/prefix.h on arbitrary bytes.
//
// parse_prefix() sees every line of every log (binary junk included); it must never read
// outside the line, and the views it returns must point into it. The same holds for a
// PrefixParser that reuses the head of the line before (the input's first half). wall_to_iso()
// converts the stamp it found, with and without a year; mono_s() reads the stamp's numbers.
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
  for (std::string_view v : {l.text, l.host, l.tag, l.wall_raw, l.caller, l.mono_raw, l.kmsg_seq_raw}) {
    if (!inside(v, raw)) std::abort();
  }
  oomscope::PrefixParser p;
  p.parse(raw.substr(0, raw.size() / 2));
  const oomscope::LogLine again = p.parse(raw);
  for (std::string_view v :
       {again.text, again.host, again.tag, again.wall_raw, again.caller, again.mono_raw, again.kmsg_seq_raw}) {
    if (!inside(v, raw)) std::abort();
  }
  (void)oomscope::wall_to_iso(l);
  (void)oomscope::wall_to_iso(l, 2026);
  (void)l.mono_s();
  (void)l.kmsg_seq();
  (void)oomscope::has_anchor(raw);
  return 0;
}
