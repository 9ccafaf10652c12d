#include "analyzer/prefix.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>

#include "common/parse_num.h"
#include "common/strings.h"

namespace oomscope {
namespace {

// skip_digits(): i advanced past the run of decimal digits at s[i] (with Last = ':' also of
// colons, as in a time zone "+05:30"); returns the run's length.
// Every report line of a dmesg or /dev/kmsg log carries 13 to 20 digits; one at a time they
// cost ~6 instructions each, so where 8 bytes remain they are tested 8 at a time (SWAR, the
// test of simdjson's parse_eight_digits_unrolled). Their values are not read here: a line's
// numbers are needed once an event (LogLine::mono_s()).
template <char Last = '9'>
[[gnu::always_inline]] inline size_t skip_digits(std::string_view s, size_t& i) {
  static_assert(Last >= '9' && Last < '0' + 16);
  const size_t d0 = i;
  if constexpr (std::endian::native == std::endian::little) {
    // Bytes that are no more than `top` once '0' is taken out, and the amount that, added,
    // carries every byte above it into bit 7.
    constexpr uint64_t top = static_cast<uint64_t>(Last - '0');
    constexpr uint64_t kAbove = 0x0101010101010101 * (0x7f - top);
    while (i + 8 <= s.size()) {
      uint64_t x;
      std::memcpy(&x, s.data() + i, 8);  // first byte lowest
      x ^= 0x3030303030303030;           // a digit byte is now 0..9
      // Bit 7 of each byte > top: adding 0x7f - top sets it for top+1..0x80+top, and bytes >=
      // 0x80 have it. Carries only move into later bytes, so the lowest flagged byte is exact.
      const uint64_t bad = ((x + kAbove) | x) & 0x8080808080808080;
      if (bad) {
        i += static_cast<size_t>(std::countr_zero(bad)) / 8;
        return i - d0;
      }
      i += 8;
    }
  }
  while (i < s.size() && s[i] >= '0' && s[i] <= Last) ++i;
  return i - d0;
}

// leading_digits(): the length of the run of decimal digits `s` starts with.
inline size_t leading_digits(std::string_view s) {
  size_t i = 0;
  return skip_digits(s, i);
}

// from(s, i), upto(s, n): s.substr(i) and s.substr(0, n) for an i or n known to be within s.
// GCC keeps string_view::substr() (bounds check, throw) out of line in this file: a call of
// ~10 instructions for each of the several views cut per line.
inline std::string_view from(std::string_view s, size_t i) { return {s.data() + i, s.size() - i}; }
inline std::string_view upto(std::string_view s, size_t n) { return {s.data(), n}; }

// "hh:mm:ss" optionally followed by ".frac"; returns the length consumed or 0.
size_t match_clock(std::string_view s) {
  if (s.size() < 8) return 0;
  if constexpr (std::endian::native == std::endian::little) {
    // The 8 bytes at once: ':' at 2 and 5, and (bytes ^ '0') <= 9 at the others (see
    // skip_digits()), one clock per syslog, ISO and dmesg -T line.
    uint64_t x;
    std::memcpy(&x, s.data(), 8);
    constexpr uint64_t kColons = 0x0000ff0000ff0000;
    if ((x & kColons) != 0x00003a00003a0000) return 0;
    const uint64_t d = x ^ 0x3030303030303030;
    if ((((d + 0x7676767676767676) | d) & 0x8080808080808080 & ~kColons) != 0) return 0;
  } else if (!is_digit(s[0]) || !is_digit(s[1]) || s[2] != ':' || !is_digit(s[3]) || !is_digit(s[4]) ||
             s[5] != ':' || !is_digit(s[6]) || !is_digit(s[7])) {
    return 0;
  }
  size_t i = 8;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    size_t j = i + 1;
    if (skip_digits(s, j) > 0) i = j;
  }
  return i;
}

// English month abbreviations, plus the common German/French/Spanish ones seen in dmesg -T.
int month_from_name(std::string_view m) {
  if (m.empty()) return 0;
  if (is_digit(m[0])) {  // zh_CN / ja_JP: "9月"
    std::string_view d = m;
    auto v = parse_u64_prefix(d);
    return (v && *v >= 1 && *v <= 12) ? static_cast<int>(*v) : 0;
  }
  static constexpr const char* kNames[][4] = {
      {"Jan", "Jän", "jan", "ene"}, {"Feb", "Fév", "fév", "feb"}, {"Mar", "Mär", "mar", "mar"},
      {"Apr", "Avr", "avr", "abr"}, {"May", "Mai", "mai", "may"}, {"Jun", "Jui", "jui", "jun"},
      {"Jul", "Jul", "jul", "jul"}, {"Aug", "Aoû", "aoû", "ago"}, {"Sep", "Sep", "sep", "sep"},
      {"Oct", "Okt", "oct", "oct"}, {"Nov", "Nov", "nov", "nov"}, {"Dec", "Dez", "déc", "dic"}};
  for (int i = 0; i < 12; ++i)
    for (const char* n : kNames[i])
      if (m.starts_with(n)) return i + 1;
  return 0;
}

// syslog_month(): the month (1-12) of a syslog stamp "Mmm " (English, as syslog prints it),
// 0 when `s` does not start with one. month_from_name() agrees on these: its English name
// of a month is the first of its names that matches.
int syslog_month(std::string_view s) {
  if (s.size() < 4 || s[3] != ' ') return 0;
  // The three letters as one number: one switch instead of twelve compares per line.
  auto key = [](char a, char b, char c) {
    return static_cast<uint32_t>(static_cast<unsigned char>(a)) << 16 |
           static_cast<uint32_t>(static_cast<unsigned char>(b)) << 8 | static_cast<unsigned char>(c);
  };
  switch (key(s[0], s[1], s[2])) {
    case key('J', 'a', 'n'): return 1;
    case key('F', 'e', 'b'): return 2;
    case key('M', 'a', 'r'): return 3;
    case key('A', 'p', 'r'): return 4;
    case key('M', 'a', 'y'): return 5;
    case key('J', 'u', 'n'): return 6;
    case key('J', 'u', 'l'): return 7;
    case key('A', 'u', 'g'): return 8;
    case key('S', 'e', 'p'): return 9;
    case key('O', 'c', 't'): return 10;
    case key('N', 'o', 'v'): return 11;
    case key('D', 'e', 'c'): return 12;
    default: return 0;
  }
}

// append_0d(): `v` as printf("%0*d", width, v) prints it (a '-' counts in the width).
void append_0d(std::string& out, int v, int width) {
  char digits[16];
  const unsigned mag = v < 0 ? 0u - static_cast<unsigned>(v) : static_cast<unsigned>(v);
  const int n = static_cast<int>(std::to_chars(digits, digits + sizeof digits, mag).ptr - digits);
  if (v < 0) {
    out += '-';
    --width;
  }
  if (n < width) out.append(static_cast<size_t>(width - n), '0');
  out.append(digits, static_cast<size_t>(n));
}

// iso_date(): "YYYY-MM-DDT" ("--MM-DDT" without a year) and the clock, the numbers as
// printf("%04d-%02d-%02dT") prints them, without snprintf() (~1,300 instructions a call).
std::string iso_date(std::optional<int> year, int mon, int day, std::string_view clock) {
  std::string iso;
  iso.reserve(11 + clock.size());
  if (year) {
    append_0d(iso, *year, 4);
    iso += '-';
  } else {
    iso += "--";
  }
  append_0d(iso, mon, 2);
  iso += '-';
  append_0d(iso, day, 2);
  iso += 'T';
  iso += clock;
  return iso;
}

// Parses "host tag: " or "tag: " after a syslog/ISO/time-only stamp. On success fills
// host/tag/foreign and advances `s` past the colon and one blank; on failure touches neither.
// With the blank taken, what it found depends on no byte after it (see PrefixParser).
bool take_host_tag(std::string_view& s, LogLine& out) {
  std::string_view r = s;
  // Host may be empty: "Feb 18 17:34:47  kernel:" (journalctl with no hostname).
  if (!r.empty() && r[0] == ' ') r.remove_prefix(1);
  r = ltrim(r);  // two blanks: an empty host ("17:34:47  kernel:")
  size_t sp = r.find(' ');
  std::string_view first = upto(r, std::min(sp, r.size()));
  std::string_view host, tag;
  std::string_view rest;
  bool kernel = false;
  if (!first.empty() && first.back() == ':') {
    tag = upto(first, first.size() - 1);
    rest = from(r, sp == std::string_view::npos ? r.size() : sp + 1);
  } else {
    if (sp == std::string_view::npos) return false;
    host = first;
    std::string_view r2 = from(r, sp + 1);
    // The tag ends at the first colon ("kernel:msg" needs no blank after it). The kernel's
    // own tag, on nearly every line, is taken without searching for the colon, a blank or '['.
    size_t colon = 6;
    kernel = has_prefix(r2, "kernel:");
    if (!kernel) {
      colon = r2.find(':');
      if (colon == std::string_view::npos || colon == 0) return false;
    }
    tag = upto(r2, colon);  // a view into the line, like every view of a LogLine
    if (!kernel && tag.find(' ') != std::string_view::npos) return false;
    rest = from(r2, colon + 1);
    if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  }
  if (!kernel) {
    size_t br = tag.find('[');
    if (br != std::string_view::npos) tag = upto(tag, br);
    if (tag.empty()) return false;
  }
  out.host = host;
  out.tag = tag;
  out.foreign = !kernel && tag != "kernel";
  s = rest;
  return true;
}

// "[  170.745161]": `number` = "170.745161"; returns bytes consumed or 0.
size_t take_dmesg_stamp(std::string_view s, std::string_view& number) {
  if (s.empty() || s[0] != '[') return 0;
  size_t i = 1;
  while (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size() || !is_digit(s[i])) return 0;  // "[Sat Nov 21 …]" (dmesg -T), "[ pid ]": no call
  const size_t n0 = i;
  skip_digits(s, i);
  if (i >= s.size() || s[i] != '.') return 0;
  ++i;
  if (skip_digits(s, i) == 0 || i >= s.size() || s[i] != ']') return 0;
  number = upto(from(s, n0), i - n0);
  return i + 1;
}

// "[ T1234]" / "[C3]" printk caller; returns bytes consumed or 0.
size_t take_caller(std::string_view s, std::string_view& caller) {
  size_t i = 0;
  if (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size() || s[i] != '[') return 0;
  ++i;
  while (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size() || (s[i] != 'T' && s[i] != 'C')) return 0;
  size_t c0 = i++;
  size_t d0 = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == d0 || i >= s.size() || s[i] != ']') return 0;
  caller = upto(from(s, c0), i - c0);
  return i + 1;
}

