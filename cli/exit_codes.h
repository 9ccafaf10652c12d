// exit_codes.h: every exit code oomscope uses (documented in docs/cli.md and --help).
//
// analyze/batch follow ripgrep's convention: 0 = found OOM events, 1 = none found, 2 = error.
// An error that still let some work finish (an unreadable file among readable ones) is 2:
// the output holds what could be done, stderr says what could not.
#pragma once

namespace oomscope::exit_code {

inline constexpr int kFound = 0;        // analyze/batch: at least one OOM event or report finding; collect: pack written
inline constexpr int kNotFound = 1;     // analyze/batch: input read fine, no OOM event and no report finding
inline constexpr int kError = 2;        // bad usage, unreadable input, failed collection
inline constexpr int kInterrupted = 130;  // collect: SIGINT/SIGTERM; no pack left behind

}  // namespace oomscope::exit_code
