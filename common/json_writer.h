// json_writer.h: a small streaming JSON writer for hot output paths.
//
// Building a DOM (nlohmann::ordered_json) for tens of thousands of events costs more than
// parsing the log they came from; JsonWriter appends straight to a std::string. Strings are
// escaped per RFC 8259, and bytes that are not valid UTF-8 (kernel comm names, pasted logs)
// are replaced by U+FFFD, so the output always parses.
//
// The text goes through a small staging buffer (a std::string append per key, comma and
// number costs more than the bytes themselves): `out` holds everything written once the
// top-level value is complete, after flush(), and when the writer is destroyed.
//
// Example:
//   std::string s;
//   JsonWriter w(s);
//   w.begin_object(); w.key("pid"); w.value(int64_t{42}); w.key("comm"); w.null(); w.end_object();
//   // s == R"({"pid":42,"comm":null})"
#pragma once

#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace oomscope {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}
  ~JsonWriter() { flush(); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view k) {
    if (plain_key(k)) return;
    sep();
    escaped(k);
    put(':');
    comma_ = false;
  }
  // key(literal): our own field names are plain ASCII identifiers and need no escaping.
  template <size_t N>
  void key(const char (&k)[N]) {
    sep();
    char* p = reserve(N + 2);
    *p++ = '"';
    std::memcpy(p, k, N - 1);
    p += N - 1;
    *p++ = '"';
    *p = ':';
    len_ += N + 2;
    comma_ = false;
  }
  // plain_key(), plain_value(): `s` as a key or a string value, copied as is between quotes,
  // when no byte of it needs escaping (or checking), which is nearly always; otherwise they
  // write nothing and return false, for the caller to escape it (key() and value() below, or
  // its own way: a finding's data, event_json.cc).
  bool plain_key(std::string_view k) {
    if (char* p = plain_string(k, 1)) {
      *p = ':';
      len_ = static_cast<size_t>(p + 1 - buf_);
    } else if (long_plain(k)) {
      put(':');
    } else {
      return false;
    }
    comma_ = false;
    return true;
  }
  bool plain_value(std::string_view s) {
    if (char* p = plain_string(s, 0)) len_ = static_cast<size_t>(p - buf_);
    else if (!long_plain(s)) return false;
    done();
    return true;
  }
  // raw_key(): a key already serialised as a JSON string, quotes included.
  void raw_key(std::string_view quoted) { sep(); put(quoted); put(':'); comma_ = false; }

  void value(std::string_view s) {
    if (plain_value(s)) return;
    sep();
    escaped(s);
    done();
  }
  void value(const char* s) { value(std::string_view(s)); }
  void value(const std::string& s) { value(std::string_view(s)); }
  void value(int64_t v) { sep(); number(v); done(); }
  void value(uint64_t v) { sep(); number(v); done(); }
  void value(int v) { value(static_cast<int64_t>(v)); }
  void value(double v);
  void value(bool v) { sep(); put(v ? std::string_view("true") : std::string_view("false")); done(); }
  void null() { sep(); put("null"); done(); }
  // raw(): an already-serialised JSON value.
  void raw(std::string_view json) { sep(); put(json); done(); }
  // raw_in_place(): a value of at most `n` bytes (n <= 4096) that `write(first, last)` writes
  // straight into the staging buffer, returning its end (a number formatter).
  template <typename Write>
  void raw_in_place(size_t n, Write write) {
    sep();
    char* p = reserve(n);
    len_ += static_cast<size_t>(write(p, p + n) - p);
    done();
  }

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
  // field(literal, optional integer): as fields() (below) with one member.
  template <size_t N, typename I>
    requires(std::same_as<I, int64_t> || std::same_as<I, uint64_t>)
  void field(const char (&k)[N], const std::optional<I>& v) {
    fields(k, v);
  }
  // fields(): a run of members whose keys are literals and whose values are optional integers
  // (null when empty), `w.fields("pid", t.pid, "uid", t.uid, …)`: the same bytes as field() per
  // member, written with one reservation and the position held in a register. Member by member,
  // every byte stored (a char store may alias anything) made the compiler reload and store the
  // writer's length and flags again: events hold thousands of these (12 per task-table row).
  // Always inlined, as put_members() is: the keys are then constants where the run is written
  // (a store or two each), and no call passes the run's two dozen arguments on.
  template <typename... KV>
  [[gnu::always_inline]] void fields(const KV&... kv) {
    constexpr size_t n = (member_bytes<KV>() + ...);
    static_assert(n <= kBuf);
    char* p = put_members(reserve(n), comma_, kv...);
    len_ = static_cast<size_t>(p - buf_);
    done();
  }
  template <typename T>
  void field(std::string_view k, const T& v) {
    key(k);
    value(v);
  }
  // field(key, count): a counter of a memory.stat or Mem-Info block (dozens per event), key and
  // number written with one reservation when the key needs no escaping.
  void field(std::string_view k, uint64_t v) {
    char* p = plain_string(k, 21);  // :18446744073709551615
    if (!p) {
      key(k);
      value(v);
      return;
    }
    *p++ = ':';
    p = digits(p, v);
    len_ = static_cast<size_t>(p - buf_);
    done();
  }

  // numbered_field(): a member whose key is the decimal number `k` (a zone's free blocks by
  // order, "0":1024), as field(std::to_string(k), v) writes it, without the string and the check
  // for bytes to escape.
  void numbered_field(uint64_t k, uint64_t v) {
    char* p = reserve(48);  // ,"18446744073709551615":18446744073709551615
    if (comma_) *p++ = ',';
    *p++ = '"';
    p = digits(p, k);
    *p++ = '"';
    *p++ = ':';
    p = digits(p, v);
    len_ = static_cast<size_t>(p - buf_);
    done();
  }

  // flush(): the staged text into `out`.
  void flush() {
    out_.append(buf_, len_);
    len_ = 0;
  }

 private:
  static constexpr size_t kBuf = 4096;

  // One flag instead of a stack of "first element" bits: after '{', '[' or a key nothing goes
  // before the next value; after a value or a closed container, a ',' does.
  void sep() {
    if (comma_) put(',');
  }
  void open(char c) {
    sep();
    put(c);
    comma_ = false;
    ++depth_;
  }
  void close(char c) {
    put(c);
    --depth_;
    done();
  }
  // done(): a value is complete; the top-level one goes to `out` at once.
  void done() {
    comma_ = true;
    if (depth_ == 0) flush();
  }
  // reserve(): room for n more bytes in the staging buffer (n <= kBuf).
  char* reserve(size_t n) {
    if (len_ + n > kBuf) flush();
    return buf_ + len_;
  }
  void put(char c) { *reserve(1) = c; ++len_; }
  void put(std::string_view s) {
    if (s.size() > kBuf / 2) {
      flush();
      out_.append(s);
      return;
    }
    if (s.empty()) return;  // an empty view's data() may be null: memcpy(…, nullptr, 0) is UB
    std::memcpy(reserve(s.size()), s.data(), s.size());
    len_ += s.size();
  }
  template <typename I>
  void number(I v) {
    char* p = reserve(24);
    len_ += static_cast<size_t>(digits(p, v) - p);
  }
  // digits(): v in decimal at p (room for 24 bytes); returns the end. A single digit (the
  // zeros of swapents, rss_shmem_pages, uid… in every task row) is written at once. Longer
  // numbers are written right to left from their length, four digits per division and two per
  // table lookup: std::to_chars' two digits per division were the render thread's largest self
  // cost on an OOM storm (an event's JSON holds ~300 numbers).
  template <typename I>
  static char* digits(char* p, I v) {
    if (v >= 0 && v < 10) {
      *p = static_cast<char>('0' + v);
      return p + 1;
    }
    uint64_t u;
    if constexpr (std::is_signed_v<I>) {
      if (v < 0) {
        *p++ = '-';
        u = 0 - static_cast<uint64_t>(v);
      } else {
        u = static_cast<uint64_t>(v);
      }
    } else {
      u = v;
    }
    char* const end = p + decimal_length(u);
    char* q = end;
    for (; u >= 10000; u /= 10000) {
      const auto r = static_cast<uint32_t>(u % 10000);
      q -= 4;
      std::memcpy(q, &kDigitPairs[2 * (r / 100)], 2);
      std::memcpy(q + 2, &kDigitPairs[2 * (r % 100)], 2);
    }
    auto w = static_cast<uint32_t>(u);
    if (w >= 100) {
      q -= 2;
      std::memcpy(q, &kDigitPairs[2 * (w % 100)], 2);
      w /= 100;
    }
    if (w >= 10) std::memcpy(q - 2, &kDigitPairs[2 * w], 2);
    else q[-1] = static_cast<char>('0' + w);
    return end;
  }
  // kDigitPairs: "00" "01" … "99"; kPow10[i]: 10^i.
  static constexpr std::array<char, 200> kDigitPairs = [] {
    std::array<char, 200> a{};
    for (int i = 0; i < 100; ++i) {
      a[2 * i] = static_cast<char>('0' + i / 10);
      a[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
    return a;
  }();
  static constexpr std::array<uint64_t, 20> kPow10 = [] {
    std::array<uint64_t, 20> a{};
    uint64_t x = 1;
    for (uint64_t& e : a) {
      e = x;
      x *= 10;
    }
    return a;
  }();
  // decimal_length(): the number of decimal digits of u, from its bit length (log10 2 ~ 1233/4096).
  static unsigned decimal_length(uint64_t u) {
    const unsigned t = static_cast<unsigned>(64 - std::countl_zero(u | 1)) * 1233 >> 12;
    return t + 1 - (u < kPow10[t]);
  }
  // member_bytes(): the most a member of fields() writes, counted at its key (the value's
  // type adds nothing): ,"key":-9223372036854775808
  template <typename T>
  static constexpr size_t member_bytes() {
    if constexpr (std::is_array_v<T>) return std::extent_v<T> + 24;
    else return 0;
  }
  // put_members(): fields()' members at p, the first after a ',' when `comma`; returns the end.
  template <size_t N, typename I, typename... Rest>
    requires(std::same_as<I, int64_t> || std::same_as<I, uint64_t>)
  [[gnu::always_inline]] static char* put_members(char* p, bool comma, const char (&k)[N], const std::optional<I>& v,
                                                  const Rest&... rest) {
    if (comma) *p++ = ',';
    *p++ = '"';
    std::memcpy(p, k, N - 1);
    p += N - 1;
    *p++ = '"';
    *p++ = ':';
    if (v) {
      p = digits(p, *v);
    } else {
      std::memcpy(p, "null", 4);
      p += 4;
    }
    if constexpr (sizeof...(Rest) > 0) return put_members(p, true, rest...);
    else return p;
  }
  // A byte needs escaping (or checking) when it is a control byte, '"', '\\', or >= 0x80
  // (checked for valid UTF-8).
  // plain_prefix(): the index of the first byte at or after `i` that needs escaping, s.size() if
  // none.
  static size_t plain_prefix(std::string_view s, size_t i);
  // copy_plain(): `s` copied to dst (room for s.size() bytes) when none of its bytes needs
  // escaping; false otherwise, dst then holding some of it. Checking and copying 16 (or 8) bytes
  // at a time in one pass costs little more than the check alone.
  static bool copy_plain(char* dst, std::string_view s);
  // plain_string(): `s` between quotes (after a ',' when one is due) at the end of the staged
  // text, with room for `extra` more bytes after it, when none of its bytes needs escaping and it
  // is at most kBuf / 2 bytes; returns its end, for the caller to add what follows and commit
  // (len_). nullptr, with nothing committed, otherwise.
  char* plain_string(std::string_view s, size_t extra) {
    if (s.size() > kBuf / 2) return nullptr;
    char* p = reserve(s.size() + 3 + extra);
    if (comma_) *p++ = ',';
    *p = '"';
    if (!copy_plain(p + 1, s)) return nullptr;
    p[s.size() + 1] = '"';
    return p + s.size() + 2;
  }
  // long_plain(): `s`, longer than plain_string() takes, between quotes (after its separator)
  // when none of its bytes needs escaping; false, with nothing written, otherwise.
  bool long_plain(std::string_view s) {
    if (s.size() <= kBuf / 2 || plain_prefix(s, 0) < s.size()) return false;
    sep();
    escaped(s);  // copies s in one piece
    return true;
  }
  // escaped(): `s` as a JSON string, its bytes escaped as needed.
  void escaped(std::string_view s);

  std::string& out_;
  bool comma_ = false;  // the next key or value needs a ',' before it
  int depth_ = 0;       // open objects and arrays
  size_t len_ = 0;      // staged bytes in buf_
  char buf_[kBuf];
};

}  // namespace oomscope