// LineHead: what parse_line() says of a line's head (PrefixParser): its length, 0 when there
// is none to keep, and whether the rest is read by finish_after_stamp() (the head ends with a
// /dev/kmsg header, a dmesg stamp or a dmesg -T bracket) or finish_after_tag().
struct LineHead {
  size_t len = 0;
  bool after_stamp = false;
};

// The rest of a line after its head: after a /dev/kmsg header, dmesg stamp or dmesg -T
// bracket, an optional printk caller, then the text.
void finish_after_stamp(std::string_view rest, LogLine& out) {
  if (size_t cl = take_caller(rest, out.caller)) rest.remove_prefix(cl);
  out.text = ltrim(rest);
}

// finish_after_tag(): the rest of a line after a syslog/ISO/time-only tag (`rest` follows it):
// an optional dmesg stamp and caller, then the text. Returns the head up to `rest`, if the
// tag's colon was followed by the blank that take_host_tag() took (without it, the next byte
// decides), or up to the stamp, which its ']' ends.
LineHead finish_after_tag(std::string_view raw, std::string_view rest, LogLine& out) {
  const size_t at = static_cast<size_t>(rest.data() - raw.data());
  if (!rest.empty() && rest[0] == '[') {  // most syslog/ISO lines: no call
    if (size_t n = take_dmesg_stamp(rest, out.mono_raw)) {
      out.dmesg_inner = true;
      finish_after_stamp(from(rest, n), out);
      return {at + n, true};
    }
  }
  out.text = ltrim(rest);
  if (at == 0 || raw[at - 1] != ' ') return {};
  return {at, false};
}

