// fuzz_proc: every pure /proc and cgroup file parser of the collector on the same bytes.
//
// The collector reads these files from the live host or from a --root tree someone else
// made (a sosreport, a tarball from a ticket), so their content is untrusted. Each parser
// gets the whole input; the seeds are the real files of tests/data/proc and tests/data/roots.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collector/cgroup.h"
#include "collector/proc_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace c = oomscope::collector;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)c::parse_meminfo(in);
  (void)c::parse_flat_keyed(in);
  (void)c::parse_cgroup_value(in);
  (void)c::parse_psi(in);
  if (auto st = c::parse_status(in); st.ok()) (void)st->debug_string();
  if (auto r = c::parse_smaps_rollup(in); r.ok()) (void)r->debug_string();
  if (auto m = c::parse_smaps(in); m.ok()) {
    for (const auto& map : *m) (void)map.mem.debug_string();
  }
  (void)c::parse_proc_stat(in);
  if (auto cg = c::parse_proc_cgroup(in); cg.ok()) {
    (void)c::memory_cgroup_path(*cg, true);
    (void)c::memory_cgroup_path(*cg, false);
  }
  (void)c::split_cmdline(in);
  (void)c::parse_btime(in);
  (void)c::parse_uptime(in);
  // Cgroup path helpers take paths from /proc/<pid>/cgroup and from the command line.
  std::string norm = c::normalize_cgroup_path(in);
  (void)c::ancestors_of(norm);
  (void)c::is_within(in, norm);
  size_t half = in.size() / 2;
  (void)c::pod_matches(in.substr(0, half), in.substr(half));
  (void)c::container_matches(in.substr(0, half), in.substr(half));
  return 0;
}
