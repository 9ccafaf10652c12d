// main.cc: `oomscope <command> [options]`: dispatch, top-level error handling, exit codes.
#include <csignal>
#include <cstring>
#include <exception>
#include <iostream>

#include <boost/program_options/errors.hpp>
#if defined(OOMSCOPE_TCMALLOC)
#include <gperftools/malloc_extension.h>
#endif

#include "cli/command.h"
#include "cli/exit_codes.h"

namespace {

using oomscope::cli::Command;

constexpr Command kCommands[] = {
    {"analyze", "find and explain OOM kills in kernel logs or evidence packs", oomscope::cli::run_analyze},
    {"collect", "bundle this node's OOM evidence into one SQLite evidence pack", oomscope::cli::run_collect},
    {"batch", "(not implemented yet) sweep many logs and packs into a catalog", oomscope::cli::run_batch},
};

void usage(std::ostream& os) {
  os << "oomscope " OOMSCOPE_VERSION " - keep and explain the evidence of Linux OOM kills\n\n"
        "Usage: oomscope <command> [options]\n\nCommands:\n";
  for (const auto& c : kCommands) os << "  " << c.name << std::string(10 - c.name.size(), ' ') << c.summary << "\n";
  os << "\nRun 'oomscope <command> --help' for the options of a command.\n"
        "\nExit codes: 0 OOM events found / pack written, 1 no OOM event found, 2 error,\n"
        "130 collection interrupted (no pack left behind).\n";
}

}  // namespace

int main(int argc, char** argv) {
#if defined(OOMSCOPE_TCMALLOC)
  // tcmalloc (the binary's allocator, see CMakeLists.txt) keeps freed page spans mapped by
  // default. The memory bounds of issue 5 count peak RSS: a hostile report grows vectors to
  // tens of MiB, and each regrowth would leave the old buffer resident (a million-victim group
  // kill peaked at 235 MiB instead of under 200). Freed spans go back to the kernel at once, as
  // with glibc's malloc for large blocks; on the benchmark logs this costs no measurable time.
  MallocExtension::instance()->SetNumericProperty("tcmalloc.aggressive_memory_decommit", 1);
#endif
  // A closed pipe (oomscope analyze big.log | head) is not an error: write() returns EPIPE
  // and the stream goes bad; we stop quietly.
  std::signal(SIGPIPE, SIG_IGN);
  std::ios::sync_with_stdio(false);
  if (argc < 2) {
    usage(std::cerr);
    return oomscope::exit_code::kError;
  }
  std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage(std::cout);
    return 0;
  }
  if (cmd == "--version" || cmd == "-V") {
    std::cout << "oomscope " OOMSCOPE_VERSION "\n";
    return 0;
  }
  for (const auto& c : kCommands) {
    if (c.name != cmd) continue;
    try {
      int rc = c.run(argc - 1, argv + 1, std::cout, std::cerr);
      std::cout.flush();
      return rc;
    } catch (const boost::program_options::error& e) {
      std::cerr << "oomscope " << cmd << ": " << e.what() << "\n(see 'oomscope " << cmd << " --help')\n";
      return oomscope::exit_code::kError;
    } catch (const std::exception& e) {
      std::cerr << "oomscope " << cmd << ": " << e.what() << "\n";
      return oomscope::exit_code::kError;
    }
  }
  std::cerr << "oomscope: unknown command '" << cmd << "'\n\n";
  usage(std::cerr);
  return oomscope::exit_code::kError;
}
