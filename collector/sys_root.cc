#include "collector/sys_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace oomscope::collector {

namespace {

// valid_rel(): relative, no ".." component, no empty path.
bool valid_rel(std::string_view rel) {
  if (rel.empty() || rel.front() == '/') return false;
  size_t pos = 0;
  while (pos <= rel.size()) {
    size_t end = rel.find('/', pos);
    if (end == std::string_view::npos) end = rel.size();
    if (rel.substr(pos, end - pos) == "..") return false;
    pos = end + 1;
  }
  return true;
}

}  // namespace

Result<SysRoot> SysRoot::open(const std::string& root) {
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return Error{ErrorCode::kIo, e, "root " + root + ": " + std::strerror(e)};
  }
  return SysRoot(root, fd);
}

SysRoot::~SysRoot() {
  if (fd_ >= 0) ::close(fd_);
}

int SysRoot::open_fd(std::string_view rel, int flags) const {
  if (!valid_rel(rel)) return -EINVAL;
  std::string p(rel);
  int fd = ::openat(fd_, p.c_str(), flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  return fd < 0 ? -errno : fd;
}

namespace {

// read_fd(): reads all of `fd` into `out`, at most `cap` bytes. Returns 0 or errno.
int read_fd(int fd, std::string& out, size_t cap, bool* truncated) {
  int err = 0;
  size_t chunk = 4096;
  for (;;) {
    if (out.size() >= cap) {
      char probe;
      ssize_t n = ::read(fd, &probe, 1);
      if (n > 0 && truncated) *truncated = true;
      break;
    }
    size_t want = std::min(chunk, cap - out.size());
    size_t old = out.size();
    out.resize(old + want);
    ssize_t n = ::read(fd, out.data() + old, want);
    if (n < 0) {
      out.resize(old);
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    out.resize(old + static_cast<size_t>(n));
    if (n == 0) break;
    // Grow the request only while reads fill it: a seq_file (smaps) hands out about a page
    // per read whatever is asked, and every resize above zero-fills the whole request.
    if (static_cast<size_t>(n) == want && chunk < (1 << 20)) chunk *= 2;
  }
  return err;
}

}  // namespace

int SysRoot::read_file(std::string_view rel, std::string& out, size_t cap, bool* truncated) const {
  out.clear();
  if (truncated) *truncated = false;
  int fd = open_fd(rel, O_RDONLY | O_NONBLOCK);
  if (fd < 0) return -fd;
  struct stat st;
  if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
    ::close(fd);
    return S_ISDIR(st.st_mode) ? EISDIR : EINVAL;  // never read a FIFO or a device here
  }
  int err = read_fd(fd, out, cap, truncated);
  ::close(fd);
  return err;
}

int SysRoot::open_dir(std::string_view rel) const { return open_fd(rel, O_RDONLY | O_DIRECTORY); }

int SysRoot::read_file_at(int dirfd, const char* name, std::string& out, size_t cap, bool* truncated) const {
  out.clear();
  if (truncated) *truncated = false;
  if (std::strchr(name, '/') || std::string_view(name) == "..") return EINVAL;
  int fd = ::openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0) return errno;
  // Files under a live /proc are never FIFOs or devices; a --root tree could hold anything.
  struct stat st;
  if (!is_live() && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
    ::close(fd);
    return S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
  }
  int err = read_fd(fd, out, cap, truncated);
  ::close(fd);
  return err;
}

int SysRoot::read_link_at(int dirfd, const char* name, std::string& out) const {
  out.clear();
  char buf[4096];
  ssize_t n = ::readlinkat(dirfd, name, buf, sizeof buf);
  if (n < 0) return errno;
  out.assign(buf, static_cast<size_t>(n));
  return 0;
}

int SysRoot::read_link(std::string_view rel, std::string& out) const {
  out.clear();
  if (!valid_rel(rel)) return EINVAL;
  std::string p(rel);
  char buf[4096];
  ssize_t n = ::readlinkat(fd_, p.c_str(), buf, sizeof buf);
  if (n < 0) return errno;
  out.assign(buf, static_cast<size_t>(n));
  return 0;
}

int SysRoot::list_dir(std::string_view rel, std::vector<std::string>& names, bool dirs_only) const {
  names.clear();
  int fd = open_fd(rel, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -fd;
  DIR* d = fdopendir(fd);
  if (!d) {
    int e = errno;
    ::close(fd);
    return e;
  }
  errno = 0;
  while (struct dirent* ent = readdir(d)) {
    std::string_view n = ent->d_name;
    if (n == "." || n == "..") continue;
    if (dirs_only) {
      bool is_dir = ent->d_type == DT_DIR;
      if (ent->d_type == DT_UNKNOWN) {
        struct stat st;
        is_dir = fstatat(dirfd(d), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
      }
      if (!is_dir) continue;
    }
    names.emplace_back(n);
  }
  int e = errno;
  closedir(d);
  return e;
}

bool SysRoot::exists(std::string_view rel) const {
  if (!valid_rel(rel)) return false;
  std::string p(rel);
  struct stat st;
  return fstatat(fd_, p.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

std::string errno_name(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case EACCES: return "EACCES";
    case EBUSY: return "EBUSY";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case EPIPE: return "EPIPE";
    case EAGAIN: return "EAGAIN";
    case ELOOP: return "ELOOP";
    case ENODEV: return "ENODEV";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENOMEM: return "ENOMEM";
    case EFBIG: return "EFBIG";
    default: return "E" + std::to_string(err);
  }
}

}  // namespace oomscope::collector
