// prefix_test.cc: one row per prefix style, as in re2/testing/parse_test.cc.
#include <charconv>
#include <cstdio>

#include <gtest/gtest.h>

#include "analyzer/prefix.h"

namespace oomscope {
namespace {

struct Row {
  const char* raw;
  PrefixStyle style;
  const char* host;
  const char* text;
  double mono;  // < 0: none
  const char* iso;  // nullptr: none
};

const Row kRows[] = {
    {"6,1234,170745161,-;python3 invoked oom-killer: x", PrefixStyle::kKmsg, "", "python3 invoked oom-killer: x", 170.745161, nullptr},
    {"[  170.745161] Out of memory", PrefixStyle::kDmesg, "", "Out of memory", 170.745161, nullptr},
    {"[   49.912345][ T6736] oom-kill:constraint", PrefixStyle::kDmesg, "", "oom-kill:constraint", 49.912345, nullptr},
    {"[Sat Nov 21 10:00:00 2026] Out of memory", PrefixStyle::kDmesgT, "", "Out of memory", -1, "2026-11-21T10:00:00"},
    {"[二 9月  3 05:57:48 2024] oom-kill:x", PrefixStyle::kDmesgT, "", "oom-kill:x", -1, "2024-09-03T05:57:48"},
    {"Nov 21 10:00:00 web1 kernel: [  17.500000] Out of memory", PrefixStyle::kSyslog, "web1", "Out of memory", 17.5, "--11-21T10:00:00"},
    {"Feb 18 17:34:47  kernel: Task in /docker/x", PrefixStyle::kSyslog, "", "Task in /docker/x", -1, "--02-18T17:34:47"},
    {"Nov  1 10:00:00.123456 h kernel: msg", PrefixStyle::kSyslog, "h", "msg", -1, "--11-01T10:00:00.123456"},
    {"2026-11-21T10:00:00.123456+00:00 node7 kernel: msg", PrefixStyle::kIso, "node7", "msg", -1, "2026-11-21T10:00:00.123456+00:00"},
    {"2026-11-21T10:00:00+0000 node7 kernel: msg", PrefixStyle::kIso, "node7", "msg", -1, "2026-11-21T10:00:00+0000"},
    {"19:50:59 kernel: Out of memory: Killed process 6439", PrefixStyle::kTimeOnly, "", "Out of memory: Killed process 6439", -1, "T19:50:59"},
    {"> [1557576.330762] Xorg invoked oom-killer", PrefixStyle::kDmesg, "", "Xorg invoked oom-killer", 1557576.330762, nullptr},
    {">Jun 13 14:21:19 kubelet kernel: anon 9842688", PrefixStyle::kSyslog, "kubelet", "anon 9842688", -1, "--06-13T14:21:19"},
    {"  runc:[2:INIT] invoked oom-killer: gfp", PrefixStyle::kNone, "", "runc:[2:INIT] invoked oom-killer: gfp", -1, nullptr},
    {"Oct 12 19:00:20 h kernel:[ 1.000000] x", PrefixStyle::kSyslog, "h", "x", 1.0, "--10-12T19:00:20"},
};

TEST(PrefixTest, Table) {
  for (const Row& r : kRows) {
    LogLine l = parse_prefix(r.raw);
    EXPECT_EQ(l.style, r.style) << r.raw;
    EXPECT_EQ(l.host, r.host) << r.raw;
    EXPECT_EQ(l.text, r.text) << r.raw;
    if (r.mono >= 0) {
      ASSERT_TRUE(l.mono_s().has_value()) << r.raw;
      EXPECT_DOUBLE_EQ(*l.mono_s(), r.mono) << r.raw;
    } else {
      EXPECT_FALSE(l.mono_s().has_value()) << r.raw;
    }
    auto iso = wall_to_iso(l);
    if (r.iso) EXPECT_EQ(iso.value_or("<none>"), r.iso) << r.raw;
    else EXPECT_FALSE(iso.has_value()) << r.raw;
  }
}

TEST(PrefixTest, ForeignSyslogProgramIsMarked) {
  LogLine l = parse_prefix("Oct 12 19:00:20 h node-problem-detector-startup.sh[3240]: Killed process 1 (x)");
  EXPECT_TRUE(l.foreign);
  EXPECT_EQ(l.tag, "node-problem-detector-startup.sh");
}

TEST(PrefixTest, PrintkCallerIsKept) {
  LogLine l = parse_prefix("[   49.9][ T6736] msg");
  EXPECT_EQ(l.caller, "T6736");
}

TEST(PrefixTest, DmesgStampOverflowingSixtyFourBitsHasNoTime) {
  LogLine l = parse_prefix("[184467440737095516160.000001] Out of memory");
  EXPECT_EQ(l.style, PrefixStyle::kDmesg);
  EXPECT_EQ(l.text, "Out of memory");
  EXPECT_FALSE(l.mono_s().has_value());
}

// mono_s() reads the stamp's digits: the same seconds, to the bit, as two std::from_chars of
// the parts, and the same 64-bit limit on each part.
TEST(PrefixTest, DmesgStampSecondsAtTheSixtyFourBitEdges) {
  auto seconds = [](std::string_view raw) { return parse_prefix(raw).mono_s(); };
  for (const char* raw : {"[    0.000000] x", "[  170.745161] x", "[1603651.498580] x", "[5.5] x",
                          "[18446744073709551615.999999] x", "[1.18446744073709551615] x"}) {
    const std::string_view r(raw);
    const size_t dot = r.find('.'), close = r.find(']');
    uint64_t whole = 0, frac = 0;
    std::from_chars(r.data() + r.find_first_not_of(" [", 0), r.data() + dot, whole);
    std::from_chars(r.data() + dot + 1, r.data() + close, frac);
    double scale = 1.0;
    for (size_t k = dot + 1; k < close; ++k) scale *= 10.0;
    ASSERT_TRUE(seconds(raw).has_value()) << raw;
    EXPECT_EQ(*seconds(raw), static_cast<double>(whole) + static_cast<double>(frac) / scale) << raw;
  }
  EXPECT_FALSE(seconds("[18446744073709551616.0] x").has_value());
  EXPECT_FALSE(seconds("[1.18446744073709551616] x").has_value());
  EXPECT_EQ(parse_prefix("[1.18446744073709551616] x").style, PrefixStyle::kDmesg);
}

TEST(PrefixTest, YearFromOption) {
  LogLine l = parse_prefix("Nov 21 10:00:00 web1 kernel: x");
  EXPECT_EQ(wall_to_iso(l, 2026).value_or(""), "2026-11-21T10:00:00");
  // The date's numbers are zero-padded as printf("%04d-%02d-%02d") pads them.
  EXPECT_EQ(wall_to_iso(l, 7).value_or(""), "0007-11-21T10:00:00");
  EXPECT_EQ(wall_to_iso(l, 12345).value_or(""), "12345-11-21T10:00:00");
  EXPECT_EQ(wall_to_iso(l, -5).value_or(""), "-005-11-21T10:00:00");
  EXPECT_EQ(wall_to_iso(parse_prefix("Jan  3 00:00:01 web1 kernel: x")).value_or(""), "--01-03T00:00:01");
  EXPECT_EQ(wall_to_iso(parse_prefix("Dec 123 00:00:01 web1 kernel: x")).value_or(""), "--12-123T00:00:01");
}

TEST(PrefixTest, SyslogMonthOfEveryName) {
  // The month comes from one switch over the English names; each maps as month_from_name() does.
  const char* names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int m = 0; m < 12; ++m) {
    const std::string line = std::string(names[m]) + " 21 10:00:00 web1 kernel: x";  // `l` points into it
    LogLine l = parse_prefix(line);
    char want[32];
    std::snprintf(want, sizeof want, "--%02d-21T10:00:00", m + 1);
    EXPECT_EQ(wall_to_iso(l).value_or(""), want) << names[m];
  }
}

TEST(PrefixTest, KmsgDictionaryAndJournalBanner) {
  EXPECT_TRUE(parse_prefix(" SUBSYSTEM=memory").kmsg_meta);
  EXPECT_TRUE(parse_prefix("-- Logs begin at Sun 2021-05-30 12:29:02 CST. --").banner);
}

}  // namespace
}  // namespace oomscope
