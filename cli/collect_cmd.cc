// collect_cmd.cc: placeholder until the collector lands (issue #3).
#include <ostream>

#include "cli/command.h"
#include "cli/exit_codes.h"

namespace oomscope::cli {

int run_collect(int, char**, std::ostream&, std::ostream& err) {
  err << "oomscope collect: not implemented yet\n";
  return exit_code::kError;
}

}  // namespace oomscope::cli
