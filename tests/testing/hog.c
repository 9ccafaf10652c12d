/* hog.c: oomscope-hog, the process the e2e tests get OOM-killed (see memcg_oom.h).
 *
 * Exec'd by run_hog_in() in a forked child; the protocol is in hog_protocol.h. It joins the
 * limited memory cgroup it is given, verifies that it is in exactly that cgroup and that the
 * cgroup's limit file reads exactly the expected limit, and only then touches memory, one
 * chunk at a time, until the memcg OOM killer SIGKILLs it (or it reaches --cap and exits).
 *
 * Safety: a global OOM would kill this machine's real processes, so nothing is allocated
 * before the checks pass. PR_SET_PDEATHSIG(SIGKILL) and a parent check make it die with the
 * harness; oom_score_adj 1000 makes it the first choice of any OOM kill.
 *
 * Built without -fsanitize even in the sanitized build (tests/testing/CMakeLists.txt), so that
 * its anonymous memory is what it touched and nothing else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "tests/testing/hog_protocol.h"

struct plan {
  long parent;
  int report_fd;
  int version;
  const char *procs_file, *cgroup_path, *limit_file;
  uint64_t limit_bytes, chunk_bytes, cap_bytes;
};

static int report_fd = -1;

static void fail(const char *what, int err) {
  char msg[512];
  int n = snprintf(msg, sizeof msg, "E%s%s%s", what, err ? ": " : "", err ? strerror(err) : "");
  if (report_fd >= 0 && n > 0) {
    size_t len = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    if (write(report_fd, msg, len) < 0) { /* nothing more to do */
    }
  }
  _exit(OOMSCOPE_HOG_EXIT_NOT_CONFINED);
}

/* Decimal u64, the whole string (trailing whitespace allowed); 0 on success. */
static int parse_u64(const char *s, uint64_t *out) {
  uint64_t v = 0;
  const char *p = s;
  if (*p < '0' || *p > '9') return -1;
  for (; *p >= '0' && *p <= '9'; ++p) {
    uint64_t d = (uint64_t)(*p - '0');
    if (v > (UINT64_MAX - d) / 10) return -1;
    v = v * 10 + d;
  }
  while (*p == '\n' || *p == ' ' || *p == '\t') ++p;
  if (*p) return -1;
  *out = v;
  return 0;
}

/* Reads a small file into buf (NUL-terminated); returns its length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = 0;
  for (;;) {
    ssize_t n = read(fd, buf + len, size - 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += (size_t)n;
    if (len == size - 1) break;
  }
  close(fd);
  buf[len] = '\0';
  return (ssize_t)len;
}

/* Does the comma-separated list [s, s+len) hold `word`? */
static int list_has(const char *s, size_t len, const char *word) {
  size_t wl = strlen(word);
  while (len > 0) {
    const char *comma = memchr(s, ',', len);
    size_t item = comma ? (size_t)(comma - s) : len;
    if (item == wl && memcmp(s, word, wl) == 0) return 1;
    if (!comma) break;
    len -= item + 1;
    s = comma + 1;
  }
  return 0;
}

/* Is this process in p->cgroup_path of the memory hierarchy? Every line of /proc/self/cgroup
 * that names the memory controller (v1) or the unified hierarchy (v2) must say so. Samples:
 *   4:memory:/process_api/4699c37a/oomscope-e2e-12-1     (v1)
 *   0::/user.slice/oomscope-e2e-12-1                      (v2) */
static int in_cgroup(const struct plan *p) {
  char buf[8192];
  if (read_small("/proc/self/cgroup", buf, sizeof buf) <= 0) return 0;
  int seen = 0;
  for (char *line = buf; *line;) {
    char *end = strchr(line, '\n');
    if (end) *end = '\0';
    char *a = strchr(line, ':');
    char *b = a ? strchr(a + 1, ':') : NULL;
    if (b) {
      int relevant = p->version == 1 ? list_has(a + 1, (size_t)(b - a - 1), "memory")
                                     : (a == line + 1 && line[0] == '0' && b == a + 1);
      if (relevant) {
        if (strcmp(b + 1, p->cgroup_path) != 0) return 0;
        seen = 1;
      }
    }
    if (!end) break;
    line = end + 1;
  }
  return seen;
}

