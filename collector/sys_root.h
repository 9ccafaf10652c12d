// sys_root.h: the one seam through which the collector touches /proc, /sys and /dev/kmsg.
//
// SysRoot holds a directory fd for the root ("/" on the live host, DIR for `--root DIR`:
// host mounts in a DaemonSet, a sosreport-like tree, a test fixture) and opens every file
// relative to it with O_NOFOLLOW on the last component, O_CLOEXEC|O_NOCTTY, and O_NONBLOCK so
// that a FIFO or device planted in a fixture cannot hang the collector. Paths are relative
// ("proc/meminfo"); absolute paths and ".." components are refused with EINVAL, so a cgroup
// path from the command line cannot climb out of the root.
//
// Intermediate components are resolved so that nothing outside the root is ever reached, even
// in a hostile tree (DIR/sys/fs/cgroup -> /sys/fs/cgroup, DIR/proc/pressure -> ../../../etc):
//   - openat2(2) (Linux >= 5.6), Resolution::kOpenat2. Under --root: RESOLVE_BENEATH |
//     RESOLVE_NO_MAGICLINKS: a symlink inside the tree that stays inside it is followed, an
//     absolute symlink or one whose ".." leaves the tree fails with EXDEV. On the live host
//     ("/"): RESOLVE_NO_MAGICLINKS only (nothing lies outside "/", and the host's own
//     absolute symlinks resolve as they do for any program). Magic links (/proc/<pid>/root,
//     cwd, fd/N) are never traversed (ELOOP), live or not: the collector reads
//     /proc/<pid>/exe with readlinkat(), which does not resolve it, so it needs none.
//   - Fallback when openat2 is missing (ENOSYS on kernels < 5.6, or refused by a seccomp
//     profile): Resolution::kWalk, one openat(O_PATH|O_DIRECTORY|O_NOFOLLOW) per component.
//     Stricter: NO symlink is followed anywhere in the path (ELOOP), not even one that stays
//     inside the tree. A probe at open() decides; resolution() says which is in use.
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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace oomscope::collector {

class SysRoot {
 public:
  static constexpr size_t kDefaultCap = 16 << 20;  // 16 MiB: a huge smaps is cut, never unbounded

  // How paths below the root are resolved (see the top of this file).
  enum class Resolution { kOpenat2, kWalk };

  // open(): opens `root` as a directory. "/" is the live host. The resolution is openat2 when
  // a probe openat2() of the root succeeds, else the component walk; `force` picks one (tests;
  // forcing kOpenat2 where it is unavailable fails with its errno).
  static Result<SysRoot> open(const std::string& root, std::optional<Resolution> force = std::nullopt);

  ~SysRoot();
  SysRoot(SysRoot&& o) noexcept : root_(std::move(o.root_)), fd_(o.fd_), resolution_(o.resolution_) { o.fd_ = -1; }
  SysRoot& operator=(SysRoot&&) = delete;
  SysRoot(const SysRoot&) = delete;

  // read_file(): reads the whole file `rel` into `out` (replacing its contents), at most
  // `cap` bytes; `*truncated` (if given) says whether more was there. Returns 0 or errno.
  // A read error after some bytes (ESRCH when a process exits mid-read) returns the errno.
  // `request` > 0: every read() asks for at most that many bytes (0: up to 64 KiB). For a
  // seq_file with many records (/proc/<pid>/smaps) give seq_file_request(): see there.
  int read_file(std::string_view rel, std::string& out, size_t cap = kDefaultCap, bool* truncated = nullptr,
                size_t request = 0) const;

  // seq_file_request(): the read() size for a multi-record seq_file such as smaps: the page
  // size minus 1 KiB. The kernel fills one page-sized buffer per read() with whole records
  // and, when the next record does not fit, throws it away and generates it again on the
  // next read(); for smaps every such record is a second page-table walk of that mapping
  // (about one in five records at 4 KiB per read). Asking for at most page - 1 KiB makes
  // seq_file stop once the request is met, before a record (< 1 KiB for smaps) can overflow
  // the page, so no mapping is walked twice. Measured: 10-20% less kernel CPU per smaps.
  static size_t seq_file_request();

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
  // lookup(): 0 when `rel` can be reached (not following a final symlink), else the errno:
  // ENOENT, or why the path was refused (EXDEV: it leads out of the root; ELOOP: a magic link,
  // or any symlink under Resolution::kWalk; EINVAL: absolute or "..").
  int lookup(std::string_view rel) const;

  // open_fd(): opens `rel` with O_CLOEXEC|O_NOFOLLOW|O_NOCTTY plus `flags`, resolved as
  // described at the top; returns the fd or -errno. The caller owns the fd. Used for /dev/kmsg.
  int open_fd(std::string_view rel, int flags) const;

  const std::string& root() const { return root_; }
  // is_live(): the root is "/", so the clocks and /dev/kmsg of this machine apply.
  bool is_live() const { return root_ == "/"; }
  Resolution resolution() const { return resolution_; }
  // resolution_name(): "openat2 RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS" (--root),
  // "openat2 RESOLVE_NO_MAGICLINKS" (live host) or "component walk, O_NOFOLLOW".
  std::string resolution_name() const;

 private:
  SysRoot(std::string root, int fd, Resolution r) : root_(std::move(root)), fd_(fd), resolution_(r) {}
  std::string root_;
  int fd_ = -1;
  Resolution resolution_ = Resolution::kWalk;
};

// errno_name(): "EACCES" for 13 etc.; "E<n>" for values it does not know.
std::string errno_name(int err);
// errno_text(): strerror(), except for the two ways SysRoot refuses a path, which strerror
// words misleadingly: EXDEV "leads out of the root (not followed)", ELOOP "a symlink (not
// followed)" (O_NOFOLLOW, a magic link, or any symlink under Resolution::kWalk).
std::string errno_text(int err);

}  // namespace oomscope::collector
