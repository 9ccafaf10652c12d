// event_pids: streams `oomscope analyze --format json` output and prints, per event, the pid of
// its first victim (`events[i].killed.pid`), one a line, `null` when the event has none. The
// runner compares that list with the generator's .truth file.
//
// It uses nlohmann::json's SAX interface, so memory stays flat however many events the file
// holds (a dense 1 GiB log gives a JSON report of several hundred MB).
//
// Usage: event_pids FILE.json   (or - for stdin)
// Example: for {"events":[{"killed":{"pid":42}},{"killed":null}]} it prints "42\nnull\n".
// Exit: 0 parsed, 2 unreadable or not JSON (with the parser's message on stderr).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;

class Handler : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t v) override { return number(static_cast<long long>(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(static_cast<long long>(v)); }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    if (in_events_array()) pid_.reset();
    stack_.push_back({false, {}});
    return true;
  }
  bool key(string_t& k) override {
    stack_.back().key = k;
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    if (in_events_array()) {  // an event closed
      ++events_;
      if (pid_) std::printf("%lld\n", *pid_);
      else std::puts("null");
    }
    return true;
  }
  bool start_array(std::size_t) override {
    stack_.push_back({true, {}});
    return true;
  }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t pos, const std::string&, const nlohmann::detail::exception& e) override {
    std::fprintf(stderr, "event_pids: byte %zu: %s\n", pos, e.what());
    return false;
  }
  long long events() const { return events_; }

 private:
  struct Frame {
    bool array;
    std::string key;  // objects: the key being read
  };

  // True when the top of the stack is the root's "events" array.
  bool in_events_array() const {
    return stack_.size() == 2 && !stack_[0].array && stack_[0].key == "events" && stack_[1].array;
  }

  bool number(long long v) {
    // root{events} -> [ -> event{killed} -> killed{pid}
    if (stack_.size() == 4 && stack_[0].key == "events" && stack_[1].array && !stack_[2].array &&
        stack_[2].key == "killed" && !stack_[3].array && stack_[3].key == "pid") {
      pid_ = v;
    }
    return true;
  }

  std::vector<Frame> stack_;
  std::optional<long long> pid_;
  long long events_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("Usage: event_pids FILE.json|-\n", stderr);
    return 2;
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (std::string(argv[1]) != "-") {
    file.open(argv[1], std::ios::binary);
    if (!file) {
      std::perror(argv[1]);
      return 2;
    }
    in = &file;
  }
  Handler h;
  const bool ok = json::sax_parse(*in, &h);
  return ok ? 0 : 2;
}