// Raw /dev/kmsg "prio,seq,usec,flags[,…];text", the ';' within the first 64 bytes: fills
// `out` but for the text and returns the header's length with the ';', or 0 and leaves `out`
// alone. The three numbers are scanned first and only then is the ';' looked for (none can
// come before them): other lines stop at their first non-digit instead of being searched
// whole for a ';'.
size_t take_kmsg(std::string_view t, LogLine& out) {
  size_t i = 0;
  std::string_view num[3];
  for (std::string_view& n : num) {
    const size_t d0 = i;
    if (skip_digits(t, i) == 0 || i >= t.size() || t[i] != ',') return 0;
    n = upto(from(t, d0), i - d0);
    ++i;
  }
  if (i >= 64) return 0;
  const char* semi = static_cast<const char*>(std::memchr(t.data() + i, ';', std::min<size_t>(t.size(), 64) - i));
  if (!semi) return 0;
  out.style = PrefixStyle::kKmsg;
  out.kmsg_seq_raw = num[1];
  out.mono_raw = num[2];
  return static_cast<size_t>(semi - t.data()) + 1;
}

}  // namespace

const char* prefix_style_name(PrefixStyle s) {
  switch (s) {
    case PrefixStyle::kNone: return "none";
    case PrefixStyle::kKmsg: return "kmsg";
    case PrefixStyle::kDmesg: return "dmesg";
    case PrefixStyle::kDmesgT: return "dmesg-T";
    case PrefixStyle::kSyslog: return "syslog";
    case PrefixStyle::kIso: return "iso";
    case PrefixStyle::kTimeOnly: return "time-only";
  }
  return "none";
}

