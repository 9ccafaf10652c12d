// kmsg.h: the kernel ring buffer as /dev/kmsg records.
//
// A /dev/kmsg read() returns one record: "prio,seq,usec,flags[,…];text\n" followed by
// optional " KEY=value\n" dictionary lines. Non-printable bytes in the text are escaped as
// \xNN, so a multi-line message is still one line (Documentation/ABI/testing/dev-kmsg).
// prio = facility * 8 + level. read() returns EPIPE when records were overwritten before we
// read them: the gap shows up as a sequence jump and is reported, the walk continues.
//
// read_kmsg() never blocks: the fd is opened O_NONBLOCK and EAGAIN ends the walk. The same
// function accepts a regular file (or a FIFO) holding a capture of the device (`cat
// /dev/kmsg` output, used by --root fixtures), which it streams and splits into records by
// their headers, with bounded memory.
//
// Example:
//   auto r = parse_kmsg_record("6,1234,5678901,-;Out of memory: Killed process 42 (a\\x20b)\n");
//   r->level == 6; r->facility == 0; r->seq == 1234; r->usec == 5678901;
//   r->message == "Out of memory: Killed process 42 (a b)"   (escapes decoded)
//   r->raw == "6,1234,5678901,-;Out of memory: Killed process 42 (a\\x20b)"   (as read)
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace oomscope::collector {

struct KmsgRecord {
  int facility = 0;
  int level = 0;
  uint64_t seq = 0;
  uint64_t usec = 0;     // printk timestamp, microseconds since boot
  std::string flags;     // "-" or "c"
  std::string raw;       // header line as read, escapes kept, no trailing newline
  std::string message;   // text with \xNN decoded
  std::string dict;      // continuation lines without their leading space, joined by '\n'
};

// parse_kmsg_record(): one record as returned by read(). kParse if the header is not
// "prio,seq,usec,flags…;". Trailing newline and dictionary lines are optional.
Result<KmsgRecord> parse_kmsg_record(std::string_view record);

// decode_kmsg_escapes(): "\x0a" -> '\n', "\x5c" -> '\\'; anything else is kept as is.
std::string decode_kmsg_escapes(std::string_view text);

// KmsgStats: what read_kmsg() saw.
struct KmsgStats {
  uint64_t records = 0;
  uint64_t gaps = 0;
  uint64_t lost_records = 0;  // sum of known seq jumps
  uint64_t bad_records = 0;   // records that did not parse (skipped)
};

// read_kmsg(): reads every record available on `fd` (a /dev/kmsg fd opened O_NONBLOCK, or a
// regular file with a capture) and calls `on_record` for each, `on_gap(after_seq, next_seq)`
// for each EPIPE or sequence jump. Stops at EAGAIN / end of file, after `max_records`, or
// when `should_stop()` returns true. Returns an error only when reading fails outright.
Result<KmsgStats> read_kmsg(int fd, const std::function<void(const KmsgRecord&)>& on_record,
                            const std::function<void(std::optional<uint64_t> after_seq, uint64_t next_seq)>& on_gap,
                            const std::function<bool()>& should_stop, uint64_t max_records = 2'000'000);

}  // namespace oomscope::collector
