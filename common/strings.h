// strings.h: the few string_view helpers every parser here needs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace oomscope {

// is_space(): ' ', '\t', '\n', '\v', '\f' or '\r' (the C locale's isspace, without the locale).
inline bool is_space(char c) { return c == ' ' || static_cast<unsigned char>(c - '\t') <= '\r' - '\t'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// bytes_less(): a < b in std::string's order (bytes as unsigned char, a prefix first), a byte
// at a time: short names and keys mostly differ in their first bytes, where a memcmp() call
// costs more than the whole compare.
inline bool bytes_less(std::string_view a, std::string_view b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  return a.size() < b.size();
}

// ltrim(): `s` without its leading whitespace. The usual cases, no blank or one blank in
// front (the one after a dmesg stamp), are decided inline: as a plain inline function GCC did not
// inline it into parse_prefix(), and the call cost ~20 instructions on every line.
[[gnu::always_inline]] inline std::string_view ltrim(std::string_view s) {
  if (s.empty() || !is_space(s[0])) return s;
  size_t i = 1;
  while (i < s.size() && is_space(s[i])) ++i;
  return {s.data() + i, s.size() - i};
}
inline std::string_view rtrim(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && is_space(s[n - 1])) --n;
  return s.substr(0, n);
}
inline std::string_view trim(std::string_view s) { return rtrim(ltrim(s)); }

// has_prefix(): s.starts_with(p), written so that with a literal `p` the compiler knows the
// length and compares inline (string_view::starts_with(const char*) calls strlen and memcmp,
// which shows in the parser's per-line cost). The bytes are compared with __builtin_memcmp()
// for equality, which GCC expands into a few loads for a known length: string_view::compare()
// is not inlined into large callers (OomParser::process(), classify()) and ends in a memcmp()
// call per prefix tried.
[[gnu::always_inline]] inline bool has_prefix(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && __builtin_memcmp(s.data(), p.data(), p.size()) == 0;
}

// consume(): if `s` starts with `p`, drop it and return true.
inline bool consume(std::string_view& s, std::string_view p) {
  if (!s.starts_with(p)) return false;
  s.remove_prefix(p.size());
  return true;
}

// next_token(): the next run of non-space characters; advances `s` past it.
inline std::string_view next_token(std::string_view& s) {
  s = ltrim(s);
  size_t i = 0;
  while (i < s.size() && !is_space(s[i])) ++i;
  std::string_view tok = s.substr(0, i);
  s.remove_prefix(i);
  return tok;
}

// ws_tokens(): the whitespace-separated tokens of `s` for a range-for, with no vector: the
// parser walks every Mem-Info counter line and stats line this way (split_ws() allocated one
// vector per line: ~16 per OOM report).
//   for (std::string_view tok : ws_tokens("a  b c")) …   // "a", "b", "c"
class WsTokens {
 public:
  explicit WsTokens(std::string_view s) : s_(s) {}
  class iterator {
   public:
    iterator() = default;
    explicit iterator(std::string_view rest) : rest_(rest) { ++*this; }
    std::string_view operator*() const { return tok_; }
    iterator& operator++() {
      tok_ = next_token(rest_);
      return *this;
    }
    // Tokens are never empty: an empty one is the end.
    bool operator==(const iterator& o) const {
      return tok_.empty() ? o.tok_.empty() : !o.tok_.empty() && tok_.data() == o.tok_.data();
    }

   private:
    std::string_view rest_, tok_;
  };
  iterator begin() const { return iterator(s_); }
  iterator end() const { return iterator(); }

 private:
  std::string_view s_;
};
inline WsTokens ws_tokens(std::string_view s) { return WsTokens(s); }

// split_ws(): whitespace-separated tokens.
inline std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    std::string_view t = next_token(s);
    if (t.empty()) break;
    out.push_back(t);
  }
  return out;
}

}  // namespace oomscope
