// analyze.h: the `oomscope analyze` pipeline over files, stdin or strings.
//
// Reads each input with a bounded LineReader, feeds an OomParser, and renders every event
// as soon as it closes. An unreadable input is reported on `err` and counted; the other
// inputs are still analyzed.
//
// Example:
//   CollectingSink sink;
//   AnalyzeStats st = analyze_string("[1.0] Out of memory: Killed process 1 (x)", "t.log", {}, sink);
//   // st.events == 1, sink.events[0].killed->pid == 1
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "analyzer/oom_parser.h"

namespace oomscope {

struct AnalyzeStats {
  uint64_t events = 0;
  uint64_t lines = 0;
  uint64_t bytes = 0;
  uint64_t errors = 0;  // inputs that could not be read (fully)
};

struct ParallelOptions;  // analyzer/parallel.h

// analyze_fd(): reads `fd` to its end. Small regular inputs in reverse chronological order
// (exports from GUI log viewers) are put back in order first; large regular files are parsed
// by several threads (analyze_parallel(), same events) unless `par` says one thread.
AnalyzeStats analyze_fd(int fd, const std::string& name, const ParserOptions& opts, EventSink& sink,
                        std::ostream& err);
AnalyzeStats analyze_fd(int fd, const std::string& name, const ParserOptions& opts, EventSink& sink,
                        std::ostream& err, const ParallelOptions& par);
AnalyzeStats analyze_string(std::string data, const std::string& name, const ParserOptions& opts,
                            EventSink& sink);

// reverse_if_descending(): true (and `lines` reversed) when the lines' timestamps mostly go
// backwards. Exposed for tests.
bool reverse_if_descending(std::vector<std::string_view>& lines);

}  // namespace oomscope