namespace {

// parse_line(): parse_prefix() into `out` (as constructed); returns the line's head: the
// bytes up to the end of its prefix, which another line that has them parses the same up to
// there, also with other digits where the head has digits (PrefixParser). Each step stops at
// a byte of the head, and none tells one digit from another: digits are read by class
// (is_digit(), skip_digits(), match_clock()), the numbers only when asked for (mono_s()), and
// the host, tag and stamps are taken as views. The prefix ends where no later byte can change
// it: after the /dev/kmsg ';', a dmesg stamp's or dmesg -T bracket's ']', or a syslog, ISO or
// time-only tag (finish_after_tag()). Lines without a prefix have no head (len 0).
LineHead parse_line(std::string_view raw, LogLine& out) {
  std::string_view s = raw;
  size_t lead = 0;
  // Most lines have neither decorations nor indentation: one test of the first byte.
  if (!s.empty() && (s[0] == '>' || s[0] == ' ' || s[0] == '\t')) {
    // Decorations: mail quoting "> > " and markdown blockquotes ">".
    while (!s.empty() && s[0] == '>') {
      s.remove_prefix(1);
      if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    }
    // Mem-Info continuation lines are indented by some 76 blanks: 8 at a time first.
    static constexpr char kBlanks[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
    while (lead + 8 <= s.size() && std::memcmp(s.data() + lead, kBlanks, 8) == 0) lead += 8;
    while (lead < s.size() && (s[lead] == ' ' || s[lead] == '\t')) ++lead;
  }
  std::string_view t = from(s, lead);
  if (t.empty()) {
    out.text = t;
    return {};
  }
  char c = t[0];
  const size_t at = static_cast<size_t>(t.data() - raw.data());

  if (is_digit(c)) {
    // Raw /dev/kmsg: "prio,seq,usec,flags[,…];text"
    if (const size_t n = take_kmsg(t, out)) {
      finish_after_stamp(from(t, n), out);
      return {at + n, true};
    }
    // ISO 8601: "2026-11-21T10:00:00.123456+00:00 host kernel: "
    if (t.size() > 20 && t[4] == '-' && t[7] == '-' && (t[10] == 'T' || t[10] == ' ') && leading_digits(t) == 4) {
      const size_t n = match_clock(from(t, 11));
      if (n) {
        size_t i = 11 + n;
        if (i < t.size() && t[i] == 'Z') ++i;
        else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
          ++i;
          skip_digits<':'>(t, i);
        }
        std::string_view rest = from(t, i);
        if (take_host_tag(rest, out)) {
          out.style = PrefixStyle::kIso;
          out.wall_raw = upto(t, i);
          return finish_after_tag(raw, rest, out);
        }
      }
    }
    // Time-only: "19:51:01 kernel: "
    if (size_t n = match_clock(t)) {
      std::string_view rest = from(t, n);
      if (!rest.empty() && rest[0] == ' ' && take_host_tag(rest, out)) {
        out.style = PrefixStyle::kTimeOnly;
        out.wall_raw = upto(t, n);
        return finish_after_tag(raw, rest, out);
      }
    }
  } else if (c == '[') {
    if (size_t n = take_dmesg_stamp(t, out.mono_raw)) {
      out.style = PrefixStyle::kDmesg;
      finish_after_stamp(from(t, n), out);
      return {at + n, true};
    }
    // dmesg -T: "[Sat Nov 21 10:00:00 2026]" in any locale: a bracket holding a clock.
    size_t close = t.find(']');
    if (close != std::string_view::npos && close < 48) {
      std::string_view inner = upto(from(t, 1), close - 1);
      // A clock "hh:mm:ss" has its first ':' two bytes after its start. Any such colon will
      // do, so the English layout's place ("Sat Nov 21 10:00:00 2026") is tried first.
      bool has_clock = inner.size() >= 19 && match_clock(from(inner, 11)) != 0;
      if (!has_clock)
        for (size_t colon = inner.find(':'); colon != std::string_view::npos && !has_clock;
             colon = inner.find(':', colon + 1))
          has_clock = colon >= 2 && match_clock(from(inner, colon - 2)) != 0;
      if (has_clock) {
        out.style = PrefixStyle::kDmesgT;
        out.wall_raw = inner;
        finish_after_stamp(from(t, close + 1), out);
        return {at + close + 1, true};
      }
    }
  } else if (c == '-' && has_prefix(t, "-- ") &&
             (t.find("Logs begin") != std::string_view::npos || t.find("Journal begins") != std::string_view::npos ||
              t.find("Boot ") != std::string_view::npos || t.find("No entries") != std::string_view::npos)) {
    out.banner = true;
    out.text = t;
    return {};
  } else if (syslog_month(t)) {
    // "Nov 21 10:00:00 host kernel: " (also journalctl short-precise with fractions)
    size_t i = 4;
    if (i < t.size() && t[i] == ' ') ++i;
    size_t d0 = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i > d0 && i < t.size() && t[i] == ' ') {
      size_t n = match_clock(from(t, i + 1));
      if (n) {
        std::string_view rest = from(t, i + 1 + n);
        if (take_host_tag(rest, out)) {
          out.style = PrefixStyle::kSyslog;
          out.wall_raw = upto(t, i + 1 + n);
          return finish_after_tag(raw, rest, out);
        }
      }
    }
  }
  // /dev/kmsg dictionary line: " SUBSYSTEM=memory"
  if (lead > 0 && c >= 'A' && c <= 'Z') {
    size_t i = 0;
    while (i < t.size() && ((t[i] >= 'A' && t[i] <= 'Z') || t[i] == '_')) ++i;
    if (i < t.size() && t[i] == '=') out.kmsg_meta = true;
  }
  out.indented = lead > 0;
  out.text = t;
  return {};
}

}  // namespace

