// render.h: OomEvents out as JSON (schema/analyze-output.schema.json) or as a text report.
//
// Each renderer writes to an injected std::ostream. Events are streamed: begin(), one
// event() per event as the parser closes it, end() with the totals.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzer/event.h"
#include "analyzer/findings/finding.h"
#include "analyzer/findings/text.h"

namespace oomscope {

// RenderOptions: what every renderer may use besides the events.
struct RenderOptions {
  FindingContext findings;  // --pods, pack tables: facts the finding rules use when present
  bool color = false;       // ANSI colours (text only; the CLI sets it on a TTY without NO_COLOR)
};

// event_to_json(): one event in the documented shape; unknown facts are null. `findings` is
// the array of find_all(ev, ctx) (docs/findings.md).
nlohmann::ordered_json event_to_json(const OomEvent& ev, const FindingContext& ctx = {});
// event_json_text(): the same, as compact JSON text (write_event_json + findings).
std::string event_json_text(const OomEvent& ev, const FindingContext& ctx = {});

// terminal_safe(): control bytes of untrusted text replaced by '?' (SGR colours kept).
std::string terminal_safe(std::string_view s);

// EventOut: the events' text on its way to the output stream, gathered into writes of up to
// kBytes. An ostream insert of an event's text (~10 KB on an OOM storm) is a writev() of its
// own (libstdc++'s filebuf writes anything over 1 KiB straight through), 65 536 per dense GiB
// at ~2 us each on the 2-vCPU VM; copying them into 256 KiB writes costs less. Whatever else
// goes to the stream goes through stream(), which writes the gathered text out first.
class EventOut {
 public:
  static constexpr size_t kBytes = 256 << 10;
  explicit EventOut(std::ostream& os) : os_(os) {}
  ~EventOut() { flush(); }
  EventOut(const EventOut&) = delete;
  EventOut& operator=(const EventOut&) = delete;
  void put(std::string_view s) {
    if (buf_.size() + s.size() > kBytes) flush();
    if (s.size() >= kBytes) os_.write(s.data(), static_cast<std::streamsize>(s.size()));
    else buf_.append(s);
  }
  void flush() {
    if (buf_.empty()) return;
    os_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
  }
  std::ostream& stream() {
    flush();
    return os_;
  }

 private:
  std::ostream& os_;
  std::string buf_;
};

class Renderer {
 public:
  virtual ~Renderer() = default;
  virtual void begin() {}
  virtual void event(const OomEvent& ev) = 0;
  // flush(): every event given so far written to the stream (a renderer may gather them into
  // larger writes, EventOut): when no more come for a while (a live log), and before end().
  virtual void flush() {}
  // Rendering in two steps, for a parallel run (PipelinedSink::prepare()): render_apart()
  // writes what depends on the event alone to `out` (on the parser threads, concurrently: it
  // only reads the renderer), then event_apart() writes it out in the events' order, with what
  // depends on the events before (numbering, totals). event(ev) is render_apart() then
  // event_apart(). Renderers that cannot split say false to renders_apart().
  virtual bool renders_apart() const { return false; }
  virtual void render_apart(const OomEvent& ev, std::string& out) const {
    (void)ev;
    (void)out;
  }
  virtual void event_apart(std::string_view rendered, bool complete) {
    (void)rendered;
    (void)complete;
  }
  // report(): the findings about the whole input (findings/report.h), once, after the last
  // event() and before end(); also when there was no event.
  virtual void report(const std::vector<Finding>& /*findings*/) {}
  virtual void end(uint64_t lines_read, uint64_t bytes_read) = 0;
};

class JsonRenderer : public Renderer {
 public:
  explicit JsonRenderer(std::ostream& os, RenderOptions opts = {}) : out_(os), opts_(opts) {}
  void begin() override;
  void event(const OomEvent& ev) override;
  bool renders_apart() const override { return true; }
  void render_apart(const OomEvent& ev, std::string& out) const override;
  void event_apart(std::string_view rendered, bool complete) override;
  void report(const std::vector<Finding>& findings) override;  // the top-level "findings" (render_report.cc)
  void end(uint64_t lines_read, uint64_t bytes_read) override;
  void flush() override { out_.flush(); }

 private:
  EventOut out_;
  RenderOptions opts_;
  std::vector<Finding> report_;
  std::string buf_;  // one event's JSON (event()), reused
  uint64_t n_ = 0;
  uint64_t incomplete_ = 0;
};

class TextRenderer : public Renderer {
 public:
  explicit TextRenderer(std::ostream& os, RenderOptions opts = {}) : out_(os), opts_(opts) {}
  void event(const OomEvent& ev) override;
  bool renders_apart() const override { return true; }
  // The event's text after its number ("OOM event N"), made terminal-safe.
  void render_apart(const OomEvent& ev, std::string& out) const override;
  void event_apart(std::string_view rendered, bool complete) override;
  void report(const std::vector<Finding>& findings) override;  // render_report.cc
  void end(uint64_t lines_read, uint64_t bytes_read) override;
  void flush() override { out_.flush(); }

 private:
  void render_event(const OomEvent& ev, TextOut& o) const;
  EventOut out_;
  RenderOptions opts_;
  std::string rendered_;  // one event's text (event()); reused
  uint64_t n_ = 0;
  uint64_t incomplete_ = 0;
};

}  // namespace oomscope
