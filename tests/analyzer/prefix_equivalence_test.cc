// prefix_equivalence_test.cc: parse_prefix() against the plain version it replaced.
//
// parse_prefix() takes shortcuts on the hot path (digits read 8 at a time, the kernel tag
// matched without a search, a /dev/kmsg header read before its ';' is looked for). Each must
// give exactly the LogLine the straightforward code gave, so that code is kept here, as of
// 808f552, as the reference: every line of every log in tests/data and samples/, hand-made
// edge cases and generated lines must come out the same, field by field.
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "analyzer/prefix.h"
#include "common/parse_num.h"
#include "common/strings.h"

namespace oomscope {
namespace {

namespace fs = std::filesystem;

// The reference: parse_prefix() and its helpers as they were before the shortcuts.
namespace reference {

// LogLine as it was then, its numbers read by the parse (now LogLine::mono_s() and
// kmsg_seq() read them from the text when asked).
struct LogLine {
  std::string_view text, host, tag, wall_raw, caller;
  std::optional<double> mono_s;
  std::optional<uint64_t> kmsg_seq;
  PrefixStyle style = PrefixStyle::kNone;
  bool dmesg_inner = false, foreign = false, indented = false, kmsg_meta = false, banner = false;
};

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// "hh:mm:ss" optionally followed by ".frac"; returns the length consumed or 0.
size_t match_clock(std::string_view s) {
  if (s.size() < 8 || !is_digit(s[0]) || !is_digit(s[1]) || s[2] != ':' || !is_digit(s[3]) ||
      !is_digit(s[4]) || s[5] != ':' || !is_digit(s[6]) || !is_digit(s[7]))
    return 0;
  size_t i = 8;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    size_t j = i + 1;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j > i + 1) i = j;
  }
  return i;
}

bool is_syslog_month(std::string_view s) {
  if (s.size() < 4 || s[3] != ' ') return false;
  // The three letters as one number: one switch instead of twelve compares per line.
  auto key = [](char a, char b, char c) {
    return static_cast<uint32_t>(static_cast<unsigned char>(a)) << 16 |
           static_cast<uint32_t>(static_cast<unsigned char>(b)) << 8 | static_cast<unsigned char>(c);
  };
  switch (key(s[0], s[1], s[2])) {
    case key('J', 'a', 'n'): case key('F', 'e', 'b'): case key('M', 'a', 'r'): case key('A', 'p', 'r'):
    case key('M', 'a', 'y'): case key('J', 'u', 'n'): case key('J', 'u', 'l'): case key('A', 'u', 'g'):
    case key('S', 'e', 'p'): case key('O', 'c', 't'): case key('N', 'o', 'v'): case key('D', 'e', 'c'):
      return true;
    default:
      return false;
  }
}

// Parses "host tag: " or "tag: " after a syslog/ISO/time-only stamp. On success fills
// host/tag/foreign and advances `s` past the colon and one blank; on failure touches neither.
bool take_host_tag(std::string_view& s, LogLine& out, bool /*host_optional*/) {
  std::string_view r = s;
  // Host may be empty: "Feb 18 17:34:47  kernel:" (journalctl with no hostname).
  if (!r.empty() && r[0] == ' ') r.remove_prefix(1);
  r = ltrim(r);  // two blanks: an empty host ("17:34:47  kernel:")
  size_t sp = r.find(' ');
  std::string_view first = r.substr(0, sp);
  std::string_view host, tagtok;
  std::string_view rest;
  if (!first.empty() && first.back() == ':') {
    tagtok = first;
    rest = sp == std::string_view::npos ? std::string_view() : r.substr(sp + 1);
  } else {
    if (sp == std::string_view::npos) return false;
    host = first;
    std::string_view r2 = r.substr(sp + 1);
    size_t colon = r2.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    tagtok = r2.substr(0, colon + 1);
    if (tagtok.find(' ') != std::string_view::npos) return false;
    rest = r2.substr(colon + 1);
    if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  }
  if (tagtok.empty() || tagtok.back() != ':') {
    // "kernel:msg" without a blank after the colon.
    size_t colon = tagtok.find(':');
    if (colon == std::string_view::npos) return false;
    tagtok = tagtok.substr(0, colon + 1);
  }
  std::string_view tag = tagtok.substr(0, tagtok.size() - 1);
  size_t br = tag.find('[');
  if (br != std::string_view::npos) tag = tag.substr(0, br);
  if (tag.empty()) return false;
  out.host = host;
  out.tag = tag;
  out.foreign = tag != "kernel";
  s = rest;
  return true;
}

// "[  170.745161]" -> seconds; returns bytes consumed or 0.
size_t take_dmesg_stamp(std::string_view s, double& secs) {
  if (s.empty() || s[0] != '[') return 0;
  size_t i = 1;
  while (i < s.size() && s[i] == ' ') ++i;
  // Both numbers are accumulated as they are scanned (every report line of a dmesg log has
  // one: two std::from_chars calls cost 5% of the parser thread on the dense benchmark log).
  // Up to 19 digits cannot overflow 64 bits; longer runs are checked.
  bool overflow = false;
  auto digits = [&](uint64_t& v) {
    const size_t d0 = i;
    for (; i < s.size() && is_digit(s[i]); ++i) v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    if (i - d0 > 19) overflow |= std::from_chars(s.data() + d0, s.data() + i, v).ec != std::errc();
    return i - d0;
  };
  uint64_t whole = 0, frac = 0;
  if (digits(whole) == 0 || i >= s.size() || s[i] != '.') return 0;
  ++i;
  const size_t nfrac = digits(frac);
  if (nfrac == 0 || i >= s.size() || s[i] != ']') return 0;
  double scale = 1.0;
  for (size_t k = 0; k < nfrac; ++k) scale *= 10.0;
  // A stamp too large for 64 bits is still a dmesg prefix, but its time is unknown (NaN).
  if (overflow) secs = std::numeric_limits<double>::quiet_NaN();
  else secs = static_cast<double>(whole) + static_cast<double>(frac) / scale;
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
  caller = s.substr(c0, i - c0);
  return i + 1;
}

void take_dmesg_after(std::string_view& s, LogLine& out) {
  double secs = 0;
  if (size_t n = take_dmesg_stamp(s, secs)) {
    if (!std::isnan(secs)) out.mono_s = secs;
    out.dmesg_inner = true;
    s.remove_prefix(n);
    if (size_t c = take_caller(s, out.caller)) s.remove_prefix(c);
  }
}

LogLine parse_prefix(std::string_view raw) {
  LogLine out;
  std::string_view s = raw;
  // Decorations: mail quoting "> > " and markdown blockquotes ">".
  while (!s.empty() && s[0] == '>') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  }
  size_t lead = 0;
  while (lead < s.size() && (s[lead] == ' ' || s[lead] == '\t')) ++lead;
  std::string_view t = s.substr(lead);
  if (t.empty()) {
    out.text = t;
    return out;
  }
  char c = t[0];