LogLine parse_prefix(std::string_view raw) {
  LogLine out;
  parse_line(raw, out);
  return out;
}

namespace {

// load8(): the 8 bytes at p as one word.
inline uint64_t load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// nondigits8(): bit 7 of each byte of `x` that is no digit (see skip_digits()). A carry from a
// byte >= 0x8a may flag the byte after it too, never leave a non-digit unflagged.
inline uint64_t nondigits8(uint64_t x) {
  const uint64_t d = x ^ 0x3030303030303030;
  return ((d + 0x7676767676767676) | d) & 0x8080808080808080;
}

// same_but_digits(): the word `x` of a line has the bytes `h` of the head, or any digit where
// the head has one (0xff in `digits`). Most words of a line in a run are the head's own (the
// host and tag, the same second): one compare.
inline bool same_but_digits(uint64_t x, uint64_t h, uint64_t digits) {
  return x == h || ((((x ^ h) & ~digits) | (nondigits8(x) & digits)) == 0);
}

}  // namespace

// has_head(): `raw` has the head's bytes, or any digit where the head has one. Compared 8 bytes
// at a time, the last 8 overlapping the word before: a memcmp() call cost ~25 instructions
// with its set-up, and most lines that differ, differ in their first 8 bytes (another style).
[[gnu::always_inline]] inline bool PrefixParser::has_head(std::string_view raw) const {
  const size_t n = head_len_;
  if (n == 0 || raw.size() < n) return false;
  auto same = [&](size_t k) {
    return same_but_digits(load8(raw.data() + k), load8(head_.data() + k), load8(digits_.data() + k));
  };
  for (size_t k = 0; k + 8 < n; k += 8)
    if (!same(k)) return false;
  return same(n - 8);
}

