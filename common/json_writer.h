// json_writer.h: a small streaming JSON writer for hot output paths.
//
// Building a DOM (nlohmann::ordered_json) for tens of thousands of events costs more than
// parsing the log they came from; JsonWriter appends straight to a std::string. Strings are
// escaped per RFC 8259, and bytes that are not valid UTF-8 (kernel comm names, pasted logs)
// are replaced by U+FFFD, so the output always parses.
//
// Example:
//   std::string s;
//   JsonWriter w(s);
//   w.begin_object(); w.key("pid"); w.value(int64_t{42}); w.key("comm"); w.null(); w.end_object();
//   // s == R"({"pid":42,"comm":null})"
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oomscope {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { sep(); out_ += '{'; first_.push_back(true); }
  void end_object() { out_ += '}'; first_.pop_back(); }
  void begin_array() { sep(); out_ += '['; first_.push_back(true); }
  void end_array() { out_ += ']'; first_.pop_back(); }
  void key(std::string_view k) { sep(); string_literal(k); out_ += ':'; after_key_ = true; }
  // key(literal): our own field names are plain ASCII identifiers and need no escaping.
  template <size_t N>
  void key(const char (&k)[N]) {
    sep();
    out_ += '"';
    out_.append(k, N - 1);
    out_ += "\":";
    after_key_ = true;
  }

  void value(std::string_view s) { sep(); string_literal(s); }
  void value(const char* s) { value(std::string_view(s)); }
  void value(const std::string& s) { value(std::string_view(s)); }
  void value(int64_t v) { sep(); append_number(v); }
  void value(uint64_t v) { sep(); append_number(v); }
  void value(int v) { value(static_cast<int64_t>(v)); }
  void value(double v);
  void value(bool v) { sep(); out_ += v ? "true" : "false"; }
  void null() { sep(); out_ += "null"; }
  // raw(): an already-serialised JSON value.
  void raw(std::string_view json) { sep(); out_ += json; }

  template <typename T>
  void value(const std::optional<T>& v) {
    if (v) value(*v);
    else null();
  }
  template <size_t N, typename T>
  void field(const char (&k)[N], const T& v) {
    key(k);
    value(v);
  }
  template <typename T>
  void field(std::string_view k, const T& v) {
    key(k);
    value(v);
  }

 private:
  void sep() {
    if (after_key_) { after_key_ = false; return; }
    if (first_.empty()) return;
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
  void string_literal(std::string_view s);
  template <typename I>
  void append_number(I v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, static_cast<size_t>(r.ptr - buf));
  }

  std::string& out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace oomscope