  if (is_digit(c)) {
    // Raw /dev/kmsg: "prio,seq,usec,flags[,…];text"
    size_t semi = t.find(';');
    if (semi != std::string_view::npos && semi < 64) {
      std::string_view head = t.substr(0, semi);
      size_t c1 = head.find(','), c2 = head.find(',', c1 + 1), c3 = head.find(',', c2 + 1);
      if (c1 != std::string_view::npos && c2 != std::string_view::npos && c3 != std::string_view::npos &&
          all_digits(head.substr(0, c1)) && all_digits(head.substr(c1 + 1, c2 - c1 - 1)) &&
          all_digits(head.substr(c2 + 1, c3 - c2 - 1))) {
        out.style = PrefixStyle::kKmsg;
        out.kmsg_seq = parse_u64(head.substr(c1 + 1, c2 - c1 - 1));
        if (auto us = parse_u64(head.substr(c2 + 1, c3 - c2 - 1))) out.mono_s = static_cast<double>(*us) / 1e6;
        std::string_view rest = t.substr(semi + 1);
        if (size_t cl = take_caller(rest, out.caller)) rest.remove_prefix(cl);
        out.text = ltrim(rest);
        return out;
      }
    }
    // ISO 8601: "2026-11-21T10:00:00.123456+00:00 host kernel: "
    if (t.size() > 20 && t[4] == '-' && t[7] == '-' && (t[10] == 'T' || t[10] == ' ') && all_digits(t.substr(0, 4))) {
      size_t n = match_clock(t.substr(11));
      if (n) {
        size_t i = 11 + n;
        if (i < t.size() && t[i] == 'Z') ++i;
        else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
          ++i;
          while (i < t.size() && (is_digit(t[i]) || t[i] == ':')) ++i;
        }
        std::string_view rest = t.substr(i);
        if (take_host_tag(rest, out, false)) {
          out.style = PrefixStyle::kIso;
          out.wall_raw = t.substr(0, i);
          take_dmesg_after(rest, out);
          out.text = ltrim(rest);
          return out;
        }
      }
    }
    // Time-only: "19:51:01 kernel: "
    if (size_t n = match_clock(t)) {
      std::string_view rest = t.substr(n);
      if (!rest.empty() && rest[0] == ' ' && take_host_tag(rest, out, true)) {
        out.style = PrefixStyle::kTimeOnly;
        out.wall_raw = t.substr(0, n);
        take_dmesg_after(rest, out);
        out.text = ltrim(rest);
        return out;
      }
    }
  } else if (c == '[') {
    double secs = 0;
    if (size_t n = take_dmesg_stamp(t, secs)) {
      out.style = PrefixStyle::kDmesg;
      if (!std::isnan(secs)) out.mono_s = secs;
      std::string_view rest = t.substr(n);
      if (size_t cl = take_caller(rest, out.caller)) rest.remove_prefix(cl);
      out.text = ltrim(rest);
      return out;
    }
    // dmesg -T: "[Sat Nov 21 10:00:00 2026]" in any locale: a bracket holding a clock.
    size_t close = t.find(']');
    if (close != std::string_view::npos && close < 48) {
      std::string_view inner = t.substr(1, close - 1);
      bool has_clock = false;
      // A clock "hh:mm:ss" has its first ':' two bytes after its start.
      for (size_t colon = inner.find(':'); colon != std::string_view::npos && !has_clock;
           colon = inner.find(':', colon + 1))
        has_clock = colon >= 2 && match_clock(inner.substr(colon - 2)) != 0;
      if (has_clock) {
        out.style = PrefixStyle::kDmesgT;
        out.wall_raw = inner;
        std::string_view rest = t.substr(close + 1);
        if (size_t cl = take_caller(rest, out.caller)) rest.remove_prefix(cl);
        out.text = ltrim(rest);
        return out;
      }
    }
  } else if (c == '-' && has_prefix(t, "-- ") &&
             (t.find("Logs begin") != std::string_view::npos || t.find("Journal begins") != std::string_view::npos ||
              t.find("Boot ") != std::string_view::npos || t.find("No entries") != std::string_view::npos)) {
    out.banner = true;
    out.text = t;
    return out;
  } else if (is_syslog_month(t)) {
    // "Nov 21 10:00:00 host kernel: " (also journalctl short-precise with fractions)
    size_t i = 4;
    if (i < t.size() && t[i] == ' ') ++i;
    size_t d0 = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i > d0 && i < t.size() && t[i] == ' ') {
      size_t n = match_clock(t.substr(i + 1));
      if (n) {
        std::string_view rest = t.substr(i + 1 + n);
        if (take_host_tag(rest, out, false)) {
          out.style = PrefixStyle::kSyslog;
          out.wall_raw = t.substr(0, i + 1 + n);
          take_dmesg_after(rest, out);
          out.text = ltrim(rest);
          return out;
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
  return out;
}

}  // namespace reference

// as_reference(): `l` with its numbers read, to compare with the reference's.
reference::LogLine as_reference(const LogLine& l) {
  return {l.text, l.host, l.tag, l.wall_raw, l.caller, l.mono_s(), l.kmsg_seq(), l.style,
          l.dmesg_inner, l.foreign, l.indented, l.kmsg_meta, l.banner};
}

// describe(): every field of a LogLine, the views with their offsets into the line (the text
// must be the same bytes of the line, not equal ones elsewhere).
std::string describe(const reference::LogLine& l, std::string_view raw) {
  std::ostringstream o;
  auto view = [&](const char* name, std::string_view v) {
    o << name << "=";
    if (v.empty()) o << "<empty>";
    else o << (v.data() - raw.data()) << ":\"" << v << "\"";
    o << " ";
  };
  view("text", l.text);
  view("host", l.host);
  view("tag", l.tag);
  view("wall_raw", l.wall_raw);
  view("caller", l.caller);
  o << "mono_s=";
  if (l.mono_s) {
    uint64_t bits;  // bit for bit
    std::memcpy(&bits, &*l.mono_s, sizeof bits);
    o << *l.mono_s << "/" << std::hex << bits << std::dec;
  } else {
    o << "none";
  }
  o << " kmsg_seq=" << (l.kmsg_seq ? std::to_string(*l.kmsg_seq) : "none") << " style=" << prefix_style_name(l.style)
    << " dmesg_inner=" << l.dmesg_inner << " foreign=" << l.foreign << " indented=" << l.indented
    << " kmsg_meta=" << l.kmsg_meta << " banner=" << l.banner;
  return o.str();
}

// same(): what describe() shows, compared without building it (millions of lines at -O0).
bool same(const reference::LogLine& a, const reference::LogLine& b) {
  auto view = [](std::string_view x, std::string_view y) { return x.size() == y.size() && (x.empty() || x.data() == y.data()); };
  auto mono = [](const std::optional<double>& x, const std::optional<double>& y) {
    return x.has_value() == y.has_value() && (!x || std::memcmp(&*x, &*y, sizeof(double)) == 0);
  };
  return view(a.text, b.text) && view(a.host, b.host) && view(a.tag, b.tag) && view(a.wall_raw, b.wall_raw) &&
         view(a.caller, b.caller) && mono(a.mono_s, b.mono_s) && a.kmsg_seq == b.kmsg_seq && a.style == b.style &&
         a.dmesg_inner == b.dmesg_inner && a.foreign == b.foreign && a.indented == b.indented &&
         a.kmsg_meta == b.kmsg_meta && a.banner == b.banner;
}

bool expect_same(std::string_view raw) {
  const reference::LogLine got = as_reference(parse_prefix(raw)), want = reference::parse_prefix(raw);
  if (same(got, want)) return true;
  ADD_FAILURE() << "line: \"" << raw << "\"\n got: " << describe(got, raw) << "\nwant: " << describe(want, raw);
  return false;
}

// expect_same_after(): PrefixParser `p`, which has parsed other lines before (a head it may
// reuse), parses `raw` as the reference does.
bool expect_same_after(PrefixParser& p, std::string_view raw, std::string_view before = {}) {
  const reference::LogLine got = as_reference(p.parse(raw)), want = reference::parse_prefix(raw);
  if (same(got, want)) return true;
  ADD_FAILURE() << "line: \"" << raw << "\" after \"" << before << "\"\n got: " << describe(got, raw)
                << "\nwant: " << describe(want, raw);
  return false;
}

// expect_same_after_itself(): `raw` cut short at every length up to 80 bytes, each parsed
// right after the whole line: where the line's head is reused, the rest may be anything.
bool expect_same_after_itself(std::string_view raw) {
  for (size_t n = 0; n < raw.size() && n <= 80; ++n) {
    PrefixParser p;
    p.parse(raw);
    if (!expect_same_after(p, raw.substr(0, n), raw)) return false;
  }
  return true;
}

// Each line is also checked cut short at every length up to 80 bytes (where prefixes end):
// digit runs and tags that end at the end of the line take the byte-at-a-time tails.
bool expect_same_with_cuts(std::string_view raw) {
  for (size_t n = 0; n < raw.size() && n <= 80; ++n)
    if (!expect_same(raw.substr(0, n))) return false;
  return expect_same(raw);
}

TEST(PrefixEquivalenceTest, EveryLineOfEveryLog) {
  size_t lines = 0;
  PrefixParser p;  // the lines of each log in order, as OomParser parses them
  for (const char* dir : {OOMSCOPE_TEST_DATA, OOMSCOPE_SOURCE_DIR "/samples"}) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      std::ifstream f(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      const std::string data = ss.str();
      SCOPED_TRACE(e.path().string());  // once a file: a trace per line costs seconds at -O0
      for (size_t start = 0; start < data.size();) {
        size_t nl = data.find('\n', start);
        if (nl == std::string::npos) nl = data.size();
        std::string_view line(data.data() + start, nl - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!expect_same_with_cuts(line) || !expect_same_after(p, line) || !expect_same_after_itself(line)) return;
        ++lines;
        start = nl + 1;
      }
    }
  }
  EXPECT_GT(lines, 10000u);
}

