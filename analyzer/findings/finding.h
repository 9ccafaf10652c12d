// finding.h: what an OOM event means, as findings an on-call engineer can act on.
//
// A Finding is the product of one small pure rule (one file each in analyzer/findings/): an
// id, a severity, a one-line verdict with the numbers in it, the evidence (as sentences and
// as structured key -> value), the next step, and the report lines that prove it (quoted
// from OomEvent::lines when the parser kept them). find_all() runs every rule on one event;
// rules that do not apply return nothing, so an event can have no finding at all.
//
// Example (tests/data/kernel-logs/035, a Rust gateway killed at a 256 MiB pod limit):
//   std::vector<Finding> f = find_all(ev);
//   // f[0].id == "anon_blowup", f[0].severity == Severity::kCritical,
//   // f[0].verdict == "Anonymous memory filled the 256.0 MiB memcg limit: anon 254.5 MiB (99%);
//   //                  engine-gateway (pid 1974310) is the largest process (rss 300.4 MiB,
//   //                  anon 254.4 MiB = 100% of the anon)"
//   // f[0].data["anon_bytes"] == 266821632
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzer/event.h"

namespace oomscope {

enum class Severity { kCritical = 0, kWarning = 1, kInfo = 2 };

// severity_name(): "critical", "warning", "info".
std::string_view severity_name(Severity s);

// EvidenceLine: a line of the kernel log that proves a finding.
struct EvidenceLine {
  uint64_t line = 0;   // 1-based line number in the event's source file
  std::string text;    // the kernel's message, without the log prefix
};

// finding_data(): an empty JSON object with room for the keys a rule usually writes (up to
// ~16): ordered_json keeps keys in a vector of (const key, value) pairs, so each growth copies
// every key written so far.
inline nlohmann::ordered_json finding_data() {
  nlohmann::ordered_json data = nlohmann::ordered_json::object();
  data.get_ref<nlohmann::ordered_json::object_t&>().reserve(16);
  return data;
}

struct Finding {
  std::string id;                  // stable identifier, documented in docs/findings.md
  Severity severity = Severity::kInfo;
  std::string title;               // a few words: "Anonymous memory blowup"
  std::string verdict;             // one line, with the numbers
  std::vector<std::string> evidence;   // the numbers as sentences
  nlohmann::ordered_json data = finding_data();  // the numbers as key -> value
  std::string next_step;           // what to do about it
  std::vector<EvidenceLine> evidence_lines;  // quoted report lines (empty when none were kept)
};

class PodIndex;
struct PackEvidence;
namespace findings {
struct EventFacts;
}

// FindingContext: facts from outside the kernel log that some rules use when present.
struct FindingContext {
  const PodIndex* pods = nullptr;       // `--pods FILE`: a `kubectl get pods -A -o json` dump
  const PackEvidence* pack = nullptr;   // the tables of an evidence pack (analyze PACK)
  // The figures derived from the event itself (composition, culprit, memory breakdown;
  // findings/facts.h), when the caller computed them already for this same event: the
  // renderers need them too. find_all() computes them once when this is null.
  const findings::EventFacts* facts = nullptr;
};

// find_all(): every finding of `ev`, most severe first (rule order within a severity).
std::vector<Finding> find_all(const OomEvent& ev, const FindingContext& ctx = {});

// findings_to_json(): the findings as a JSON array (schema: docs/findings.md).
nlohmann::ordered_json findings_to_json(const std::vector<Finding>& findings);

}  // namespace oomscope
