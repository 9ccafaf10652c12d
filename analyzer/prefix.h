// prefix.h: recognise and strip the transport prefix of one kernel log line.
//
// The same kernel message reaches an on-call engineer in many wrappings. parse_prefix()
// peels them off and keeps what they say (host, time, caller) so events can be assembled per
// host and dated. Recognised, per line (a file may mix them):
//
//   6,1234,170745161,-;msg                          raw /dev/kmsg record (seq, usec since boot)
//   [  170.745161] msg                              dmesg (seconds since boot, NOT epoch)
//   [  170.745161] [ T1234] msg                     dmesg with CONFIG_PRINTK_CALLER
//   [Sat Nov 21 10:00:00 2026] msg                  dmesg -T (local wall time; any locale's names)
//   Nov 21 10:00:00 host kernel: [170.74] msg       syslog / journalctl short(-precise), opt. dmesg
//   2026-11-21T10:00:00.123456+00:00 host kernel: msg   RFC 5424 / journalctl short-iso
//   10:00:00 kernel: msg                            time-only (GUI log viewers)
//   msg                                             no prefix
// plus decorations: mail quoting ("> "), markdown blockquotes (">"), indentation.
//
// Example:
//   LogLine l = parse_prefix("Nov 21 10:00:00 web1 kernel: [ 17.5] Out of memory");
//   // l.host == "web1", l.tag == "kernel", l.mono_s() == 17.5, l.text == "Out of memory"
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oomscope {

enum class PrefixStyle : uint8_t {
  kNone,       // no prefix at all
  kKmsg,       // raw /dev/kmsg
  kDmesg,      // [secs.usecs]
  kDmesgT,     // [Www Mmm dd hh:mm:ss yyyy]
  kSyslog,     // Mmm dd hh:mm:ss host tag:
  kIso,        // yyyy-mm-ddThh:mm:ss… host tag:
  kTimeOnly,   // hh:mm:ss tag:
};
const char* prefix_style_name(PrefixStyle s);

struct LogLine {
  std::string_view text;        // the kernel message, prefixes and leading blanks removed
  std::string_view host;        // syslog/ISO host; empty when the line has none
  std::string_view tag;         // syslog tag without [pid] ("kernel", "systemd"); empty if none
  std::string_view wall_raw;    // the wall-clock stamp as printed (syslog, ISO, dmesg -T, time-only)
  std::string_view caller;      // printk caller id ("T1234", "C3"); empty if none
  // The numbers of a dmesg stamp ("170.745161") or /dev/kmsg header (usec "170745161", seq)
  // as printed. parse_prefix() only checks that they are digits: most lines are parsed for
  // their host and text alone, and the numbers are read for the few that start an event.
  std::string_view mono_raw;
  std::string_view kmsg_seq_raw;
  PrefixStyle style = PrefixStyle::kNone;
  bool dmesg_inner = false;     // a dmesg [secs] stamp followed a syslog/ISO prefix
  bool foreign = false;         // a syslog line from a program other than the kernel
  bool indented = false;        // started with blanks and had no prefix of its own
  bool kmsg_meta = false;       // a /dev/kmsg " KEY=value" dictionary line (not a message)
  bool banner = false;          // journalctl's "-- Logs begin at …" / "-- Boot …" lines

  // mono_s(): seconds since boot (dmesg / kmsg), never epoch; nullopt without a stamp or when
  // a number of it does not fit in 64 bits. kmsg_seq(): the /dev/kmsg sequence number.
  std::optional<double> mono_s() const;
  std::optional<uint64_t> kmsg_seq() const;
};

// parse_prefix(): never fails; an unrecognised line is returned whole as text.
LogLine parse_prefix(std::string_view raw);

// PrefixParser: parse_prefix() for the lines of one log, in order. A report comes in a run of
// lines with the same prefix but for its digits ("Nov 21 10:00:01 web1 kernel: [ 17.5] ",
// "6,1234,170745161,-;"): the prefix (head) of the last line that had one is kept, and a line
// that has its bytes, with any digits where it has digits, takes what was read from it and
// parses only the rest.
//
// Example:
//   PrefixParser p;
//   p.parse("Nov 21 10:00:00 web1 kernel: Out of memory");   // parsed whole
//   p.parse("Nov 21 10:00:01 web1 kernel: Killed process");  // only "Killed process"
class PrefixParser {
 public:
  LogLine parse(std::string_view raw);

 private:
  static constexpr size_t kMaxHead = 128;  // longer heads (host names of 100 bytes) are not kept
  // A view into the head, as an offset: it holds for every line that has the head.
  struct Span {
    size_t pos = 0, len = 0;
  };
  bool has_head(std::string_view raw) const;
  size_t head_len_ = 0;                  // 0: none kept yet
  std::array<char, kMaxHead> head_{};    // its bytes
  std::array<char, kMaxHead> digits_{};  // 0xff where it has a digit: others may stand there
  bool after_stamp_ = false;             // its rest is read by finish_after_stamp()
  PrefixStyle style_ = PrefixStyle::kNone;
  bool foreign_ = false, dmesg_inner_ = false;
  Span host_, tag_, wall_raw_, mono_raw_, kmsg_seq_raw_;
};

// wall_to_iso(): converts a LogLine's wall stamp to ISO 8601. Without a year (syslog,
// journalctl short) the result is "--MM-DDTHH:MM:SS" unless `year` is given; time-only stamps
// give "THH:MM:SS". Returns nullopt when the stamp cannot be read.
std::optional<std::string> wall_to_iso(const LogLine& line, std::optional<int> year = std::nullopt);

}  // namespace oomscope
