// event_facts: streams `oomscope analyze --format json` output and prints one line per event
// with the facts the benchmark checks against the generator's .truth file:
//   <killed.pid|null> comm=<killed.comm> anon_rss_kb=<killed.anon_rss_kb> trigger=<trigger.comm>
//   oom_memcg=<memcg.oom_memcg> rows=<number of tasks> host=<host>
// Missing or null values print as `-`; blanks and '%' in values are percent-encoded, as in the
// .truth file.
//
// It uses nlohmann::json's SAX interface, so memory stays flat however many events the file
// holds (a dense 1 GiB log gives a JSON report of several hundred MB).
//
// Usage: event_facts FILE.json   (or - for stdin)
// Example: {"events":[{"host":null,"killed":{"pid":42,"comm":"CPU 1/KVM"},"tasks":[{},{}]}]}
//   -> "42 comm=CPU%201/KVM anon_rss_kb=- trigger=- oom_memcg=- rows=2 host=-"
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

std::string encode(const std::string& s) {
  if (s.empty()) return "-";
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == ' ') out += "%20";
    else if (c == '\t') out += "%09";
    else if (c == '\n') out += "%0a";
    else out += c;
  }
  return out;
}

struct Facts {
  std::optional<long long> pid, anon_rss_kb;
  std::string comm, trigger, oom_memcg, host;
  long long rows = 0;
};

class Handler : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t v) override { return number(static_cast<long long>(v)); }
  bool number_unsigned(number_unsigned_t v) override { return number(static_cast<long long>(v)); }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t& v) override {
    if (stack_.size() == 3 && in_event() && stack_[2].key == "host") f_.host = v;
    if (stack_.size() == 4 && in_event() && !stack_[3].array) {
      const std::string& obj = stack_[2].key;
      const std::string& key = stack_[3].key;
      if (obj == "killed" && key == "comm") f_.comm = v;
      if (obj == "trigger" && key == "comm") f_.trigger = v;
      if (obj == "memcg" && key == "oom_memcg") f_.oom_memcg = v;
    }
    return true;
  }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    if (in_events_array()) f_ = Facts{};
    if (stack_.size() == 4 && in_event() && stack_[2].key == "tasks" && stack_[3].array) ++f_.rows;
    stack_.push_back({false, {}});
    return true;
  }
  bool key(string_t& k) override {
    stack_.back().key = k;
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    if (in_events_array()) print();  // an event closed
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
    std::fprintf(stderr, "event_facts: byte %zu: %s\n", pos, e.what());
    return false;
  }

 private:
  struct Frame {
    bool array;
    std::string key;  // objects: the key being read
  };

  // True when the top of the stack is the root's "events" array.
  bool in_events_array() const {
    return stack_.size() == 2 && !stack_[0].array && stack_[0].key == "events" && stack_[1].array;
  }
  // True when stack_[2] is an event object.
  bool in_event() const {
    return stack_.size() >= 3 && !stack_[0].array && stack_[0].key == "events" && stack_[1].array && !stack_[2].array;
  }

  bool number(long long v) {
    if (stack_.size() == 4 && in_event() && !stack_[3].array && stack_[2].key == "killed") {
      if (stack_[3].key == "pid") f_.pid = v;
      if (stack_[3].key == "anon_rss_kb") f_.anon_rss_kb = v;
    }
    return true;
  }

  void print() {
    std::string pid = f_.pid ? std::to_string(*f_.pid) : "null";
    std::string anon = f_.anon_rss_kb ? std::to_string(*f_.anon_rss_kb) : "-";
    std::printf("%s comm=%s anon_rss_kb=%s trigger=%s oom_memcg=%s rows=%lld host=%s\n", pid.c_str(),
                encode(f_.comm).c_str(), anon.c_str(), encode(f_.trigger).c_str(), encode(f_.oom_memcg).c_str(),
                f_.rows, encode(f_.host).c_str());
  }

  std::vector<Frame> stack_;
  Facts f_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("Usage: event_facts FILE.json|-\n", stderr);
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
  return json::sax_parse(*in, &h) ? 0 : 2;
}
