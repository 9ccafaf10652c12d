// rules.h: the finding rules, one per file (internal to analyzer/findings/).
//
// Each rule is a pure function: it reads one OomEvent (and the optional context), appends
// zero or more Findings to `out`, and has no other effect. find_all() runs them in the order
// of kRules (findings.cc). docs/findings.md documents every finding id they produce.
#pragma once

#include <vector>

#include "analyzer/event.h"
#include "analyzer/findings/finding.h"

namespace oomscope::findings {

using Rule = void (*)(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out);

void anon_blowup(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out);         // anon_blowup.cc
void page_cache(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out);          // page_cache.cc
void shmem(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out);               // shmem.cc
void kernel_memory(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out);       // kernel_memory.cc
void many_tasks(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out);          // many_tasks.cc
void victim_not_culprit(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out);  // victim_not_culprit.cc
void global_oom(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out);          // global_oom.cc
void which_limit(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out);         // which_limit.cc
void kubernetes(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out);          // kubernetes.cc
void missing_evidence(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out);    // missing_evidence.cc
void pack_evidence(const OomEvent& ev, const FindingContext& ctx, std::vector<Finding>& out);       // pack_findings.cc

}  // namespace oomscope::findings