TEST(PrefixEquivalenceTest, EdgeCases) {
  const char* const kLines[] = {
      // Syslog and ISO hosts and tags.
      "Nov 14 00:00:00 db-2 kernel: [ 170.745161] Out of memory",
      "Nov 14 00:00:00 worker-5 kubelet[2756683]: E1121 oom",
      "Feb 18 17:34:47  kernel: Task in /docker/x",     // empty host
      "Feb 18 17:34:47 kernel: Task in /docker/x",      // tag without host
      "Feb 18 17:34:47 kernel:",                        // tag without host, nothing after
      "Feb 18 17:34:47 kernel:msg",                     // no blank after the colon
      "Feb 18 17:34:47 h kernel:msg",
      "Feb 18 17:34:47 h kernel:",
      "Feb 18 17:34:47 h kernel",
      "Feb 18 17:34:47 h kernelx: msg",
      "Feb 18 17:34:47 h kernel[0]: msg",
      "Feb 18 17:34:47 h kernel : msg",
      "Feb 18 17:34:47 h :msg",
      "Feb 18 17:34:47 h [1]: msg",
      "Feb 18 17:34:47 h systemd[1]: kernel: x",
      "Feb 18 17:34:47 h a b: msg",
      "Feb 18 17:34:47 h",
      "Feb 18 17:34:47 h ",
      "Feb 18 17:34:47 h kernel: ",                     // a head and nothing after it
      "Feb 18 17:34:47 h kernel:  [ 1.5] x",
      "Feb 18 17:34:47 h kernel: [ 1.5] x",
      "Feb 18 17:34:47 h kernel:[ 1.5] x",
      "Feb 18 17:34:47.5 h kernel: x",
      "Feb 18 17:34:47 h systemd[1]: x",
      "Feb 18 17:34:47 \th kernel: msg",
      "Feb 18 17:34:47 h\tkernel: msg",
      "2026-11-14T00:00:18.803436+00:00 aks-nodepool1-24207654-vmss000009 kernel: atd invoked oom-killer",
      "2026-11-14T00:00:18Z h kernel: x",
      // Fractions and time zones: runs of digits and colons longer than 8 bytes, ended by ';',
      // '/' or bytes that are digits or ':' only in their low nibble.
      "2026-11-14T00:00:18.123456789012+05:30:00:00:00 h kernel: x",
      "2026-11-14T00:00:18+05:30;x h kernel: x", "2026-11-14T00:00:18+0/:30 h kernel: x",
      "2026-11-14T00:00:18-\xba\xb0 h kernel: x", "2026-11-14T00:00:18.12345678\xb9 h kernel: x",
      "2O26-11-14T00:00:18 h kernel: x", "202-11-14T00:00:18 h kernel: x",
      // Heads that differ from another only in their fraction's digits, its length or a byte
      // in it that is no digit.
      "2026-11-14T00:00:18.803437+00:00 aks-nodepool1-24207654-vmss000009 kernel: [ 5.5] y",
      "2026-11-14T00:00:18.80343+00:00 aks-nodepool1-24207654-vmss000009 kernel: x",
      "2026-11-14T00:00:18.8034366+00:00 aks-nodepool1-24207654-vmss000009 kernel: x",
      "2026-11-14T00:00:18.80x436+00:00 aks-nodepool1-24207654-vmss000009 kernel: x",
      "2026-11-14T00:00:18.803436+00:00 aks-nodepool1-24207654-vmss000009 kernelx: x",
      "Nov 14 00:00:00.123456 db-2 kernel: x", "Nov 14 00:00:00.654321 db-2 kernel: x",
      "Nov 14 00:00:00,654321 db-2 kernel: x", "Nov 14 00:00:00.6543210 db-2 kernel: x",
      "10:00:00.5 kernel: x", "10:00:00.7 kernel: [ 1.5] y", "10:00:00.7 kernel:y",
      // Heads with other digits (the host's too), or a digit's place taken by another byte.
      "Nov 14 00:00:09 db-3 kernel: [ 179.745161][C3] x", "Nov 14 00:00:09 db-3 kernel: [ 179.7451612] x",
      "Nov 14 00:00:09 db-3 kernel: [ 17a.745161] x", "Nov 14 00:00:09 db-3 kernel: [1179.745161] x",
      "Nov 14 00:00:09 db-3 kernel:  [ 179.745161] x", "Nov 14 00:00:09 db-3 kernel:[ 179.745161] x",
      "Nov 14 0:00:09 db-3 kernel: x", "Nov 14 00:00:09 db-3 kern3l: x", "Nov 14 00:00:09 db-3 kernel: 9",
      "[  179.999999] y", "[  179.9999999] y", "[ 1179.999999] y", "[  17\xb9.999999] y", "[  179.999999][ T1] y",
      "6,1299,170745999,-;[ T99] y", "6,1299,170745999,-;", "6,1299,1707459990,-;y", "6,129:,170745999,-;y",
      "6,1299,170745999,x;y", "[Sat Nov 21 19:59:59 2029] y", "[Sat Nov 21 19:59:5: 2029] y",
      "2026-11-14 00:00:18 h kernel: x",
      "2026-11-14T00:00:18.803436+00:00  kernel: x",
      "2026-11-14T00:00:18.803436+00:00 kernel:x",
      "19:51:01 kernel: Out of memory",
      "19:51:01 h kernel: x",
      "19:51:01 h kernel:[ 1.5][ T12] x",
      // Clocks with a wrong byte at each place: '/' and ':' next to the digits, bytes that
      // are digits only in their low nibble (0xb0, 0xb9), a colon moved, a digit short.
      "10:00:00 kernel: x", "1/:00:00 kernel: x", "10:0::00 kernel: x", "10:00:0\xb9 kernel: x",
      "\xb0" "10:00:00 kernel: x", "1\xb0:00:00 kernel: x", "10:00:00\xba kernel: x", "100:00:00 kernel: x",
      "10:00:0 kernel: x", "10:00:00. kernel: x", "10:00:00,5 kernel: x", "10:00:00.5.5 kernel: x",
      "Nov 14 1/:00:00 h kernel: x", "Nov 14 10:00:0: h kernel: x", "Nov 14 10;00:00 h kernel: x",
      "2026-11-14T10:00:0/ h kernel: x", "[Sat Nov 21 10:00:0/ 2026] x", "[Sat Nov 21 1:00:00 2026] x",
      // dmesg stamps after the tag, printk callers.
      "Nov 14 00:00:00 db-2 kernel: [ 170.745161] [ T1234] x",
      "Nov 14 00:00:00 db-2 kernel: [ 170.745161][C3] x",
      "Nov 14 00:00:00 db-2 kernel: [170.7] x",
      "Nov 14 00:00:00 db-2 kernel: [ 170.] x",
      "Nov 14 00:00:00 db-2 kernel: [ .5] x",
      "Nov 14 00:00:00 db-2 kernel: [ 12345678901234567890123.5] x",
      "Nov 14 00:00:00 db-2 kernel: [00000000000000000000000012.000000000000000000000000001] x",
      "[  170.745161] x",
      "[  170.745161]",
      "[  170.745161",
      "[12345678.12345678] x",
      "[123456789.123456789] x",
      "[1234567812345678.1234567812345678] x",
      "[0.0000000000000000000000000001] x",
      "[99999999999999999999.5] x",
      "[18446744073709551616.0] x",
      "[18446744073709551615.18446744073709551616] x",
      "[   49.912345][ T6736] oom-kill:constraint",
      "[   49.912345] [T6736] x",
      "[   49.912345][ T] x",
      "[   49.912345][ X12] x",
      "[Sat Nov 21 10:00:00 2026] Out of memory",
      "[Sat Nov 21 10:00:00 2026][ T1] x",
      "[Sat Nov 21 10:00:00 2026]",
      "[Sat Nov 21 10:00:00 2026]] x",
      "[Sa 21. Nov 10:00:00 2026] x",
      "[x:y 10:00:00] x",
      "[Sat Nov 21 10:0x:00 2026] x",
      // /dev/kmsg.
      "6,1234,170745161,-;python3 invoked oom-killer",
      "6,1234,170745161,-,caller=T12;x",
      "6,1234,170745161;x",
      "6,1234,170745161,",
      "6,1234,170745161,-",
      "6,,170745161,-;x",
      "6,1234,,-;x",
      ",1234,1,-;x",
      "6,123456789012345678901234,1,-;x",
      "6,1,123456789012345678901234,-;x",
      "6,18446744073709551615,18446744073709551615,-;x",
      "6,18446744073709551616,18446744073709551616,-;x",
      "6,1,2,-----------------------------------------------------;x",
      "6,1,2,----------------------------------------------------------------;x",
      "6,1,2,3;4;5",
      "6,1,2,-;[ T99] x",
      "6,1,2,-;",
      " SUBSYSTEM=memory",
      " DEVICE=+memory:x",
      // Decorations, blanks, banners, nothing.
      "> > [ 1.5] x",
      ">>[ 1.5] x",
      "                                                                            active_file:14",
      "        \t        x",
      "\t\t\t\t\t\t\t\t\tx",
      "                ",
      "",
      ">",
      "-- Logs begin at Mon 2026-11-16 --",
      "-- Boot 1a2b --",
      "-- x",
  };
  for (const char* l : kLines)
    if (expect_same_with_cuts(l)) expect_same_after_itself(l);
  // Each line after each other: heads that differ in their last bytes, or end where another
  // line's head goes on.
  for (const char* before : kLines)
    for (const char* l : kLines) {
      PrefixParser p;
      p.parse(before);
      if (!expect_same_after(p, l, before)) return;
    }
}

