// text.h: the findings section of the text report.
//
// Example (035):
//   findings:
//     CRITICAL  anon_blowup  Anonymous memory filled the 256.0 MiB memcg limit: anon 254.5 MiB (99%); …
//       - anon 254.5 MiB = 99% of the 256.0 MiB memcg limit (memcg stats)
//       next: Find what grows in engine-gateway: …
#pragma once

#include <ostream>
#include <vector>

#include "analyzer/findings/finding.h"

namespace oomscope {

// render_findings_text(): nothing when `findings` is empty. `color` adds ANSI colours
// (severity and verdict); the caller decides (TTY, NO_COLOR).
void render_findings_text(std::ostream& os, const std::vector<Finding>& findings, bool color);

}  // namespace oomscope