static void parse_args(int argc, char **argv, struct plan *p) {
  memset(p, 0, sizeof *p);
  p->report_fd = -1;
  p->parent = -1;
  unsigned seen = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    uint64_t n = 0;
    int num_ok = parse_u64(v, &n) == 0;
    if (strcmp(k, "--report-fd") == 0 && num_ok && n <= 65535) {
      p->report_fd = (int)n;
      report_fd = p->report_fd;
      seen |= 1u << 0;
    } else if (strcmp(k, "--parent") == 0 && num_ok && n > 0 && n < (1u << 30)) {
      p->parent = (long)n;
      seen |= 1u << 1;
    } else if (strcmp(k, "--cgroup-version") == 0 && num_ok && (n == 1 || n == 2)) {
      p->version = (int)n;
      seen |= 1u << 2;
    } else if (strcmp(k, "--procs") == 0) {
      p->procs_file = v;
      seen |= 1u << 3;
    } else if (strcmp(k, "--cgroup") == 0 && v[0] == '/') {
      p->cgroup_path = v;
      seen |= 1u << 4;
    } else if (strcmp(k, "--limit-file") == 0) {
      p->limit_file = v;
      seen |= 1u << 5;
    } else if (strcmp(k, "--limit") == 0 && num_ok && n >= (4u << 20)) {
      p->limit_bytes = n;
      seen |= 1u << 6;
    } else if (strcmp(k, "--chunk") == 0 && num_ok && n > 0 && n <= (1u << 30)) {
      p->chunk_bytes = n;
      seen |= 1u << 7;
    } else if (strcmp(k, "--cap") == 0 && num_ok && n > 0) {
      p->cap_bytes = n;
      seen |= 1u << 8;
    } else {
      fail("bad argument (see tests/testing/hog_protocol.h)", 0);
    }
  }
  if (argc % 2 != 1 || seen != 0x1ffu) fail("missing argument (see tests/testing/hog_protocol.h)", 0);
}

int main(int argc, char **argv) {
  struct plan p;
  parse_args(argc, argv, &p);
  /* Die with the harness; never outlive the test. (Also set before exec by the harness.) */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if ((long)getppid() != p.parent) fail("parent is gone", 0);
  prctl(PR_SET_NAME, OOMSCOPE_HOG_COMM);
  /* Belt and braces: should anything go wrong, the hog is the first choice of any OOM kill. */
  int adj = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (adj < 0 || write(adj, "1000", 4) != 4) fail("set oom_score_adj 1000", errno);
  close(adj);

  char pid[32];
  int pid_len = snprintf(pid, sizeof pid, "%d", (int)getpid());
  int procs = open(p.procs_file, O_WRONLY | O_CLOEXEC);
  if (procs < 0) fail("open cgroup.procs", errno);
  if (write(procs, pid, (size_t)pid_len) != pid_len) fail("join cgroup", errno);
  close(procs);

  /* Verify before touching a single page. */
  if (!in_cgroup(&p)) fail("not in the limited cgroup after joining it", 0);
  char limit[64];
  if (read_small(p.limit_file, limit, sizeof limit) <= 0) fail("read limit file", errno);
  uint64_t limit_value = 0;
  if (parse_u64(limit, &limit_value) != 0 || limit_value != p.limit_bytes)
    fail("limit file does not read the expected limit", 0);

  if (write(p.report_fd, "C", 1) != 1) fail("report to parent", errno);
  for (uint64_t touched = 0; touched < p.cap_bytes; touched += p.chunk_bytes) {
    void *m = mmap(NULL, p.chunk_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) _exit(OOMSCOPE_HOG_EXIT_NO_MEMORY);
    volatile char *c = (volatile char *)m;
    for (uint64_t i = 0; i < p.chunk_bytes; i += 4096) c[i] = 0x5a;
  }
  _exit(OOMSCOPE_HOG_EXIT_CAP_REACHED);
}