LogLine PrefixParser::parse(std::string_view raw) {
  LogLine out;
  if (has_head(raw)) {
    auto view = [&](Span v) { return std::string_view(raw.data() + v.pos, v.len); };
    out.style = style_;
    out.foreign = foreign_;
    out.dmesg_inner = dmesg_inner_;
    out.host = view(host_);
    out.tag = view(tag_);
    out.wall_raw = view(wall_raw_);
    out.mono_raw = view(mono_raw_);
    out.kmsg_seq_raw = view(kmsg_seq_raw_);
    const std::string_view rest = from(raw, head_len_);
    if (after_stamp_) finish_after_stamp(rest, out);
    else finish_after_tag(raw, rest, out);
    return out;
  }
  // has_head() reads the head 8 bytes at a time: a shorter one (each holds a stamp, which is
  // longer) or one longer than kMaxHead is not kept.
  if (const LineHead head = parse_line(raw, out); head.len >= 8 && head.len <= kMaxHead) {
    auto span = [&](std::string_view v) { return Span{v.empty() ? 0 : static_cast<size_t>(v.data() - raw.data()), v.size()}; };
    head_len_ = head.len;
    std::memcpy(head_.data(), raw.data(), head.len);
    // 0xff in each byte where the head has a digit (a byte nondigits8() flags for a carry
    // is compared as it is: a line that has another digit there is parsed whole).
    for (size_t i = 0; i < head.len; i += 8) {
      const size_t k = i + 8 < head.len ? i : head.len - 8;
      const uint64_t digits = ((~nondigits8(load8(head_.data() + k)) & 0x8080808080808080) >> 7) * 0xff;
      std::memcpy(digits_.data() + k, &digits, 8);
    }
    after_stamp_ = head.after_stamp;
    style_ = out.style;
    foreign_ = out.foreign;
    dmesg_inner_ = out.dmesg_inner;
    host_ = span(out.host);
    tag_ = span(out.tag);
    wall_raw_ = span(out.wall_raw);
    mono_raw_ = span(out.mono_raw);
    kmsg_seq_raw_ = span(out.kmsg_seq_raw);
  }
  return out;
}

