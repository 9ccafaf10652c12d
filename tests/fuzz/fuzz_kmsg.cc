// fuzz_kmsg: /dev/kmsg record parsing and secret redaction on arbitrary bytes.
//
// parse_kmsg_record() and decode_kmsg_escapes() read records of the live ring buffer or of a
// capture file in a --root tree; the Redactor runs over every command line of the host.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>


#include "collector/kmsg.h"
#include "collector/redact.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace c = oomscope::collector;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)c::parse_kmsg_record(in);
  (void)c::decode_kmsg_escapes(in);
  static c::Redactor redactor(true);
  (void)redactor.redact_text(std::string(in));
  // As argv: NUL-separated, like /proc/<pid>/cmdline.
  std::vector<std::string> args;
  size_t start = 0;
  for (size_t i = 0; i <= in.size(); ++i) {
    if (i == in.size() || in[i] == '\0') {
      args.emplace_back(in.substr(start, i - start));
      start = i + 1;
    }
  }
  (void)redactor.redact_args(std::move(args));
  redactor.reset_counts();
  return 0;
}
