// main.cc: `oomscope <command> [options]`: dispatch, top-level error handling, exit codes.
#include <csignal>
#include <cstring>
#include <exception>
#include <iostream>

#include <boost/program_options/errors.hpp>
#if defined(OOMSCOPE_TCMALLOC)
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

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

#if defined(OOMSCOPE_TCMALLOC)
// FreePageTrimmer: gives tcmalloc's free page spans back to the kernel once more than kMaxFree
// bytes of them pile up, looking every kEvery, on a thread of its own. tcmalloc (the binary's
// allocator, see CMakeLists.txt) keeps freed spans mapped, and the memory bounds of issue 5
// count peak RSS: a hostile report grows vectors to tens of MiB, and each regrowth would leave
// the old buffer resident (a million-victim group kill peaked at 235 MiB instead of under 200).
// tcmalloc's own remedy, tcmalloc.aggressive_memory_decommit, gives every freed span back at
// once: on an OOM storm small spans went back and were faulted in again ~3 000 times per GiB,
// each madvise() a TLB shoot-down on the other CPUs, 6-15% of the analysis' CPU time on the
// 2-vCPU VM (dense GiB, 3 rounds: 3.58-4.21 s against 3.04-3.82 s without).
class FreePageTrimmer {
 public:
  static constexpr size_t kMaxFree = 16 << 20;
  static constexpr std::chrono::milliseconds kEvery{10};
  FreePageTrimmer() : thread_([this] { run(); }) {}
  ~FreePageTrimmer() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  FreePageTrimmer(const FreePageTrimmer&) = delete;
  FreePageTrimmer& operator=(const FreePageTrimmer&) = delete;

 private:
  void run() {
    std::unique_lock lk(mu_);
    while (!cv_.wait_for(lk, kEvery, [this] { return stop_; })) {
      size_t free_bytes = 0;
      if (MallocExtension::instance()->GetNumericProperty("tcmalloc.pageheap_free_bytes", &free_bytes) &&
          free_bytes > kMaxFree)
        MallocExtension::instance()->ReleaseFreeMemory();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the members above exist
};
#endif

}  // namespace

int main(int argc, char** argv) {
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
#if defined(OOMSCOPE_TCMALLOC)
    FreePageTrimmer trimmer;  // for a command that runs, not for --help or --version
#endif
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
