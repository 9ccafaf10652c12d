// kmsg_capture.h: read the kernel log records a test caused, straight from /dev/kmsg.
//
// Open a KmsgReader at the end of the log before the action, read what arrived afterwards.
// Each /dev/kmsg read(2) returns one record, "prio,seq,usec,flags[,…];text" followed by
// optional " KEY=value" dictionary lines; non-printable bytes in the text are \xNN-escaped.
// EAGAIN means no more records; EPIPE means records were overwritten before we read them
// (the reader continues with the oldest record still there and counts the gap).
//
// Example:
//   auto kmsg = KmsgReader::open_at_end();
//   ... trigger an OOM ...
//   auto records = kmsg->read_until_contains("Killed process 4711 ", std::chrono::seconds(2));
//   render_dmesg(*records);  // "[  311.138113] Memory cgroup out of memory: Killed process 4711 …\n"
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace oomscope::testing {

struct KmsgRecord {
  int facility = 0;   // prio >> 3 (0 = kernel)
  int level = 0;      // prio & 7 (3 = err, 4 = warning, 6 = info)
  uint64_t seq = 0;
  uint64_t usec = 0;  // CLOCK_MONOTONIC microseconds since boot
  char flags = '-';   // '-' or 'c' (continuation)
  std::string text;   // the message, still \xNN-escaped as /dev/kmsg gives it
  std::string raw;    // the record's first line exactly as read, without dictionary lines
};

// parse_kmsg_record(): one record as read from /dev/kmsg (dictionary lines ignored).
// Fails with kParse when the header is not "prio,seq,usec,flags…;".
// Example: parse_kmsg_record("6,30574068,3816544225428,-;memory: usage 20480kB")
//          -> {level 6, seq 30574068, usec 3816544225428, text "memory: usage 20480kB"}
Result<KmsgRecord> parse_kmsg_record(std::string_view raw);

// KmsgReader: a non-blocking /dev/kmsg reader that owns its file descriptor.
class KmsgReader {
 public:
  // open_at_end(): only records logged after this call will be read (lseek SEEK_END).
  static Result<KmsgReader> open_at_end();
  // open_at_start(): from the oldest record still in the buffer.
  static Result<KmsgReader> open_at_start();

  KmsgReader(KmsgReader&& other) noexcept;
  KmsgReader& operator=(KmsgReader&& other) noexcept;
  KmsgReader(const KmsgReader&) = delete;
  KmsgReader& operator=(const KmsgReader&) = delete;
  ~KmsgReader();

  // read_available(): every record available now, in order; stops at EAGAIN. Unparseable
  // records are skipped (counted in skipped()).
  Result<std::vector<KmsgRecord>> read_available();

  // read_until_contains(): read_available() repeatedly (every 10 ms) until a record's text
  // contains `needle` or `timeout` passes; returns everything read either way.
  Result<std::vector<KmsgRecord>> read_until_contains(std::string_view needle, std::chrono::milliseconds timeout);

  uint64_t overwritten() const { return overwritten_; }  // EPIPE gaps met
  uint64_t skipped() const { return skipped_; }

 private:
  explicit KmsgReader(int fd) : fd_(fd) {}
  int fd_ = -1;
  uint64_t overwritten_ = 0;
  uint64_t skipped_ = 0;
};

// read_kmsg_since(): all records in the buffer with seq >= first_seq.
Result<std::vector<KmsgRecord>> read_kmsg_since(uint64_t first_seq);

// unescape_kmsg(): "\x1b" -> byte 0x1b, as dmesg(1) prints it; "\\" stays.
std::string unescape_kmsg(std::string_view text);

// render_kmsg_raw(): one raw record per line, as `cat /dev/kmsg` shows them (no dictionary).
std::string render_kmsg_raw(const std::vector<KmsgRecord>& records);

// render_dmesg(): "[%5llu.%06llu] text\n" per record, as plain dmesg(1) prints them.
std::string render_dmesg(const std::vector<KmsgRecord>& records);

// contains_text(): does any record's text contain `needle`?
bool contains_text(const std::vector<KmsgRecord>& records, std::string_view needle);

}  // namespace oomscope::testing
