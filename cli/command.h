// command.h: the subcommand table of `oomscope`.
//
// Each subcommand lives in its own <name>_cmd.cc, declares its options once with
// Boost.Program_options (which also generates its --help), turns them into a plain
// Options struct, validates that into a config and runs it. It returns an exit code from
// exit_codes.h; exceptions escaping it are caught in main() and become exit code 2.
#pragma once

#include <iosfwd>
#include <string_view>

namespace oomscope::cli {

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(int argc, char** argv, std::ostream& out, std::ostream& err);
};

int run_analyze(int argc, char** argv, std::ostream& out, std::ostream& err);
int run_collect(int argc, char** argv, std::ostream& out, std::ostream& err);
int run_batch(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace oomscope::cli
