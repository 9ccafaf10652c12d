// measure: runs one command and prints its wall time, CPU time, peak RSS and exit code on one
// machine-readable line (GNU time is not part of the base system; this is all the bench needs).
//
// Usage: measure [-o OUT] -- CMD [ARGS...]
//   The command's stdout goes to OUT (default /dev/null); stdin and stderr are inherited.
//   The report goes to measure's own stdout:
//     wall_s=1.234567 user_s=1.100000 sys_s=0.120000 maxrss_kb=10240 exit=0
//   exit is the command's exit code, or 128+N when it was killed by signal N.
//   maxrss_kb is the child's ru_maxrss from wait4() (kB on Linux).
//
// Example:
//   measure -- grep -c 'invoked oom-killer' big.log
//   -> wall_s=0.412308 user_s=0.301000 sys_s=0.110000 maxrss_kb=2560 exit=0
//
// measure exits 0 when it could run and reap the command (whatever the command's exit code),
// 2 on usage errors and 127 when the command could not be started.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string_view>

namespace {

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

int usage() {
  std::fputs("Usage: measure [-o OUT] -- CMD [ARGS...]\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const char* out = "/dev/null";
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "-o" && i + 1 < argc) {
      out = argv[++i];
    } else {
      return usage();
    }
  }
  if (i >= argc) return usage();

  const int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0) {
    std::fprintf(stderr, "measure: %s: %s\n", out, std::strerror(errno));
    return 2;
  }
  // A pipe that closes on exec tells the parent whether execvp() failed, and with which errno.
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) != 0) {
    std::perror("measure: pipe2");
    return 2;
  }

  timespec start{}, end{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("measure: fork");
    return 2;
  }
  if (pid == 0) {
    close(status_pipe[0]);
    if (dup2(out_fd, STDOUT_FILENO) < 0) _exit(127);
    execvp(argv[i], argv + i);
    const int err = errno;
    [[maybe_unused]] ssize_t n = write(status_pipe[1], &err, sizeof err);
    _exit(127);
  }
  close(status_pipe[1]);
  close(out_fd);

  int status = 0;
  rusage ru{};
  pid_t r;
  do {
    r = wait4(pid, &status, 0, &ru);
  } while (r < 0 && errno == EINTR);
  clock_gettime(CLOCK_MONOTONIC, &end);
  if (r < 0) {
    std::perror("measure: wait4");
    return 2;
  }
  int exec_errno = 0;
  if (read(status_pipe[0], &exec_errno, sizeof exec_errno) == static_cast<ssize_t>(sizeof exec_errno)) {
    std::fprintf(stderr, "measure: %s: %s\n", argv[i], std::strerror(exec_errno));
    return 127;
  }

  const double wall = static_cast<double>(end.tv_sec - start.tv_sec) + static_cast<double>(end.tv_nsec - start.tv_nsec) / 1e9;
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
  std::printf("wall_s=%.6f user_s=%.6f sys_s=%.6f maxrss_kb=%ld exit=%d\n", wall, seconds(ru.ru_utime),
              seconds(ru.ru_stime), ru.ru_maxrss, code);
  return 0;
}
