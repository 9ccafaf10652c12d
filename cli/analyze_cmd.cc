// analyze_cmd.cc: `oomscope analyze [FILE...|-] [--format text|json] [-o OUT]`.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "analyzer/analyze.h"
#include "analyzer/render.h"
#include "cli/command.h"
#include "cli/exit_codes.h"

namespace po = boost::program_options;

namespace oomscope::cli {
namespace {

struct AnalyzeOptions {
  std::vector<std::string> inputs;
  std::string format = "text";
  std::string output;
  int year = 0;
  uint64_t page_size = 0;
};

class RenderSink : public EventSink {
 public:
  explicit RenderSink(Renderer& r) : r_(r) {}
  void on_event(OomEvent&& ev) override { r_.event(ev); }

 private:
  Renderer& r_;
};

}  // namespace

int run_analyze(int argc, char** argv, std::ostream& out, std::ostream& err) {
  AnalyzeOptions o;
  po::options_description visible(
      "Usage: oomscope analyze [FILE...|-] [options]\n\n"
      "Find every kernel OOM report in kernel logs (dmesg, dmesg -T, syslog, journalctl,\n"
      "raw /dev/kmsg; several hosts and prefix styles may be mixed) and say what happened:\n"
      "who was killed, which limit was hit, what the memory was made of, the likely culprit.\n"
      "With no FILE, or FILE '-', reads standard input.\n\n"
      "Options");
  visible.add_options()
      ("help,h", "show this help")
      ("format,f", po::value(&o.format)->default_value("text"), "output format: text | json")
      ("output,o", po::value(&o.output), "write the report to this file instead of standard output")
      ("year", po::value(&o.year), "year for syslog/journalctl stamps that carry none")
      ("page-size", po::value(&o.page_size),
       "page size in bytes of the reporting kernel, when the report does not show it (task tables are in pages)");
  po::options_description hidden;
  hidden.add_options()("input", po::value(&o.inputs));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description pos;
  pos.add("input", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    out << visible << "\nExit codes: 0 OOM events found, 1 none found, 2 error (some input unreadable,\n"
                      "bad option); the events of readable inputs are still reported.\n"
                      "JSON output is documented in schema/analyze-output.schema.json.\n";
    return exit_code::kFound;
  }
  po::notify(vm);
  if (o.format != "text" && o.format != "json") {
    err << "oomscope analyze: unknown --format '" << o.format << "' (text, json)\n";
    return exit_code::kError;
  }
  ParserOptions popts;
  if (vm.count("year")) popts.year = o.year;
  if (vm.count("page-size")) {
    if (o.page_size < 512 || (o.page_size & (o.page_size - 1))) {
      err << "oomscope analyze: --page-size must be a power of two >= 512\n";
      return exit_code::kError;
    }
    popts.page_size = o.page_size;
  }
  if (o.inputs.empty()) o.inputs.push_back("-");

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
  std::unique_ptr<Renderer> r;
  if (o.format == "json") r = std::make_unique<JsonRenderer>(*os);
  else r = std::make_unique<TextRenderer>(*os);
  RenderSink sink(*r);
  r->begin();
  AnalyzeStats total;
  for (const std::string& in : o.inputs) {
    int fd = 0;
    if (in != "-") {
      fd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        err << "oomscope analyze: " << in << ": " << std::strerror(errno) << "\n";
        ++total.errors;
        continue;
      }
    }
    AnalyzeStats st = analyze_fd(fd, in, popts, sink, err);
    if (fd != 0) ::close(fd);
    total.events += st.events;
    total.lines += st.lines;
    total.bytes += st.bytes;
    total.errors += st.errors;
  }
  r->end(total.lines, total.bytes);
  os->flush();
  if (total.errors) return exit_code::kError;
  return total.events ? exit_code::kFound : exit_code::kNotFound;
}

}  // namespace oomscope::cli
