// analyze_cmd.cc: `oomscope analyze [FILE...|PACK...|-] [--format text|json|markdown|html]
// [--pods FILE] [-o OUT]`.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "analyzer/analyze.h"
#include "analyzer/findings/kubernetes.h"
#include "analyzer/findings/pack_evidence.h"
#include "analyzer/findings/report.h"
#include "analyzer/parallel.h"
#include "analyzer/pipeline.h"
#include "analyzer/render.h"
#include "analyzer/render_html.h"
#include "analyzer/render_markdown.h"
#include "common/pack.h"
#include "cli/command.h"
#include "cli/exit_codes.h"

namespace po = boost::program_options;

namespace oomscope::cli {
namespace {

// Report lines kept per event to quote as evidence (the whole report of all but huge task tables).
constexpr size_t kKeptLinesPerEvent = 4000;

struct AnalyzeOptions {
  std::vector<std::string> inputs;
  std::string format = "text";
  std::string output;
  std::string pods;
  int year = 0;
  uint64_t page_size = 0;
  unsigned threads = 0;
};

}  // namespace

int run_analyze(int argc, char** argv, std::ostream& out, std::ostream& err) {
  AnalyzeOptions o;
  po::options_description visible(
      "Usage: oomscope analyze [FILE...|-] [options]\n\n"
      "Find every kernel OOM report in kernel logs (dmesg, dmesg -T, syslog, journalctl,\n"
      "raw /dev/kmsg; several hosts and prefix styles may be mixed) and say what happened:\n"
      "who was killed, which limit was hit, what the memory was made of, the likely culprit.\n"
      "Each finding comes with its numbers, the kernel lines that prove it and the next step\n"
      "(docs/findings.md). An evidence pack written by `oomscope collect` is recognised and its\n"
      "kernel log and tables are analyzed together.\n"
      "With no FILE, or FILE '-', reads standard input.\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("format,f", po::value(&o.format)->default_value("text"),
       "output format: text | json | markdown (to paste in a ticket) | html (one self-contained file with charts); "
       "text is coloured on a terminal unless NO_COLOR is set")
      ("pods", po::value(&o.pods),
       "a `kubectl get pods -A -o json` dump: name the namespace, pod and container of each OOM, and\n"
       "report OOMKilled / exit code 137 / Evicted terminations with no kernel OOM report in the input")
      ("output,o", po::value(&o.output), "write the report to this file instead of standard output")
      ("year", po::value(&o.year), "year for syslog/journalctl stamps that carry none")
      ("page-size", po::value(&o.page_size),
       "page size in bytes of the reporting kernel, when the report does not show it (task tables are in pages); "
       "a pack's own kernel log uses the page size the pack recorded")
      ("threads", po::value(&o.threads)->default_value(0),
       "parser threads for a large regular file (0: one per CPU, at most 8; 1: a single parser); "
       "the events and their order are the same whatever the number");
  po::options_description hidden;
  hidden.add_options()("input", po::value(&o.inputs));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description pos;
  pos.add("input", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    out << visible << "\nExit codes: 0 OOM events found (or a finding about the whole input: kills in a\n"
                      "pack's counters with no kernel record, --pods terminations with no kernel report),\n"
                      "1 none found, 2 error (some input unreadable, bad option); the events of readable\n"
                      "inputs are still reported.\n"
                      "JSON output is documented in schema/analyze-output.schema.json.\n";
    return exit_code::kFound;
  }
  po::notify(vm);
  if (o.format != "text" && o.format != "json" && o.format != "markdown" && o.format != "md" && o.format != "html") {
    err << "oomscope analyze: unknown --format '" << o.format << "' (text, json, markdown, html)\n";
    return exit_code::kError;
  }
  std::optional<PodIndex> pods;
  if (vm.count("pods")) {
    std::ifstream in(o.pods, std::ios::binary);
    if (!in) {
      err << "oomscope analyze: --pods " << o.pods << ": " << std::strerror(errno) << "\n";
      return exit_code::kError;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto idx = PodIndex::parse(text);
    if (!idx) {
      err << "oomscope analyze: --pods " << o.pods << ": " << idx.error().message << "\n";
      return exit_code::kError;
    }
    pods = std::move(*idx);
  }
  ParserOptions popts;
  popts.max_kept_lines = kKeptLinesPerEvent;
  if (vm.count("year")) popts.year = o.year;
  if (vm.count("page-size")) {
    if (o.page_size < 512 || (o.page_size & (o.page_size - 1))) {
      err << "oomscope analyze: --page-size must be a power of two >= 512\n";
      return exit_code::kError;
    }
    popts.page_size = o.page_size;
  }
  if (o.inputs.empty()) o.inputs.push_back("-");
  ParallelOptions par;
  par.threads = o.threads;

  std::ofstream file_out;
  std::ostream* os = &out;
  if (!o.output.empty() && o.output != "-") {
    file_out.open(o.output, std::ios::out | std::ios::trunc);
    if (!file_out) {
      err << "oomscope analyze: cannot write " << o.output << ": " << std::strerror(errno) << "\n";
      return exit_code::kError;
    }
    os = &file_out;
  }
  RenderOptions ropts;
  // https://no-color.org: a NO_COLOR that is set and not empty turns colour off.
  const char* no_color = std::getenv("NO_COLOR");
  ropts.color = os == &out && &out == &std::cout && ::isatty(STDOUT_FILENO) && !(no_color && *no_color);
  if (pods) ropts.findings.pods = &*pods;
  // Packs are read first: their tables are the context of every event's findings.
  std::vector<std::unique_ptr<PackEvidence>> packs;
  for (const std::string& in : o.inputs)
    if (in != "-" && looks_like_pack(in)) {
      auto pe = load_pack_evidence(in);
      if (!pe) {
        err << "oomscope analyze: " << in << ": " << pe.error().message << "\n";
        return exit_code::kError;
      }
      packs.push_back(std::make_unique<PackEvidence>(std::move(*pe)));
    }
  if (packs.size() > 1) err << "oomscope analyze: several packs: their findings use the first pack's tables\n";
  if (!packs.empty()) ropts.findings.pack = packs.front().get();
  std::unique_ptr<Renderer> r;
  if (o.format == "json") r = std::make_unique<JsonRenderer>(*os, ropts);
  else if (o.format == "markdown" || o.format == "md") r = std::make_unique<MarkdownRenderer>(*os, ropts);
  else if (o.format == "html") r = std::make_unique<HtmlRenderer>(*os, ropts);
  else r = std::make_unique<TextRenderer>(*os, ropts);
  r->begin();
  // Events are rendered on a second thread while the parser reads on (analyzer/pipeline.h), or
  // on the parser threads of a parallel run; every event is also digested for the findings
  // about the whole input (findings/report.h), read once all are written. Those rules need a
  // pack or --pods: without either, the events are not digested.
  ReportFacts report_facts;
  const bool report_rules_apply = ropts.findings.pack || ropts.findings.pods;
  PipelinedSink sink(*r, report_rules_apply ? &report_facts : nullptr);
  AnalyzeStats total;
  size_t pack_i = 0;
  for (const std::string& in : o.inputs) {
    if (in != "-" && pack_i < packs.size() && packs[pack_i]->path == in) {
      AnalyzeStats st = analyze_pack_kernel_log(*packs[pack_i++], popts, sink, err);
      total.events += st.events;
      total.lines += st.lines;
      total.bytes += st.bytes;
      total.errors += st.errors;
      continue;
    }
    int fd = 0;
    if (in != "-") {
      fd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        err << "oomscope analyze: " << in << ": " << std::strerror(errno) << "\n";
        ++total.errors;
        continue;
      }
    }
    AnalyzeStats st = analyze_fd(fd, in, popts, sink, err, par);
    if (fd != 0) ::close(fd);
    total.events += st.events;
    total.lines += st.lines;
    total.bytes += st.bytes;
    total.errors += st.errors;
  }
  sink.finish();
  const std::vector<Finding> report = find_report(report_facts, ropts.findings);
  r->report(report);
  r->end(total.lines, total.bytes);
  os->flush();
  if (total.errors) return exit_code::kError;
  // Report findings are evidence of kills too (counters, OOMKilled/137 terminations, evictions).
  return total.events || !report.empty() ? exit_code::kFound : exit_code::kNotFound;
}

}  // namespace oomscope::cli
