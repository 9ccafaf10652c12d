#include "common/line_reader.h"

#include "common/scan.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace oomscope {

LineReader::LineReader(int fd, size_t block, size_t max_line)
    : fd_(fd), block_(block), max_line_(max_line) {
  cap_ = buffer_bytes(block_, max_line_);
  buf_ = std::make_unique<char[]>(cap_);
  base_ = buf_.get();
}

LineReader::LineReader(int fd, std::unique_ptr<char[]> buffer, size_t block, size_t max_line)
    : fd_(fd), block_(block), max_line_(max_line), buf_(std::move(buffer)) {
  cap_ = buffer_bytes(block_, max_line_);
  base_ = buf_.get();
}

LineReader::LineReader(const char* data, size_t n, size_t max_line)
    : fd_(-1), block_(0), max_line_(max_line), base_(data) {
  cap_ = n;
  end_ = n;
  total_ = n;
  eof_ = true;  // every byte is there already: refill() has nothing to do
}

long LineReader::fill(char* dst, size_t cap) {
  for (;;) {
    ssize_t n = ::read(fd_, dst, cap);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

bool LineReader::refill() {
  if (eof_) return false;
  // Compact: move the unconsumed tail to the front.
  if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  size_t room = cap_ - end_;
  if (room == 0) return false;
  long n = fill(buf_.get() + end_, room < block_ ? room : block_);
  if (n < 0) {
    errno_ = errno;
    eof_ = true;
    return false;
  }
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += static_cast<size_t>(n);
  total_ += static_cast<uint64_t>(n);
  return true;
}

bool LineReader::next_refilling(Line& line) {
  for (;;) {
    const char* base = base_;
    size_t avail = end_ - begin_;
    const char* nl = avail ? static_cast<const char*>(std::memchr(base + begin_, '\n', avail)) : nullptr;
    if (skipping_) {
      if (nl) {
        size_t skip = static_cast<size_t>(nl - (base + begin_)) + 1;
        consumed_ += skip;
        begin_ += skip;
        skipping_ = false;
        continue;
      }
      consumed_ += avail;
      begin_ = end_;
      if (!refill()) return false;
      continue;
    }
    if (nl) {
      size_t len = static_cast<size_t>(nl - (base + begin_));
      bool cut = false;
      if (len > max_line_) { len = max_line_; cut = true; }
      size_t full = static_cast<size_t>(nl - (base + begin_)) + 1;
      line.text = std::string_view(base + begin_, len);
      if (!line.text.empty() && line.text.back() == '\r') line.text.remove_suffix(1);
      line.number = ++line_no_;
      line.offset = consumed_;
      line.cut = cut;
      consumed_ += full;
      begin_ += full;
      return true;
    }
    if (avail >= max_line_) {
      // No newline within max_line bytes: hand out a cut line and skip the rest.
      line.text = std::string_view(base + begin_, max_line_);
      line.number = ++line_no_;
      line.offset = consumed_;
      line.cut = true;
      consumed_ += avail;
      begin_ = end_;
      skipping_ = true;
      return true;
    }
    if (!refill()) {
      avail = end_ - begin_;
      if (avail == 0) return false;
      // Last line without a trailing newline.
      line.text = std::string_view(base + begin_, avail);
      if (!line.text.empty() && line.text.back() == '\r') line.text.remove_suffix(1);
      line.number = ++line_no_;
      line.offset = consumed_;
      line.cut = false;
      consumed_ += avail;
      begin_ = end_;
      return true;
    }
  }
}

bool LineReader::next_matching(Line& line, FindFn find) {
  for (;;) {
    if (skipping_) return next(line);
    const char* base = base_;
    size_t avail = end_ - begin_;
    if (avail == 0) {
      if (!refill()) return false;
      continue;
    }
    const char* data = base + begin_;
    size_t hit = find(data, avail);
    if (hit < avail) {
      // Skip the lines before the one holding the hit, then hand that line out normally.
      const void* prev = hit ? memrchr(data, '\n', hit) : nullptr;
      if (prev) {
        size_t skip = static_cast<size_t>(static_cast<const char*>(prev) - data) + 1;
        line_no_ += count_newlines(data, skip);
        consumed_ += skip;
        begin_ += skip;
      }
      return next(line);
    }
    // No hit: drop every complete line; keep the partial last one (a word may straddle the
    // end of the buffer) and read more.
    const void* last = memrchr(data, '\n', avail);
    if (!last) {
      if (avail >= max_line_ || eof_) return next(line);  // a long line, or the last one
      if (!refill()) return next(line);
      continue;
    }
    size_t skip = static_cast<size_t>(static_cast<const char*>(last) - data) + 1;
    line_no_ += count_newlines(data, skip);
    consumed_ += skip;
    begin_ += skip;
    if (begin_ == end_ && !refill()) return false;
  }
}

long StringLineReader::fill(char* dst, size_t cap) {
  size_t n = data_.size() - pos_;
  if (n > cap) n = cap;
  std::memcpy(dst, data_.data() + pos_, n);
  pos_ += n;
  return static_cast<long>(n);
}

}  // namespace oomscope