// Digit runs of every length from 1 to 45 (over 19 digits: no 64-bit number), of several
// patterns, in both numbers of a dmesg stamp and in the fields of a /dev/kmsg header, at the
// end of the line and before more text.
TEST(PrefixEquivalenceTest, DigitRunsOfEveryLength) {
  auto run = [](size_t n, int pattern) {
    std::string d;
    for (size_t k = 0; k < n; ++k) d += pattern == 0 ? static_cast<char>('0' + (k * 7 + 3) % 10) : pattern == 1 ? '9' : '0';
    if (pattern == 2 && n > 0) d.back() = '1';  // leading zeros
    return d;
  };
  for (int pattern = 0; pattern < 3; ++pattern)
    for (size_t a = 1; a <= 45; ++a)
      for (size_t b : {size_t{1}, size_t{6}, a}) {
        const std::string x = run(a, pattern), y = run(b, (pattern + 1) % 3);
        for (const std::string& l : {"[" + x + "." + y + "] t", "[ " + y + "." + x + "]", "h kernel: [" + x + "." + y + "] t",
                                     "6," + x + "," + y + ",-;t", "6," + y + "," + x + ",-;t", x + "," + y + "," + x + ";t",
                                     "Nov 14 00:00:00 h kernel: [" + y + "." + x + "][ T" + x + "] t"})
          if (!expect_same_with_cuts(l)) return;
      }
}

