// kmsg_capture.cc: see kmsg_capture.h.
#include "tests/testing/kmsg_capture.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "common/parse_num.h"

namespace oomscope::testing {
namespace {

Error io_error(int err, const std::string& what) {
  return Error{ErrorCode::kIo, err, what + ": " + std::strerror(err)};
}

Result<int> open_kmsg() {
  int fd = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return io_error(errno, "open /dev/kmsg");
  return fd;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// Sample record (CONFIG_PRINTK_CALLER adds ",caller=T4002" after the flags):
//   3,2981,311138113,-;Memory cgroup out of memory: Killed process 4002 (python3) …
Result<KmsgRecord> parse_kmsg_record(std::string_view raw) {
  size_t nl = raw.find('\n');
  std::string_view first = raw.substr(0, nl);
  size_t semi = first.find(';');
  auto bad = [&] { return Error{ErrorCode::kParse, 0, "not a /dev/kmsg record: '" + std::string(first.substr(0, 80)) + "'"}; };
  if (semi == std::string_view::npos) return bad();
  std::string_view header = first.substr(0, semi);
  std::string_view fields[4];
  for (int i = 0; i < 4; ++i) {
    size_t comma = header.find(',');
    fields[i] = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
  }
  auto prio = parse_u64(fields[0]);
  auto seq = parse_u64(fields[1]);
  auto usec = parse_u64(fields[2]);
  if (!prio || !seq || !usec || fields[3].empty()) return bad();
  KmsgRecord r;
  r.facility = static_cast<int>(*prio >> 3);
  r.level = static_cast<int>(*prio & 7);
  r.seq = *seq;
  r.usec = *usec;
  r.flags = fields[3][0];
  r.text = std::string(first.substr(semi + 1));
  r.raw = std::string(first);
  return r;
}

Result<KmsgReader> KmsgReader::open_at_end() {
  auto fd = open_kmsg();
  if (!fd) return fd.error();
  if (::lseek(*fd, 0, SEEK_END) < 0) {
    int err = errno;
    ::close(*fd);
    return io_error(err, "lseek /dev/kmsg SEEK_END");
  }
  return KmsgReader(*fd);
}

Result<KmsgReader> KmsgReader::open_at_start() {
  auto fd = open_kmsg();
  if (!fd) return fd.error();
  return KmsgReader(*fd);
}

KmsgReader::KmsgReader(KmsgReader&& o) noexcept : fd_(o.fd_), overwritten_(o.overwritten_), skipped_(o.skipped_) {
  o.fd_ = -1;
}

KmsgReader& KmsgReader::operator=(KmsgReader&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    overwritten_ = o.overwritten_;
    skipped_ = o.skipped_;
    o.fd_ = -1;
  }
  return *this;
}

KmsgReader::~KmsgReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::vector<KmsgRecord>> KmsgReader::read_available() {
  std::vector<KmsgRecord> out;
  char buf[8192];  // a record is at most ~1 KiB of text plus its dictionary
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      if (errno == EPIPE) {  // overwritten while we were behind; the next read resyncs
        ++overwritten_;
        continue;
      }
      return io_error(errno, "read /dev/kmsg");
    }
    if (n == 0) break;
    auto rec = parse_kmsg_record(std::string_view(buf, static_cast<size_t>(n)));
    if (!rec) {
      ++skipped_;
      continue;
    }
    out.push_back(std::move(*rec));
  }
  return out;
}

Result<std::vector<KmsgRecord>> KmsgReader::read_until_contains(std::string_view needle,
                                                                  std::chrono::milliseconds timeout) {
  std::vector<KmsgRecord> all;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto more = read_available();
    if (!more) return more.error();
    bool found = contains_text(*more, needle);
    all.insert(all.end(), std::make_move_iterator(more->begin()), std::make_move_iterator(more->end()));
    if (found || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return all;
}

Result<std::vector<KmsgRecord>> read_kmsg_since(uint64_t first_seq) {
  auto reader = KmsgReader::open_at_start();
  if (!reader) return reader.error();
  auto all = reader->read_available();
  if (!all) return all.error();
  std::vector<KmsgRecord> out;
  for (auto& r : *all)
    if (r.seq >= first_seq) out.push_back(std::move(r));
  return out;
}

std::string unescape_kmsg(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      int hi = hex_digit(s[i + 2]), lo = hex_digit(s[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string render_kmsg_raw(const std::vector<KmsgRecord>& records) {
  std::string out;
  for (const auto& r : records) {
    out += r.raw;
    out += '\n';
  }
  return out;
}

std::string render_dmesg(const std::vector<KmsgRecord>& records) {
  std::string out;
  for (const auto& r : records) {
    char stamp[48];
    std::snprintf(stamp, sizeof stamp, "[%5llu.%06llu] ", static_cast<unsigned long long>(r.usec / 1000000),
                  static_cast<unsigned long long>(r.usec % 1000000));
    out += stamp;
    out += unescape_kmsg(r.text);
    out += '\n';
  }
  return out;
}

bool contains_text(const std::vector<KmsgRecord>& records, std::string_view needle) {
  for (const auto& r : records)
    if (r.text.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace oomscope::testing