std::optional<uint64_t> LogLine::kmsg_seq() const {
  if (kmsg_seq_raw.empty()) return std::nullopt;
  return parse_u64(kmsg_seq_raw);
}

std::optional<double> LogLine::mono_s() const {
  if (mono_raw.empty()) return std::nullopt;
  if (style == PrefixStyle::kKmsg) {
    auto usec = parse_u64(mono_raw);
    if (!usec) return std::nullopt;
    return static_cast<double>(*usec) / 1e6;
  }
  // dmesg "secs.frac": take_dmesg_stamp() saw digits on both sides of the '.'. A stamp too
  // large for 64 bits is still a dmesg prefix, but its time is unknown.
  const size_t dot = mono_raw.find('.');
  auto whole = parse_u64(upto(mono_raw, dot));
  auto frac = parse_u64(from(mono_raw, dot + 1));
  if (!whole || !frac) return std::nullopt;
  // 10^nfrac: up to 10^22 every power is exact, so the table gives what multiplying by 10.0
  // nfrac times gives; a longer fraction multiplies on from 10^22 the same way.
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const size_t nfrac = mono_raw.size() - dot - 1;
  double scale = kPow10[nfrac < 22 ? nfrac : 22];
  for (size_t k = 22; k < nfrac; ++k) scale *= 10.0;
  return static_cast<double>(*whole) + static_cast<double>(*frac) / scale;
}

std::optional<std::string> wall_to_iso(const LogLine& line, std::optional<int> year) {
  std::string_view w = line.wall_raw;
  if (w.empty()) return std::nullopt;
  switch (line.style) {
    case PrefixStyle::kIso: {
      std::string s(w);
      if (s.size() > 10 && s[10] == ' ') s[10] = 'T';
      return s;
    }
    case PrefixStyle::kTimeOnly:
      return "T" + std::string(w.substr(0, 8));
    case PrefixStyle::kSyslog: {
      // parse_prefix() found an English month here: one switch, not month_from_name()'s ~40
      // starts_with() calls (~2,000 instructions an event on d8).
      int mon = syslog_month(w);
      if (!mon) mon = month_from_name(w.substr(0, 3));
      std::string_view r = w.substr(4);
      r = ltrim(r);
      auto day = parse_u64_prefix(r);
      r = ltrim(r);
      if (!mon || !day || r.size() < 8) return std::nullopt;
      return iso_date(year, mon, static_cast<int>(*day), r);
    }
    case PrefixStyle::kDmesgT: {
      // [Www Mmm dd hh:mm:ss yyyy] in any locale: find the clock; the month precedes the day.
      std::vector<std::string_view> tok = split_ws(w);
      int mon = 0;
      std::optional<uint64_t> day, yr;
      std::string_view clock;
      for (size_t i = 0; i < tok.size(); ++i) {
        if (match_clock(tok[i]) == tok[i].size()) {
          clock = tok[i];
          if (i >= 2) {
            day = parse_u64(tok[i - 1]);
            mon = month_from_name(tok[i - 2]);
          }
          if (i + 1 < tok.size()) yr = parse_u64(tok[i + 1]);
        }
      }
      if (!mon || !day || clock.empty()) return std::nullopt;
      return iso_date(yr ? std::optional<int>(static_cast<int>(*yr)) : std::nullopt, mon, static_cast<int>(*day), clock);
    }
    default:
      return std::nullopt;
  }
}

}  // namespace oomscope
