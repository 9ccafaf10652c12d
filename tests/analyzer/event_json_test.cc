// event_json_test.cc: the streaming JSON writer and the event JSON shape.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analyzer/analyze.h"
#include "analyzer/event_json.h"
#include "analyzer/render.h"
#include "common/json_writer.h"

namespace oomscope {
namespace {

namespace fs = std::filesystem;

TEST(JsonWriterTest, EscapesAndReplacesInvalidUtf8) {
  std::string s;
  JsonWriter w(s);
  w.begin_object();
  w.field("a", std::string_view("q\"b\\n\n\x01"));
  w.field("bad", std::string_view("x\xff\xc3(y"));
  w.field("ok", std::string_view("二 9月"));
  w.field("n", std::optional<int64_t>());
  w.field("d", 0.5);
  w.key("arr");
  w.begin_array();
  w.value(int64_t{-1});
  w.value(uint64_t{18446744073709551615ULL});
  w.end_array();
  w.end_object();
  EXPECT_EQ(s, "{\"a\":\"q\\\"b\\\\n\\n\\u0001\",\"bad\":\"x\xEF\xBF\xBD\xEF\xBF\xBD(y\",\"ok\":\"二 9月\",\"n\":null,"
               "\"d\":0.5,\"arr\":[-1,18446744073709551615]}");
  EXPECT_TRUE(nlohmann::json::accept(s));
}

// FindingData keeps numbers, bools and strings as such and the rest as ordered_json; the
// findings' "data" object is written as the ordered_json it replaced dumped it.
TEST(FindingDataTest, WritesWhatOrderedJsonWrote) {
  Finding f;
  nlohmann::ordered_json ref = nlohmann::ordered_json::object();
  auto set = [&](std::string_view k, const auto& v) {
    f.data[k] = v;
    ref[std::string(k)] = v;
  };
  set("u", UINT64_MAX);
  set("i", int64_t{-5});
  set("int", 7);
  set("size", size_t{3});
  set("u32", uint32_t{4000000000u});
  set("small", uint16_t{9});
  set("share", 0.8533401489257812);
  set("tiny", 1e-05);
  set("whole", 1.0);
  set("inf", std::numeric_limits<double>::infinity());
  set("yes", true);
  set("s", std::string("plain"));
  set("lit", "quote\" and \xff");
  set("sv", std::string_view("view"));
  set("list", std::vector<std::string>{"a", "b"});
  set("j", nlohmann::ordered_json{{"k", 1}, {"v", "w"}});
  set("null", nullptr);
  set("we\"ird\x01", 1);
  set("u", "overwritten in place");
  set("j", 2.5);  // a json value replaced by a plain one
  (void)f.data["read"];  // read through the non-const operator[]: added as null, as ordered_json does
  (void)ref["read"];
  EXPECT_EQ(f.data.size(), ref.size());
  EXPECT_EQ(f.data.to_json(), ref);
  std::string out;
  {
    JsonWriter w(out);
    write_findings_json({f}, w);
  }
  const std::string data = "\"data\":" + ref.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + ",";
  EXPECT_NE(out.find(data), std::string::npos) << out << "\n" << data;
  // Read back: as ordered_json values, null for a key that is not there.
  const Finding& cf = f;
  EXPECT_EQ(cf.data["i"], -5);
  EXPECT_EQ(cf.data["list"][1], "b");
  EXPECT_TRUE(cf.data["absent"].is_null());
  EXPECT_FALSE(cf.data.contains("absent"));
  EXPECT_EQ(f.data["size"], 3u);
  EXPECT_EQ(f.data["share"].get<double>(), 0.8533401489257812);
  EXPECT_EQ(f.data["list"].size(), 2u);
}

// Integers: single digits take a short path, the rest digits(); both forms of field().
TEST(JsonWriterTest, IntegersAroundTheSingleDigitPath) {
  std::string s;
  {
    JsonWriter w(s);
    w.begin_array();
    for (int64_t v : {int64_t{-10}, int64_t{-9}, int64_t{-1}, int64_t{0}, int64_t{9}, int64_t{10}, INT64_MIN}) w.value(v);
    for (uint64_t v : {uint64_t{0}, uint64_t{9}, uint64_t{10}, UINT64_MAX}) w.value(v);
    w.begin_object();
    w.field("a", std::optional<uint64_t>(7));
    w.field("b", std::optional<int64_t>(-7));
    w.field("c", std::optional<uint64_t>(12));
    w.field("d", std::optional<int64_t>());
    w.end_object();
    w.end_array();
  }
  EXPECT_EQ(s, "[-10,-9,-1,0,9,10,-9223372036854775808,0,9,10,18446744073709551615,{\"a\":7,\"b\":-7,\"c\":12,\"d\":null}]");
  // field(key, count) with a key from the log: copied as is, or escaped.
  std::string c;
  {
    JsonWriter w(c);
    w.begin_object();
    w.field(std::string("total_rss"), uint64_t{0});
    w.field(std::string("we\"ird\x01"), uint64_t{12345});
    w.field(std::string(3000, 'k'), uint64_t{1});
    w.end_object();
  }
  EXPECT_EQ(c, "{\"total_rss\":0,\"we\\\"ird\\u0001\":12345,\"" + std::string(3000, 'k') + "\":1}");
}

// fields(): a run of integer members, the same bytes as field() per member, first in an
// object or after other members, also when the staging buffer is nearly full; numbered_field()
// as field() with the number's decimal text as key.
TEST(JsonWriterTest, FieldRunsWriteWhatFieldWrites) {
  const std::optional<int64_t> neg(INT64_MIN), none;
  const std::optional<uint64_t> big(UINT64_MAX), zero(0), some(123456789);
  auto by_field = [&](std::string& s, bool after) {
    JsonWriter w(s);
    w.begin_array();
    w.value(std::string(4000, 'x'));
    w.begin_object();
    if (after) w.field("first", zero);
    w.field("neg", neg);
    w.field("none", none);
    w.field("big", big);
    w.field("zero", zero);
    w.field("some", some);
    w.field(std::to_string(0), uint64_t{5});
    w.field(std::to_string(UINT64_MAX), UINT64_MAX);
    w.end_object();
    w.end_array();
  };
  auto by_fields = [&](std::string& s, bool after) {
    JsonWriter w(s);
    w.begin_array();
    w.value(std::string(4000, 'x'));
    w.begin_object();
    if (after) w.fields("first", zero);
    w.fields("neg", neg, "none", none, "big", big, "zero", zero, "some", some);
    w.numbered_field(0, 5);
    w.numbered_field(UINT64_MAX, UINT64_MAX);
    w.end_object();
    w.end_array();
  };
  for (bool after : {false, true}) {
    std::string a, b;
    by_field(a, after);
    by_fields(b, after);
    EXPECT_EQ(a, b);
    EXPECT_TRUE(nlohmann::json::accept(b));
  }
}

// raw_in_place(): a formatter writes straight into the staging buffer, separators as for any
// value, also when the buffer is nearly full (it is flushed first).
TEST(JsonWriterTest, RawInPlaceWritesWhatTheFormatterReturns) {
  std::string s;
  {
    JsonWriter w(s);
    w.begin_array();
    w.value(std::string(4090, 'x'));  // the next value does not fit in what is left
    for (std::string_view v : {"1.5", "-2e-05"})
      w.raw_in_place(64, [v](char* first, char* last) {
        EXPECT_EQ(last - first, 64);
        std::memcpy(first, v.data(), v.size());
        return first + v.size();
      });
    w.end_array();
  }
  EXPECT_EQ(s, "[\"" + std::string(4090, 'x') + "\",1.5,-2e-05]");
}

// digits() writes longer integers from their length, four digits per step: every length, at
// the powers of ten and of two and either side of them, as std::to_chars writes them.
TEST(JsonWriterTest, IntegersOfEveryLengthAsToChars) {
  std::vector<uint64_t> us;
  uint64_t p = 1;
  for (int k = 0; k < 20; ++k, p *= 10)
    for (uint64_t x : {p - 1, p, p + 1, p * 3 + 7}) us.push_back(x);
  for (int b = 0; b < 64; ++b)
    for (uint64_t x : {(uint64_t{1} << b) - 1, uint64_t{1} << b, (uint64_t{1} << b) + 1}) us.push_back(x);
  us.push_back(UINT64_MAX);
  std::string got, want = "[";
  {
    JsonWriter w(got);
    w.begin_array();
    for (uint64_t u : us) {
      w.value(u);
      w.value(static_cast<int64_t>(u));
      w.value(-static_cast<int64_t>(u / 2));
    }
    w.end_array();
  }
  char b[24];
  auto put = [&](auto x) {
    want.append(b, std::to_chars(b, b + sizeof b, x).ptr);
    want += ',';
  };
  for (uint64_t u : us) {
    put(u);
    put(static_cast<int64_t>(u));
    put(-static_cast<int64_t>(u / 2));
  }
  want.back() = ']';
  EXPECT_EQ(got, want);
}

// string_literal() checks 16 (or 8) bytes at a time and the tail of a string with an
// overlapping load: every length, with special bytes at every position, escapes as byte by byte.
TEST(JsonWriterTest, EscapesTheSameAtEveryLengthAndPosition) {
  auto reference = [](std::string_view s) {  // ASCII specials only (the inputs below)
    std::string out = "\"";
    for (char c : s) {
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else if (static_cast<unsigned char>(c) < 0x20) {
        char b[8];
        std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(c));
        out += b;
      } else {
        out += c;
      }
    }
    return out + "\"";
  };
  auto written = [](std::string_view s) {
    std::string out;
    JsonWriter w(out);
    w.value(s);
    w.flush();
    return out;
  };
  for (size_t n = 0; n <= 40; ++n) {
    std::string plain(n, 'a');
    for (size_t i = 0; i < n; ++i) plain[i] = static_cast<char>('a' + i % 26);
    ASSERT_EQ(written(plain), reference(plain)) << n;
    for (size_t at = 0; at < n; ++at)
      for (char special : {'"', '\\', '\n', '\x01', '\x1f'}) {
        std::string s = plain;
        s[at] = special;
        ASSERT_EQ(written(s), reference(s)) << n << " " << at;
        for (size_t at2 = at + 1; at2 < n; ++at2) {
          std::string t = s;
          t[at2] = '\t';
          ASSERT_EQ(written(t), reference(t)) << n << " " << at << " " << at2;
        }
      }
  }
  // Multi-byte UTF-8 is copied, an invalid byte replaced, at the end of a long string too.
  EXPECT_EQ(written(std::string(17, 'x') + "\xc3\xa9"), "\"" + std::string(17, 'x') + "\xc3\xa9\"");
  EXPECT_EQ(written(std::string(17, 'x') + "\xff"), "\"" + std::string(17, 'x') + "\xEF\xBF\xBD\"");
  EXPECT_EQ(written(std::string(5000, 'y')), "\"" + std::string(5000, 'y') + "\"");  // larger than the staging buffer
  // plain_key()/plain_value(): what key()/value() write for text that needs no escaping, and
  // nothing for text that does.
  std::string plain;
  {
    JsonWriter w(plain);
    w.begin_object();
    EXPECT_TRUE(w.plain_key("k"));
    EXPECT_TRUE(w.plain_value("v w"));
    EXPECT_FALSE(w.plain_key("a\"b"));
    EXPECT_TRUE(w.plain_key(std::string(5000, 'z')));
    EXPECT_FALSE(w.plain_value(std::string(5000, 'z') + "\n"));
    EXPECT_FALSE(w.plain_value("\xff"));
    w.null();
    w.end_object();
  }
  EXPECT_EQ(plain, "{\"k\":\"v w\",\"" + std::string(5000, 'z') + "\":null}");
}

// Every corpus event serialises to valid JSON that names each documented top-level field.
TEST(EventJsonTest, CorpusEventsAreValidJson) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(OOMSCOPE_TEST_DATA "/kernel-logs")) {
    if (e.path().extension() != ".log") continue;
    std::ifstream f(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    CollectingSink sink;
    analyze_string(ss.str(), e.path().filename().string(), {}, sink);
    for (const OomEvent& ev : sink.events) {
      std::string s;
      JsonWriter w(s);
      write_event_json(ev, w);
      nlohmann::json j = nlohmann::json::parse(s);
      for (const char* k : {"source", "host", "timestamp", "kernel", "complete", "trigger", "constraint", "memcg",
                            "mem_info", "tasks", "killed", "reaped", "composition", "culprit"})
        EXPECT_TRUE(j.contains(k)) << e.path().filename() << " " << k;
      EXPECT_EQ(j["tasks"].size(), ev.tasks.size());
      EXPECT_EQ(j["complete"].get<bool>(), ev.complete);
      if (ev.killed && ev.killed->pid) {
        EXPECT_EQ(j["killed"]["pid"].get<int64_t>(), *ev.killed->pid);
      }
      ++n;
    }
  }
  EXPECT_GT(n, 25u);
}

}  // namespace
}  // namespace oomscope

