// parse_num.h: locale-free number parsing for kernel and /proc text.
//
// Every number oomscope reads goes through these wrappers around std::from_chars: no
// exceptions, no locale, no silent wrap-around. Overflow and junk return std::nullopt.
//
// Example:
//   parse_u64("65536")   == 65536
//   parse_u64("65536kB") == std::nullopt   (use parse_u64_prefix to stop at the unit)
//   parse_i64("-998")    == -998
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace oomscope {

// parse_u64(): the whole of `s` must be a decimal number that fits in 64 bits.
[[nodiscard]] inline std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// parse_i64(): like parse_u64() but signed ("-998").
[[nodiscard]] inline std::optional<int64_t> parse_i64(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// parse_u64_prefix(): parses the leading decimal digits of `s` and advances `s` past them.
// Returns nullopt (and leaves `s` alone) when there are none or they overflow.
[[nodiscard]] inline std::optional<uint64_t> parse_u64_prefix(std::string_view& s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p == s.data()) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(p - s.data()));
  return v;
}

// parse_i64_prefix(): signed variant of parse_u64_prefix().
[[nodiscard]] inline std::optional<int64_t> parse_i64_prefix(std::string_view& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p == s.data()) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(p - s.data()));
  return v;
}

// parse_hex_u64(): "0xcc0" or "cc0" -> 3264.
[[nodiscard]] inline std::optional<uint64_t> parse_hex_u64(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace oomscope
