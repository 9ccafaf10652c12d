#include <algorithm>
#include <iterator>

#include "analyzer/findings/facts.h"
#include "analyzer/findings/finding.h"
#include "analyzer/findings/rules.h"

namespace oomscope {
namespace {

// Root causes first, then circumstances, then attribution and what the log lacks.
constexpr findings::Rule kRules[] = {
    findings::anon_blowup,  findings::shmem,       findings::kernel_memory, findings::page_cache,
    findings::many_tasks,   findings::victim_not_culprit, findings::global_oom, findings::which_limit,
    findings::kubernetes,   findings::pack_evidence, findings::missing_evidence,
};

}  // namespace

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::kCritical: return "critical";
    case Severity::kWarning: return "warning";
    case Severity::kInfo: return "info";
  }
  return "info";
}

std::vector<Finding> find_all(const OomEvent& ev, const FindingContext& ctx) {
  std::vector<Finding> out;
  out.reserve(4);  // an event has 1-4 findings: no Finding is moved by a regrowth
  if (ctx.facts) {
    for (findings::Rule r : kRules) r(ev, ctx, out);
  } else {
    const findings::EventFacts facts = findings::event_facts(ev);
    FindingContext with_facts = ctx;
    with_facts.facts = &facts;
    for (findings::Rule r : kRules) r(ev, with_facts, out);
  }
  // The rules mostly come out in severity order already: then stable_sort() would only take a
  // buffer and move every Finding for nothing.
  auto more_severe = [](const Finding& a, const Finding& b) { return a.severity < b.severity; };
  if (!std::is_sorted(out.begin(), out.end(), more_severe)) std::stable_sort(out.begin(), out.end(), more_severe);
  return out;
}

nlohmann::ordered_json findings_to_json(const std::vector<Finding>& findings) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const Finding& f : findings) {
    nlohmann::ordered_json lines = nlohmann::ordered_json::array();
    for (const EvidenceLine& l : f.evidence_lines) lines.push_back({{"line", l.line}, {"text", l.text}});
    arr.push_back({{"id", f.id},
                   {"severity", severity_name(f.severity)},
                   {"title", f.title},
                   {"verdict", f.verdict},
                   {"evidence", f.evidence},
                   {"data", f.data},
                   {"next_step", f.next_step},
                   {"evidence_lines", lines}});
  }
  return arr;
}

}  // namespace oomscope