namespace oomscope {
namespace {

TEST(TextRendererTest, EscapeSequencesInLogTextCannotReachTheTerminal) {
  CollectingSink sink;
  analyze_string(
      "[ 1.0] Out of memory: Killed process 7 (\x1b]0;pwned\x07\x1b[2J) total-vm:1kB, anon-rss:1kB, file-rss:0kB, "
      "shmem-rss:0kB\n",
      "t.log", {}, sink);
  ASSERT_EQ(sink.events.size(), 1u);
  std::ostringstream out;
  TextRenderer r(out);
  r.event(sink.events[0]);
  r.flush();  // the renderer gathers events into larger writes
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find('\x07'), std::string::npos);
  EXPECT_NE(out.str().find("?]0;pwned??[2J"), std::string::npos) << out.str();
  // The renderer's own colours survive.
  EXPECT_EQ(terminal_safe("\x1b[1;31mred\x1b[0m\x1b]0;t\x07"), "\x1b[1;31mred\x1b[0m?]0;t?");
  // Runs of plain text are copied whole: every boundary of a run keeps its bytes.
  EXPECT_EQ(terminal_safe(""), "");
  EXPECT_EQ(terminal_safe("plain\ttext\n"), "plain\ttext\n");
  EXPECT_EQ(terminal_safe("\x7f" "a\x01\x02" "b\x1b"), "?a??b?");
  EXPECT_EQ(terminal_safe("x\x1b[" "12;3"), "x?[12;3");  // an SGR sequence cut short is not one
  EXPECT_EQ(terminal_safe("\x1b[m\x1b[0;1mok\x1b[2J"), "\x1b[m\x1b[0;1mok?[2J");
}

// terminal_safe() scans 16 bytes at a time: every byte value at every position of strings
// around that size gives what a byte-by-byte pass gives (bytes >= 0x80 are not control bytes).
TEST(TextRendererTest, TerminalSafeAtEveryPosition) {
  auto reference = [](std::string_view s) {
    std::string out;
    for (unsigned char c : s) out += (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : static_cast<char>(c);
    return out;
  };
  for (size_t n : {1, 15, 16, 17, 31, 33})
    for (size_t at = 0; at < n; ++at)
      for (int c = 1; c < 256; ++c) {
        if (c == 0x1b) continue;  // an SGR sequence may follow: the cases above
        std::string s(n, 'a');
        s[at] = static_cast<char>(c);
        ASSERT_EQ(terminal_safe(s), reference(s)) << n << " " << at << " " << c;
      }
}

// The largest-tasks table: columns as printf's %8s/%10s/%6s pad them, the largest 5 by rss,
// and a row cut at 199 bytes as snprintf into char[200] cut it.
TEST(TextRendererTest, LargestTasksTable) {
  OomEvent ev;
  ev.source.file = "t.log";
  ev.page_size = 4096;
  auto task = [](int64_t pid, uint64_t rss, std::optional<uint64_t> anon, int64_t adj, std::string name) {
    Task t;
    t.pid = pid;
    t.rss_pages = rss;
    t.rss_anon_pages = anon;
    t.swapents = 0;
    t.oom_score_adj = adj;
    t.name = std::move(name);
    return t;
  };
  ev.tasks.push_back(task(1, 10, 5, 0, "init"));
  ev.tasks.push_back(task(123456789, 300000, std::nullopt, -998, std::string(250, 'n')));
  ev.tasks.push_back(task(42, 2000, 1000, 1000, std::string("nul\0name", 8)));
  std::ostringstream out;
  TextRenderer r(out);
  r.event(ev);
  r.flush();
  char b[200];
  std::string want = "  largest tasks (3 in table):\n";
  std::snprintf(b, sizeof b, "    %8s %10s %10s %10s %6s  %s\n", "pid", "rss", "anon", "swap", "adj", "name");
  want += b;
  std::snprintf(b, sizeof b, "    %8lld %10s %10s %10s %6lld  %s\n", 123456789LL, "1.14 GiB", "-", "0 B", -998LL,
                std::string(250, 'n').c_str());
  want += b;
  std::snprintf(b, sizeof b, "    %8lld %10s %10s %10s %6lld  %s\n", 42LL, "7.8 MiB", "3.9 MiB", "0 B", 1000LL, "nul");
  want += b;
  std::snprintf(b, sizeof b, "    %8lld %10s %10s %10s %6lld  %s\n", 1LL, "40 KiB", "20 KiB", "0 B", 0LL, "init");
  want += b;
  EXPECT_NE(out.str().find(want), std::string::npos) << out.str() << "\nwant:\n" << want;
}

}  // namespace
}  // namespace oomscope
