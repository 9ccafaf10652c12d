#include "tests/hardening/child.h"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace oomscope::hardening {

bool Writer::write(std::string_view bytes) const {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool deny_openat2_enosys() {
#if defined(__x86_64__)
  constexpr uint32_t kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
  constexpr uint32_t kArch = AUDIT_ARCH_AARCH64;
#else
  return false;
#endif
#ifndef SYS_openat2
  constexpr uint32_t kOpenat2 = 437;
#else
  constexpr uint32_t kOpenat2 = SYS_openat2;
#endif
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),  // another ABI: leave it alone
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kOpenat2, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

namespace {

std::string fs_basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// vm_hwm_kb(): the peak RSS of `pid`'s current image (VmHWM), once it runs `exe`; 0 before
// the exec (the forked copy of the test process) or when it is gone.
long vm_hwm_kb(pid_t pid, const std::string& exe) {
  std::string dir = "/proc/" + std::to_string(pid);
  std::string comm = slurp(dir + "/comm");
  if (!comm.empty() && comm.back() == '\n') comm.pop_back();
  if (comm != exe.substr(0, 15)) return 0;
  std::string status = slurp(dir + "/status");
  size_t p = status.find("VmHWM:");
  if (p == std::string::npos) return 0;
  return std::strtol(status.c_str() + p + 6, nullptr, 10);
}

ChildResult run(const std::vector<std::string>& argv, const std::function<bool(const Writer&)>* feed,
                std::chrono::seconds timeout, int as_uid, bool without_openat2) {
  ChildResult r;
  ::signal(SIGPIPE, SIG_IGN);  // a child that stops reading makes write() fail, not kill us
  char tmpl[] = "/tmp/oomscope-hard-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    return r;
  }
  std::string dir = tmpl, out_path = dir + "/out", err_path = dir + "/err";
  int in_pipe[2] = {-1, -1};
  if (feed && ::pipe2(in_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return r;
  }
  int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    int in_fd = feed ? in_pipe[0] : ::open("/dev/null", O_RDONLY);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (as_uid >= 0 && (::setgroups(0, nullptr) != 0 || ::setgid(as_uid) != 0 || ::setuid(as_uid) != 0)) _exit(126);
    if (without_openat2 && !deny_openat2_enosys()) _exit(125);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(out_fd);
  ::close(err_fd);
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return r;
  }
  std::thread writer;
  if (feed) {
    ::close(in_pipe[0]);
    int wfd = in_pipe[1];
    writer = std::thread([feed, wfd] {
      Writer w(wfd);
      (*feed)(w);
      ::close(wfd);
    });
  }
  int status = 0;
  struct rusage ru {};
  auto deadline = t0 + timeout;
  std::string exe = fs_basename(argv.empty() ? "" : argv[0]);
  for (;;) {
    pid_t got = ::wait4(pid, &status, WNOHANG, &ru);
    if (got == pid) break;
    if (got < 0 && errno != EINTR) break;
    r.max_rss_kb = std::max(r.max_rss_kb, vm_hwm_kb(pid, exe));
    if (std::chrono::steady_clock::now() > deadline && !r.timed_out) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (writer.joinable()) writer.join();
  // Not ru.ru_maxrss: Linux folds the pre-exec high-water mark (a fork of this big test
  // process) into it at execve, so it reports our size, not the child's.
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  ::unlink(out_path.c_str());
  ::unlink(err_path.c_str());
  ::rmdir(dir.c_str());
  return r;
}

}  // namespace

ChildResult run_child(const std::vector<std::string>& argv, const std::function<bool(const Writer&)>& feed,
                      std::chrono::seconds timeout) {
  return run(argv, &feed, timeout, -1, false);
}

ChildResult run_child_no_input(const std::vector<std::string>& argv, std::chrono::seconds timeout, int as_uid,
                               bool without_openat2) {
  return run(argv, nullptr, timeout, as_uid, without_openat2);
}

}  // namespace oomscope::hardening
