// render.h: OomEvents out as JSON (schema/analyze-output.schema.json) or as a text report.
//
// Each renderer writes to an injected std::ostream. Events are streamed: begin(), one
// event() per event as the parser closes it, end() with the totals.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "analyzer/event.h"

namespace oomscope {

// event_to_json(): one event in the documented shape; unknown facts are null.
nlohmann::ordered_json event_to_json(const OomEvent& ev);

class Renderer {
 public:
  virtual ~Renderer() = default;
  virtual void begin() {}
  virtual void event(const OomEvent& ev) = 0;
  virtual void end(uint64_t lines_read, uint64_t bytes_read) = 0;
};

class JsonRenderer : public Renderer {
 public:
  explicit JsonRenderer(std::ostream& os) : os_(os) {}
  void begin() override;
  void event(const OomEvent& ev) override;
  void end(uint64_t lines_read, uint64_t bytes_read) override;

 private:
  std::ostream& os_;
  uint64_t n_ = 0;
  uint64_t incomplete_ = 0;
};

class TextRenderer : public Renderer {
 public:
  explicit TextRenderer(std::ostream& os) : os_(os) {}
  void event(const OomEvent& ev) override;
  void end(uint64_t lines_read, uint64_t bytes_read) override;

 private:
  std::ostream& os_;
  uint64_t n_ = 0;
  uint64_t incomplete_ = 0;
};

}  // namespace oomscope
