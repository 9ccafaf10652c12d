// line_reader.h: bounded, streaming line reader over a file descriptor or a string.
//
// Logs can be gigabytes, lines can be absurd (a 100 MB line with no newline), and input can
// be binary junk. LineReader reads fixed-size blocks and hands out string_views into its
// buffer; memory stays at O(block + max_line) whatever the input.
//
// Policy:
//   - '\n' ends a line; a trailing '\r' is dropped (CRLF logs).
//   - A line longer than max_line is cut at max_line bytes (Line::cut = true) and the rest of
//     it, up to the next '\n', is skipped.
//   - NUL and other bytes are passed through; parsers treat them as ordinary characters.
//
// Example:
//   StringLineReader r("a\r\nb");
//   Line l; r.next(l);  // l.text == "a", l.number == 1
//   r.next(l);          // l.text == "b", l.number == 2, r.next(l) == false afterwards
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace oomscope {

struct Line {
  std::string_view text;    // valid until the next call to next()
  uint64_t number = 0;      // 1-based line number
  uint64_t offset = 0;      // byte offset of the line start in the stream
  bool cut = false;         // the line was longer than max_line and was truncated
};

class LineReader {
 public:
  static constexpr size_t kDefaultBlock = 1 << 20;      // 1 MiB reads
  static constexpr size_t kDefaultMaxLine = 1 << 20;    // lines are cut at 1 MiB

  // LineReader(fd): reads from `fd` (not owned). Use -1 with StringLineReader.
  explicit LineReader(int fd, size_t block = kDefaultBlock, size_t max_line = kDefaultMaxLine);
  // LineReader(fd, buffer, block, max_line): as LineReader(fd, block, max_line), reading into
  // `buffer` (at least buffer_bytes(block, max_line) bytes), which take_buffer() gives back to
  // read with again: one buffer serves a thread's readers one after another, and its pages
  // stay in memory (and in the core's cache) instead of being freed and faulted in per reader.
  LineReader(int fd, std::unique_ptr<char[]> buffer, size_t block, size_t max_line = kDefaultMaxLine);
  static size_t buffer_bytes(size_t block, size_t max_line) { return block + max_line + 1; }
  // take_buffer(): the read buffer, for another reader; this one has nothing more to read.
  std::unique_ptr<char[]> take_buffer() {
    base_ = nullptr;
    begin_ = end_ = 0;
    eof_ = true;
    return std::move(buf_);
  }
  // LineReader(data, n): the lines of the bytes in [data, data + n), read in place (a mapped
  // file; no copy), which must outlive the reader and its lines.
  LineReader(const char* data, size_t n, size_t max_line = kDefaultMaxLine);
  virtual ~LineReader() = default;
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // next(): the next line, or false at end of input (or on a read error: see error()).
  // A whole line already in the buffer is handed out inline (the call and frame of the
  // general path, next_refilling(), cost ~20 instructions a line: a third of the reader's
  // per-line work on the dense benchmark log); everything else goes there.
  bool next(Line& line) {
    if (!skipping_ && begin_ < end_) {
      const char* start = base_ + begin_;
      if (const void* nl = std::memchr(start, '\n', end_ - begin_)) {
        const size_t len = static_cast<size_t>(static_cast<const char*>(nl) - start);
        if (len <= max_line_) {
          line.text = std::string_view(start, len);
          if (len > 0 && start[len - 1] == '\r') line.text.remove_suffix(1);
          line.number = ++line_no_;
          line.offset = consumed_;
          line.cut = false;
          consumed_ += len + 1;
          begin_ += len + 1;
          return true;
        }
      }
    }
    return next_refilling(line);
  }

  // next_matching(): like next(), but first skips, without splitting them, the whole lines in
  // which `find(data, len)` finds nothing (it returns len then, else an offset into data).
  // Line numbers and offsets stay exact. This is what lets a log be filtered at memchr speed.
  using FindFn = size_t (*)(const char* data, size_t len);
  bool next_matching(Line& line, FindFn find);

  // error(): errno of the read that failed, 0 if none.
  int error() const { return errno_; }
  uint64_t bytes_read() const { return total_; }
  uint64_t lines_seen() const { return line_no_; }  // lines handed out or skipped so far

 protected:
  // fill(): appends up to `cap` bytes at `dst`; returns bytes read, 0 at EOF, -1 on error.
  virtual long fill(char* dst, size_t cap);

 private:
  bool refill();
  bool next_refilling(Line& line);  // next() in full: cut lines, skipping, refills, the last line

  int fd_;
  size_t block_, max_line_;
  std::unique_ptr<char[]> buf_;  // empty when reading memory in place
  const char* base_ = nullptr;   // buf_, or the memory read in place
  size_t cap_ = 0, begin_ = 0, end_ = 0;
  bool eof_ = false;
  bool skipping_ = false;  // discarding the tail of a cut line
  int errno_ = 0;
  uint64_t line_no_ = 0, total_ = 0, consumed_ = 0;
};

// StringLineReader: the same policy over an in-memory string (tests, packs).
class StringLineReader : public LineReader {
 public:
  explicit StringLineReader(std::string data, size_t max_line = kDefaultMaxLine)
      : LineReader(-1, 64 * 1024, max_line), data_(std::move(data)) {}

 protected:
  long fill(char* dst, size_t cap) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

}  // namespace oomscope
