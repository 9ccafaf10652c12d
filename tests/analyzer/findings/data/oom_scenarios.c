// oom_scenarios.c: how tests/data/kernel-logs/037..040 and 045 were captured (real memcg OOMs on cgroup v1).
// Not built by CMake. Build: gcc -O1 -pthread -o hog oom_scenarios.c. Run as root with CGDIR a new
// child of your memory cgroup: hog shmem|threads|forks|mlockfile|slowwrite CGDIR 48 [FILE MiB]. The child joins
// CGDIR (48 MiB memory and memory+swap limit), sets oom_score_adj 1000 and allocates until killed.
// slowwrite needs a slow device under FILE: slowwrite_oom.sh sets one up and runs it (045).
// Real memcg OOM scenarios for oomscope fixtures. Runs inside a v1 memcg with a small limit.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void wr(const char* path, const char* v) {
  int fd = open(path, O_WRONLY);
  if (fd < 0 || write(fd, v, strlen(v)) < 0) { perror(path); exit(3); }
  close(fd);
}
static void touch_anon(size_t mib_cap) {
  for (size_t i = 0; i < mib_cap; ++i) {
    char* p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) _exit(4);
    memset(p, 0x5a, 1 << 20);
    usleep(20000);
  }
  _exit(5);
}
static void* sleeper(void* a) { (void)a; pause(); return NULL; }
// check_joined(): refuse to allocate unless this process is in CGDIR and its limit reads LIM
// (a writer outside the limited cgroup could fill the machine's memory).
static void check_joined(const char* cg, const char* lim) {
  char line[512], want[512], buf[512];
  const char* rel = strstr(cg, "/sys/fs/cgroup/memory");
  if (!rel) { fprintf(stderr, "CGDIR is not under /sys/fs/cgroup/memory\n"); _exit(20); }
  snprintf(want, sizeof want, "memory:%s\n", rel + strlen("/sys/fs/cgroup/memory"));
  FILE* f = fopen("/proc/self/cgroup", "r");
  int ok = 0;
  while (f && fgets(line, sizeof line, f)) { char* c = strchr(line, ':'); if (c && !strcmp(c + 1, want)) ok = 1; }
  if (f) fclose(f);
  snprintf(buf, sizeof buf, "%s/memory.limit_in_bytes", cg);
  f = fopen(buf, "r");
  if (!f || !fgets(line, sizeof line, f) || atol(line) != atol(lim)) ok = 0;
  if (f) fclose(f);
  if (!ok) { fprintf(stderr, "not in %s with limit %s: refusing to allocate\n", cg, lim); _exit(21); }
}

