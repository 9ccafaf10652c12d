// /dev/kmsg records: parsing, escapes, the record-per-read device path (simulated with a
// SOCK_SEQPACKET socket, which also returns EAGAIN like the real device), captures in
// regular files, and gaps. See Documentation/ABI/testing/dev-kmsg.
#include "collector/kmsg.h"

#include <random>

#include "collector/clock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace oomscope::collector {
namespace {

TEST(ParseKmsgRecord, Table) {
  struct {
    const char* in;
    int facility, level;
    uint64_t seq, usec;
    const char* flags;
    const char* message;
    const char* dict;
  } cases[] = {
      {"6,1234,5678901,-;Out of memory: Killed process 42 (a\\x20b)\n", 0, 6, 1234, 5678901, "-",
       "Out of memory: Killed process 42 (a b)", ""},
      {"3,9697,1099873444,-;Memory cgroup out of memory: Killed process 14753 (python3)", 0, 3, 9697, 1099873444, "-",
       "Memory cgroup out of memory: Killed process 14753 (python3)", ""},
      // userspace (facility 1 = user), continuation flag, newer kernels' extra field after flags
      {"14,3301,717793832,c,extra;oomscope-kmsg-test two\n", 1, 6, 3301, 717793832, "c", "oomscope-kmsg-test two", ""},
      // multi-line record: the newline is escaped as \x0a; a backslash as \x5c
      {"6,7,8,-;anon 257949696\\x0afile 4096000 C:\\x5cdir\n SUBSYSTEM=net\n DEVICE=n12\n", 0, 6, 7, 8, "-",
       "anon 257949696\nfile 4096000 C:\\dir", "SUBSYSTEM=net\nDEVICE=n12"},
      {"4,1224,587768642,-; <TASK>", 0, 4, 1224, 587768642, "-", " <TASK>", ""},
  };
  for (const auto& c : cases) {
    auto r = parse_kmsg_record(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.error().message;
    EXPECT_EQ(r->facility, c.facility) << c.in;
    EXPECT_EQ(r->level, c.level) << c.in;
    EXPECT_EQ(r->seq, c.seq) << c.in;
    EXPECT_EQ(r->usec, c.usec) << c.in;
    EXPECT_EQ(r->flags, c.flags) << c.in;
    EXPECT_EQ(r->message, c.message) << c.in;
    EXPECT_EQ(r->dict, c.dict) << c.in;
    std::string head(c.in);
    EXPECT_EQ(r->raw, head.substr(0, head.find('\n'))) << "raw keeps the escapes";
  }
  const char* bad_inputs[] = {"", "no header here", "x,1,2,-;t", "6,,2,-;t", "6,1,-;t"};
  for (const char* in : bad_inputs) {
    auto r = parse_kmsg_record(in);
    ASSERT_FALSE(r.ok()) << in;
    EXPECT_EQ(r.error().code, ErrorCode::kParse) << in;
  }
}

TEST(DecodeKmsgEscapes, KeepsWhatIsNotAnEscape) {
  EXPECT_EQ(decode_kmsg_escapes("a\\x0ab"), "a\nb");
  EXPECT_EQ(decode_kmsg_escapes("\\xZZ \\x4"), "\\xZZ \\x4");
  EXPECT_EQ(decode_kmsg_escapes("end\\x"), "end\\x");
}

struct Collected {
  std::vector<KmsgRecord> records;
  std::vector<std::pair<std::optional<uint64_t>, uint64_t>> gaps;
};

Result<KmsgStats> read_all(int fd, Collected& c, std::function<bool()> stop = [] { return false; }) {
  return read_kmsg(
      fd, [&](const KmsgRecord& r) { c.records.push_back(r); },
      [&](std::optional<uint64_t> a, uint64_t n) { c.gaps.emplace_back(a, n); }, stop);
}

TEST(ReadKmsg, DeviceLikeOneRecordPerReadEndsAtEagain) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
  const char* recs[] = {"6,10,100,-;first\n", "6,11,200,-;second\n SUBSYSTEM=x\n", "3,15,300,-;after a gap\n"};
  for (const char* r : recs) ASSERT_GT(write(sv[1], r, strlen(r)), 0);
  fcntl(sv[0], F_SETFL, O_NONBLOCK);
  Collected c;
  auto stats = read_all(sv[0], c);  // the writer stays open: only EAGAIN can end this
  close(sv[0]);
  close(sv[1]);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  ASSERT_EQ(c.records.size(), 3u);
  EXPECT_EQ(c.records[1].dict, "SUBSYSTEM=x");
  EXPECT_EQ(stats->records, 3u);
  EXPECT_EQ(stats->gaps, 1u);
  EXPECT_EQ(stats->lost_records, 3u);  // 12, 13, 14
  ASSERT_EQ(c.gaps.size(), 1u);
  EXPECT_EQ(c.gaps[0].first, 11u);
  EXPECT_EQ(c.gaps[0].second, 15u);
}

TEST(ReadKmsg, FifoIsStreamedAndEagainEndsIt) {
  // A FIFO under --root: many records per read(), split by their headers; when the writer
  // stays open but idle, EAGAIN ends the walk instead of blocking.
  int p[2];
  ASSERT_EQ(pipe2(p, O_NONBLOCK), 0);
  std::string data;
  for (int i = 1; i <= 300; ++i) data += "6," + std::to_string(i) + ",10,-;line " + std::to_string(i) + "\n";
  data += " DICT=1\n6,301,10,-;partial last line without newline";
  ASSERT_EQ(write(p[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  Collected c;
  auto stats = read_all(p[0], c);
  close(p[0]);
  close(p[1]);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  ASSERT_EQ(c.records.size(), 301u);
  EXPECT_EQ(c.records[299].dict, "DICT=1");
  EXPECT_EQ(c.records[300].message, "partial last line without newline");
  EXPECT_EQ(stats->gaps, 0u);
}

TEST(ReadKmsg, CaptureFileFromTheV2Fixture) {
  std::string path = OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1/dev/kmsg";
  int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << path;
  Collected c;
  auto stats = read_all(fd, c);
  close(fd);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->records, 23u);
  EXPECT_EQ(stats->bad_records, 0u);
  EXPECT_EQ(c.records[0].dict, "SUBSYSTEM=net\nDEVICE=n12");
  EXPECT_EQ(c.records[16].message, "anon 257949696\nfile 4096000\nkernel 5242880");
  ASSERT_EQ(c.gaps.size(), 1u);  // seq 4121 -> 4124
  EXPECT_EQ(c.gaps[0].first, 4121u);
  EXPECT_EQ(c.gaps[0].second, 4124u);
  EXPECT_EQ(stats->lost_records, 2u);
}

TEST(ReadKmsg, StopsWhenAsked) {
  std::string path = OOMSCOPE_TEST_DATA "/roots/cgroup-v2-k8s-systemd-6.1/dev/kmsg";
  int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  Collected c;
  auto stats = read_all(fd, c, [&] { return c.records.size() >= 5; });
  close(fd);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(c.records.size(), 5u);
}

TEST(ReadKmsg, LiveDeviceNeverBlocks) {
  int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) GTEST_SKIP() << "/dev/kmsg not readable here: " << strerror(errno);
  Collected c;
  auto stats = read_all(fd, c);  // returns at EAGAIN; a blocking read would hang the test
  close(fd);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  ASSERT_GT(c.records.size(), 0u);
  EXPECT_EQ(stats->bad_records, 0u);
  EXPECT_TRUE(c.records.front().message.find("Linux version") != std::string::npos || c.records.front().seq > 0)
      << "the ring starts with the boot banner unless it has wrapped";
}


// format_utc_usec() (every kernel log record's wall_utc) is formatted by hand; it must say
// exactly what gmtime_r + snprintf say, leap days, negative times and year ends included.
TEST(FormatUtcUsec, SameAsGmtimeAndSnprintf) {
  EXPECT_EQ(format_utc_usec(1763767800'000000), "2025-11-21T23:30:00.000000Z");
  EXPECT_EQ(format_utc_usec(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_utc_usec(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_utc_usec(951782400'000000), "2000-02-29T00:00:00.000000Z");
  const int64_t kYear0 = -62167219200LL * 1'000'000, kYear10000 = 253402300800LL * 1'000'000;
  std::vector<int64_t> cases = {kYear0, kYear0 + 1, kYear10000 - 1, -2203891200LL * 1'000'000 /* 1900-03-01 */,
                                4107456000LL * 1'000'000 /* 2100-02-28 */, 4107542400LL * 1'000'000 - 1};
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> any(kYear0, kYear10000 - 1), recent(0, 4102444800LL * 1'000'000);
  for (int i = 0; i < 200000; ++i) cases.push_back(i % 2 ? any(rng) : recent(rng));
  for (int64_t day = -800000; day < 800000; day += 7) cases.push_back(day * 86400'000000 + 86399'999999);
  for (int64_t v : cases) ASSERT_EQ(format_utc_usec(v), format_utc_usec_slow(v)) << v;
  // Outside 0000-9999: the slow path, whatever it says.
  EXPECT_EQ(format_utc_usec(kYear10000), format_utc_usec_slow(kYear10000));
  EXPECT_EQ(format_utc_usec(kYear0 - 1), format_utc_usec_slow(kYear0 - 1));
}

}  // namespace
}  // namespace oomscope::collector
