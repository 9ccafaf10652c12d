// batch_cmd.cc: placeholder until batch lands.
#include <ostream>

#include "cli/command.h"
#include "cli/exit_codes.h"

namespace oomscope::cli {

int run_batch(int, char**, std::ostream&, std::ostream& err) {
  err << "oomscope batch: not implemented yet\n";
  return exit_code::kError;
}

}  // namespace oomscope::cli