int main(int argc, char** argv) {
  if (argc < 4) { fprintf(stderr, "usage: hog MODE CGDIR LIMIT_MIB [arg]\n"); return 2; }
  const char* mode = argv[1];
  const char* cg = argv[2];
  char buf[512], lim[64];
  snprintf(lim, sizeof lim, "%ld", atol(argv[3]) << 20);
  mkdir(cg, 0755);
  snprintf(buf, sizeof buf, "%s/memory.limit_in_bytes", cg); wr(buf, lim);
  snprintf(buf, sizeof buf, "%s/memory.memsw.limit_in_bytes", cg); wr(buf, lim);
  snprintf(buf, sizeof buf, "%s/memory.swappiness", cg); wr(buf, "0");
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char me[32];
    snprintf(me, sizeof me, "%d", getpid());
    snprintf(buf, sizeof buf, "%s/cgroup.procs", cg); wr(buf, me);
    wr("/proc/self/oom_score_adj", "1000");
    if (!strcmp(mode, "shmem")) {
      // A tmpfs file (like /dev/shm or an emptyDir medium: Memory) fills most of the limit.
      prctl(PR_SET_NAME, "shm-writer");
      int fd = open(argv[4], O_CREAT | O_TRUNC | O_WRONLY, 0600);
      char chunk[65536]; memset(chunk, 'x', sizeof chunk);
      long want = atol(argv[5]) << 20;
      for (long done = 0; done < want; done += sizeof chunk) if (write(fd, chunk, sizeof chunk) < 0) { perror("write"); break; }
      close(fd);
      touch_anon(4 * atol(argv[3]));
    } else if (!strcmp(mode, "threads")) {
      prctl(PR_SET_NAME, "thread-storm");
      pthread_attr_t at; pthread_attr_init(&at); pthread_attr_setstacksize(&at, 16384);
      for (long i = 0; i < 100000; ++i) {
        pthread_t t;
        int e = pthread_create(&t, &at, sleeper, NULL);
        if (e) { fprintf(stderr, "pthread_create %ld: %s\n", i, strerror(e)); sleep(2); _exit(6); }
      }
      _exit(7);
    } else if (!strcmp(mode, "forks")) {
      prctl(PR_SET_NAME, "worker");
      for (int i = 0; i < 2000; ++i) {
        pid_t c = fork();
        if (c == 0) {
          char* p = mmap(NULL, 512 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
          memset(p, 1, 512 << 10);
          pause();
          _exit(0);
        }
        if (c < 0) { perror("fork"); sleep(2); _exit(8); }
        if (waitpid(-1, NULL, WNOHANG) > 0) { sleep(1); _exit(10); }  // one OOM kill is enough
        usleep(5000);
      }
      _exit(9);
    } else if (!strcmp(mode, "mlockfile")) {
      // A file mapped and mlocked (MAP_LOCKED / mlock(): databases, JVM -XX:+AlwaysPreTouch
      // with locked memory): its page cache is charged here and cannot be reclaimed.
      prctl(PR_SET_NAME, "file-locker");
      int fd = open(argv[4], O_RDONLY);
      long len = atol(argv[5]) << 20;
      void* p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED || mlock(p, len)) { perror("mmap/mlock"); _exit(11); }
      touch_anon(4 * atol(argv[3]));
    } else if (!strcmp(mode, "slowwrite")) {
      // Buffered writes to a file on a slow device (045: XFS on a loop device whose writes the
      // root blkio cgroup throttles to 1 MiB/s): the page cache fills with pages under writeback
      // that reclaim cannot free (XFS allocates page cache GFP_NOFS, so memcg reclaim does not
      // wait for writeback) and the writer is OOM-killed. hog slowwrite CGDIR LIMIT_MIB FILE FILE_MIB
      prctl(PR_SET_NAME, "ingest-writer");
      check_joined(cg, lim);
      int fd = open(argv[4], O_CREAT | O_TRUNC | O_WRONLY, 0600);
      if (fd < 0) { perror(argv[4]); _exit(16); }
      static char chunk[65536];
      memset(chunk, 'w', sizeof chunk);
      long want = atol(argv[5]) << 20;
      for (long done = 0; done < want; done += sizeof chunk)
        if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) { perror("write"); _exit(17); }
      _exit(18);  // all written without an OOM
    } else if (!strcmp(mode, "pagecache")) {
      prctl(PR_SET_NAME, "cache-reader");
      // Dirty page cache: write a file bigger than the limit without fsync, then allocate.
      int fd = open(argv[4], O_CREAT | O_TRUNC | O_WRONLY, 0600);
      char chunk[65536]; memset(chunk, 'y', sizeof chunk);
      long want = atol(argv[5]) << 20;
      for (long done = 0; done < want; done += sizeof chunk) if (write(fd, chunk, sizeof chunk) < 0) { perror("write"); break; }
      touch_anon(4 * atol(argv[3]));
    }
    _exit(1);
  }
  int st = 0;
  for (int i = 0; i < 600; ++i) {  // 60 s max
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) break;
    usleep(100000);
    if (i == 599) kill(pid, SIGKILL), waitpid(pid, &st, 0);
  }
  // kill every task left in the cgroup (forks mode children), then remove it
  snprintf(buf, sizeof buf, "%s/cgroup.procs", cg);
  for (int round = 0; round < 20; ++round) {
    FILE* f = fopen(buf, "r"); int any = 0, p;
    while (f && fscanf(f, "%d", &p) == 1) { kill(p, SIGKILL); any = 1; }
    if (f) fclose(f);
    if (!any) break;
    usleep(100000);
  }
  usleep(300000);
  printf("child status: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
  if (rmdir(cg)) perror("rmdir");
  return 0;
}
