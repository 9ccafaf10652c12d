#include <algorithm>
#include <iterator>
#include <tuple>

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

nlohmann::ordered_json FindingData::Value::to_json() const {
  switch (kind_) {
    case Kind::kNull: return nullptr;
    case Kind::kUnsigned: return u_;
    case Kind::kInteger: return i_;
    case Kind::kFloat: return d_;
    case Kind::kBool: return b_;
    case Kind::kString: return s_;
    case Kind::kJson: return j_;
  }
  return nullptr;
}

FindingData::Value& FindingData::operator[](std::string_view key) {
  for (Entry& e : entries_)
    if (e.first == key) return e.second;
  if (entries_.empty()) entries_.reserve(12);  // a rule writes up to ~12 keys: one allocation
  return entries_.emplace_back(std::piecewise_construct, std::forward_as_tuple(key), std::forward_as_tuple()).second;
}

nlohmann::ordered_json FindingData::operator[](std::string_view key) const {
  for (const Entry& e : entries_)
    if (e.first == key) return e.second.to_json();
  return nullptr;
}

bool FindingData::contains(std::string_view key) const {
  for (const Entry& e : entries_)
    if (e.first == key) return true;
  return false;
}

nlohmann::ordered_json FindingData::to_json() const {
  nlohmann::ordered_json o = nlohmann::ordered_json::object();
  for (const auto& [k, v] : entries_) o[k] = v.to_json();
  return o;
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
                   {"data", f.data.to_json()},
                   {"next_step", f.next_step},
                   {"evidence_lines", lines}});
  }
  return arr;
}

}  // namespace oomscope
