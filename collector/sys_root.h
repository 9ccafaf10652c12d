// sys_root.h: the one seam through which the collector touches /proc, /sys and /dev/kmsg.
//
// SysRoot holds a directory fd for the root ("/" on the live host, DIR for `--root DIR`:
// host mounts in a DaemonSet, a sosreport-like tree, a test fixture) and opens every file
// with openat() relative to it, O_NOFOLLOW on the last component, O_CLOEXEC|O_NOCTTY, and
// O_NONBLOCK so that a FIFO or device planted in a fixture cannot hang the collector.
// Paths are relative ("proc/meminfo"); absolute paths and ".." components are refused with
// EINVAL, so a cgroup path from the command line cannot climb out of the root.
//
// Errors are errno values (0 = success), so callers can record them in collection_errors
// without string parsing.
//
// Example:
//   auto root = SysRoot::open("/");
//   std::string buf;
//   int err = root->read_file("proc/meminfo", buf);     // 0, buf = "MemTotal: ..."
//   err = root->read_file("proc/999999999/status", buf); // ENOENT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace oomscope::collector {

class SysRoot {
 public:
  static constexpr size_t kDefaultCap = 16 << 20;  // 16 MiB: a huge smaps is cut, never unbounded

  // open(): opens `root` as a directory. "/" is the live host.
  static Result<SysRoot> open(const std::string& root);

  ~SysRoot();
  SysRoot(SysRoot&& o) noexcept : root_(std::move(o.root_)), fd_(o.fd_) { o.fd_ = -1; }
  SysRoot& operator=(SysRoot&&) = delete;
  SysRoot(const SysRoot&) = delete;

  // read_file(): reads the whole file `rel` into `out` (replacing its contents), at most
  // `cap` bytes; `*truncated` (if given) says whether more was there. Returns 0 or errno.
  // A read error after some bytes (ESRCH when a process exits mid-read) returns the errno.
  int read_file(std::string_view rel, std::string& out, size_t cap = kDefaultCap, bool* truncated = nullptr) const;

  // read_link(): readlink of `rel` (e.g. "proc/1/exe"). Returns 0 or errno.
  int read_link(std::string_view rel, std::string& out) const;

  // open_dir(): a directory fd for `rel` (O_RDONLY|O_DIRECTORY) or -errno; the caller closes
  // it. Reading a process's files through one /proc/<pid> fd costs one pid lookup instead of
  // one per file, and pins that process: a recycled pid cannot mix two processes' files.
  int open_dir(std::string_view rel) const;
  // read_file_at() / read_link_at(): like read_file() / read_link(), relative to a directory
  // fd from open_dir(); `name` is a plain file name.
  int read_file_at(int dirfd, const char* name, std::string& out, size_t cap = kDefaultCap,
                   bool* truncated = nullptr) const;
  int read_link_at(int dirfd, const char* name, std::string& out) const;

  // list_dir(): names in directory `rel` (no "." and ".."), subdirectories only when
  // `dirs_only`. Returns 0 or errno.
  int list_dir(std::string_view rel, std::vector<std::string>& names, bool dirs_only = false) const;

  // exists(): whether `rel` exists (not following a final symlink).
  bool exists(std::string_view rel) const;

  // open_fd(): openat() with O_CLOEXEC|O_NOFOLLOW|O_NOCTTY plus `flags`; returns the fd or
  // -errno. The caller owns the fd. Used for /dev/kmsg.
  int open_fd(std::string_view rel, int flags) const;

  const std::string& root() const { return root_; }
  // is_live(): the root is "/", so the clocks and /dev/kmsg of this machine apply.
  bool is_live() const { return root_ == "/"; }

 private:
  SysRoot(std::string root, int fd) : root_(std::move(root)), fd_(fd) {}
  std::string root_;
  int fd_ = -1;
};

// errno_name(): "EACCES" for 13 etc.; "E<n>" for values it does not know.
std::string errno_name(int err);

}  // namespace oomscope::collector
