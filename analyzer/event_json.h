// event_json.h: one OomEvent as JSON, written straight into a string.
//
// The single definition of the event's JSON shape (schema/analyze-output.schema.json);
// event_to_json() in render.h parses this text when a DOM is wanted (tests, findings).
// `findings`, when given, becomes the "findings" array (docs/findings.md).
#pragma once

#include <string>
#include <string_view>

#include "analyzer/event.h"
#include "analyzer/findings/finding.h"
#include "common/json_writer.h"

namespace oomscope {

// `facts`, when given, are event_facts(ev) already computed by the caller (findings/facts.h).
void write_event_json(const OomEvent& ev, JsonWriter& w, const std::vector<Finding>* findings = nullptr,
                      const findings::EventFacts* facts = nullptr);
void write_findings_json(const std::vector<Finding>& findings, JsonWriter& w);

}  // namespace oomscope
