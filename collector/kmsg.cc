#include "collector/kmsg.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/parse_num.h"
#include "common/strings.h"

namespace oomscope::collector {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Tracks sequence numbers and reports gaps.
struct GapTracker {
  std::optional<uint64_t> last;
  bool epipe = false;
  KmsgStats* stats;
  const std::function<void(std::optional<uint64_t>, uint64_t)>* on_gap;

  void see(uint64_t seq) {
    bool jump = last && seq != *last + 1;
    if (jump || epipe) {
      stats->gaps++;
      if (last && seq > *last + 1) stats->lost_records += seq - *last - 1;
      (*on_gap)(last, seq);
    }
    epipe = false;
    last = seq;
  }
};

}  // namespace

std::string decode_kmsg_escapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x') {
      int hi = hex_digit(text[i + 2]), lo = hex_digit(text[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 3;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

Result<KmsgRecord> parse_kmsg_record(std::string_view record) {
  // 6,1234,5678901,-;text
  //  SUBSYSTEM=usb
  size_t nl = record.find('\n');
  std::string_view head = record.substr(0, nl);
  std::string_view dict = nl == std::string_view::npos ? std::string_view() : record.substr(nl + 1);
  size_t semi = head.find(';');
  if (semi == std::string_view::npos) return Error{ErrorCode::kParse, 0, "kmsg: no ';' in record header"};
  std::string_view prefix = head.substr(0, semi);
  KmsgRecord r;
  auto prio = parse_u64_prefix(prefix);
  if (!prio || !consume(prefix, ",")) return Error{ErrorCode::kParse, 0, "kmsg: bad prio"};
  auto seq = parse_u64_prefix(prefix);
  if (!seq || !consume(prefix, ",")) return Error{ErrorCode::kParse, 0, "kmsg: bad seq"};
  auto usec = parse_u64_prefix(prefix);
  if (!usec || !consume(prefix, ",")) return Error{ErrorCode::kParse, 0, "kmsg: bad timestamp"};
  size_t comma = prefix.find(',');  // newer kernels may append fields after flags
  r.flags = std::string(prefix.substr(0, comma));
  r.facility = static_cast<int>(*prio >> 3);
  r.level = static_cast<int>(*prio & 7);
  r.seq = *seq;
  r.usec = *usec;
  r.raw = std::string(head);
  r.message = decode_kmsg_escapes(head.substr(semi + 1));
  while (!dict.empty()) {
    size_t e = dict.find('\n');
    std::string_view line = dict.substr(0, e);
    dict.remove_prefix(e == std::string_view::npos ? dict.size() : e + 1);
    if (line.empty()) continue;
    if (line.front() == ' ') line.remove_prefix(1);
    if (!r.dict.empty()) r.dict.push_back('\n');
    r.dict += line;
  }
  return r;
}

Result<KmsgStats> read_kmsg(int fd, const std::function<void(const KmsgRecord&)>& on_record,
                            const std::function<void(std::optional<uint64_t>, uint64_t)>& on_gap,
                            const std::function<bool()>& should_stop, uint64_t max_records) {
  KmsgStats stats;
  GapTracker gaps{std::nullopt, false, &stats, &on_gap};
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    return Error{ErrorCode::kIo, e, std::string("kmsg: fstat: ") + std::strerror(e)};
  }

  auto handle = [&](std::string_view rec) {
    auto r = parse_kmsg_record(rec);
    if (!r) {
      stats.bad_records++;
      return;
    }
    gaps.see(r->seq);
    stats.records++;
    on_record(*r);
  };

  if (S_ISCHR(st.st_mode)) {
    // The device: one record per read(). 16 KiB is more than a record can be
    // (CONSOLE_EXT_LOG_MAX is 8 KiB); a too-small buffer would give EINVAL.
    std::vector<char> buf(16 * 1024);
    while (stats.records < max_records && !should_stop()) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n > 0) {
        handle(std::string_view(buf.data(), static_cast<size_t>(n)));
        continue;
      }
      if (n == 0) break;
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;  // caught up: the end of the ring, never wait for more
      if (errno == EPIPE) {        // overwritten before we got there: the next read resyncs
        gaps.epipe = true;
        continue;
      }
      int e = errno;
      if (stats.records > 0) break;  // keep what we have
      return Error{ErrorCode::kIo, e, std::string("kmsg: read: ") + std::strerror(e)};
    }
    return stats;
  }

  // A capture (a regular file, or a FIFO under --root): records start with
  // "prio,seq,usec,", dictionary lines with ' ', a blank line ends a record. Streamed in
  // 64 KiB blocks, so memory stays bounded whatever the size; a line longer than
  // kMaxLine is cut. EAGAIN (a FIFO with nothing more to give) ends the walk like EOF.
  constexpr size_t kMaxLine = 64 * 1024;
  std::vector<char> buf(64 * 1024);
  std::string record, line;
  bool in_record = false, cutting = false;
  auto flush = [&] {
    if (in_record && stats.records < max_records) handle(record);
    record.clear();
    in_record = false;
  };
  auto take_line = [&](std::string_view l) {
    if (l.empty()) {
      flush();
    } else if (l.front() == ' ' && in_record) {
      if (record.size() < 4 * kMaxLine) {
        record.push_back('\n');
        record.append(l);
      }
    } else {
      flush();
      record.assign(l);
      in_record = true;
    }
  };
  bool done = false;
  while (!done && stats.records < max_records && !should_stop()) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) {
      int e = errno;
      if (stats.records > 0) break;
      return Error{ErrorCode::kIo, e, std::string("kmsg capture: read: ") + std::strerror(e)};
    }
    if (n <= 0) break;  // EOF, or EAGAIN on a FIFO: nothing more now
    for (std::string_view chunk(buf.data(), static_cast<size_t>(n)); !chunk.empty();) {
      size_t nl = chunk.find('\n');
      std::string_view piece = chunk.substr(0, nl);
      if (!cutting) {
        size_t room = kMaxLine - std::min(kMaxLine, line.size());
        line.append(piece.substr(0, room));
        if (piece.size() > room) cutting = true;
      }
      if (nl == std::string_view::npos) break;
      take_line(line);
      line.clear();
      cutting = false;
      chunk.remove_prefix(nl + 1);
      if (stats.records >= max_records || should_stop()) {
        done = true;
        break;
      }
    }
  }
  if (!line.empty()) take_line(line);
  if (!should_stop()) flush();
  return stats;
}

}  // namespace oomscope::collector
