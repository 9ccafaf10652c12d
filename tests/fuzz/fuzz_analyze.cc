// fuzz_analyze: the whole OOM report assembler on arbitrary bytes.
//
// Two paths, as `oomscope analyze` has them: analyze_string() (small inputs: reordered when
// descending, every line fed) and the streaming path (a bounded LineReader with the SIMD
// prefilter, lines cut at a small max_line here so that cut lines are exercised too).
// Every event is rendered to JSON and text, so the renderers see whatever the parser made.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "analyzer/analyze.h"
#include "analyzer/anchor.h"
#include "analyzer/oom_parser.h"
#include "analyzer/render.h"
#include "common/line_reader.h"

namespace {

// RenderSink: renders each event as `oomscope analyze` would (JSON and text), then drops it.
class RenderSink : public oomscope::EventSink {
 public:
  void on_event(oomscope::OomEvent&& ev) override {
    out.str("");
    json.event(ev);
    text.event(ev);
  }
  std::ostringstream out;
  oomscope::JsonRenderer json{out};
  oomscope::TextRenderer text{out};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  {
    oomscope::ParserOptions opts;
    opts.max_kept_lines = 16;
    RenderSink sink;
    oomscope::analyze_string(input, "fuzz.log", opts, sink);
  }
  {
    RenderSink sink;
    oomscope::OomParser p(sink, {});
    oomscope::StringLineReader r(input, /*max_line=*/200);
    p.begin_file("fuzz.log");
    oomscope::Line line;
    for (;;) {
      bool got = p.needs_every_line() ? r.next(line) : r.next_matching(line, oomscope::find_anchor);
      if (!got) break;
      p.feed(line.text, line.number, line.cut);
    }
    p.end_file();
  }
  return 0;
}