// Generated lines: the pieces that prefixes are made of, shuffled, so that every branch meets
// digits, blanks and separators in unusual places and at the end of the line.
TEST(PrefixEquivalenceTest, GeneratedLines) {
  const char* const kPieces[] = {
      "0", "7", "12", "123456", "12345678", "123456789", "00000000000000000000", "18446744073709551616",
      " ", "  ", "\t", ",", ";", ".", ":", "[", "]", "-", "T", "C", "Z", "+00:00", ">", "> ",
      "Nov", "Nov 14 ", "00:00:00", "10:00:00.5", "2026-11-14T", "kernel", "kernel:", "kernel: ",
      "host", "[12]", "[ T1]", "x", "=", "SUBSYSTEM", "-- ", "Boot ", "\xe6\x9c\x88"};
  std::mt19937 rng(20261203);
  std::uniform_int_distribution<size_t> piece(0, std::size(kPieces) - 1), count(1, 14);
  std::string line;
  PrefixParser p;
  for (int n = 0; n < 200000; ++n) {
    line.clear();
    for (size_t k = count(rng); k > 0; --k) line += kPieces[piece(rng)];
    if (!expect_same(line) || !expect_same_after(p, line)) return;
    // The same line with other digits: a head the parser may have kept, another fraction.
    const std::string before = line;
    for (char& c : line)
      if (is_digit(c) && rng() % 2) c = static_cast<char>('0' + rng() % 10);
    if (!expect_same_after(p, line, before)) return;
    // The same line with its end replaced: a head the parser may have kept, other bytes after.
    line = before;
    line.resize(std::uniform_int_distribution<size_t>(0, line.size())(rng));
    for (size_t k = count(rng) / 4; k > 0; --k) line += kPieces[piece(rng)];
    if (!expect_same_after(p, line, before)) return;
  }
}

}  // namespace
}  // namespace oomscope
