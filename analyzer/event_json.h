// event_json.h: one OomEvent as JSON, written straight into a string.
//
// The single definition of the event's JSON shape (schema/analyze-output.schema.json);
// event_to_json() in render.h parses this text when a DOM is wanted (tests, findings).
// `findings_json` is the already-serialised "findings" array, or empty to leave it out.
#pragma once

#include <string>
#include <string_view>

#include "analyzer/event.h"
#include "common/json_writer.h"

namespace oomscope {

void write_event_json(const OomEvent& ev, JsonWriter& w, std::string_view findings_json = {});

}  // namespace oomscope
