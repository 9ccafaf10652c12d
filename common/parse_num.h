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

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace oomscope {

// accumulate_digits(): the run of decimal digits at s[i] folded into v (v = v * 10 + digit
// for each), i advanced past it; returns the run's length. A run of more than 19 digits may
// wrap: callers check those with std::from_chars (read_digits()).
// Every report line of a dmesg or /dev/kmsg log carries 13 to 20 digits, and a task-table row
// some 40; one at a time they cost ~11 instructions each, so where 8 bytes remain they are
// taken 8 at a time (SWAR, as in simdjson's parse_eight_digits_unrolled).
[[gnu::always_inline]] inline size_t accumulate_digits(std::string_view s, size_t& i, uint64_t& v) {
  const size_t d0 = i;
  if constexpr (std::endian::native == std::endian::little) {
    static constexpr uint64_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    while (i + 8 <= s.size()) {
      uint64_t x;
      std::memcpy(&x, s.data() + i, 8);  // first byte lowest
      x ^= 0x3030303030303030;           // a digit byte is now 0..9
      // Bit 7 of each byte >= 10: adding 0x76 sets it for 10..0x89, and bytes >= 0x80 have it.
      // Carries only move into later bytes, so the lowest flagged byte is exact.
      const uint64_t bad = ((x + 0x7676767676767676) | x) & 0x8080808080808080;
      const size_t n = bad ? static_cast<size_t>(std::countr_zero(bad)) / 8 : 8;
      if (n == 0) break;
      // The n digits moved to the top bytes (zeros in front read as leading zeros), then
      // pairs, quads and the eight combined.
      x = (x << (8 * (8 - n))) & 0x0f0f0f0f0f0f0f0f;
      x = (x * (10 * 256 + 1)) >> 8;
      x = ((x & 0x00ff00ff00ff00ff) * (100 * 65536 + 1)) >> 16;
      x = ((x & 0x0000ffff0000ffff) * (10000 * (uint64_t{1} << 32) + 1)) >> 32;
      v = v * kPow10[n] + x;
      i += n;
      if (n < 8) return i - d0;
    }
  }
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  return i - d0;
}

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
