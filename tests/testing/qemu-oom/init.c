// init.c: PID 1 of a throwaway qemu guest that makes one real OOM kill (global, or of a
// Kubernetes-shaped cgroup v2 pod, see below) and powers off.
//
// Built static (gcc -static -O2 -o init init.c) and packed into an initramfs (with brd.ko; for
// the memcg-v2-k8s* scenarios also the virtio modules and the static oomscope) by
// tests/testing/qemu-oom/run, which boots a Debian kernel under qemu and keeps the serial
// console as a fixture. Nothing here runs on the host: it is the guest's init.
//
// What it does, all of it printed to the console with the "oomscope-qemu:" prefix:
//   1. mounts /proc, /sys and devtmpfs on /dev;
//   2. when the kernel command line has oomscope_swap_kb=N (an unknown parameter with '=':
//      the kernel hands it to init as an environment variable), loads /brd.ko
//      (rd_nr=1 rd_size=N), writes a swap header on /dev/ram0 and swapon()s it;
//   3. prints the HugePages/Mem/Swap lines of /proc/meminfo;
//   4. forks a child (PID 1 is never chosen by the OOM killer, a child is) that mmap()s
//      anonymous memory 1 MiB at a time and touches every page until it is killed;
//   5. waits for it, prints how it ended and "oomscope-qemu: done", syncs and powers off.
//
// With oomscope_slab=1 on the kernel command line the child of step 4 fills unreclaimable
// slab instead of anonymous memory: PID 1 first raises /proc/sys/kernel/msgmni (32000),
// msgmnb (1 MiB) and msgmax (8192), and the child msgsnd()s SysV messages (msg_msg is
// kmalloc'd with GFP_KERNEL_ACCOUNT: kmalloc-cg-4k for 4000-byte messages, kmalloc-cg-2k for
// the 1000-byte ones sent every 4th time: its 48-byte header takes them past 1 KiB) into queue after queue until the OOM killer kills
// it. The queues outlive the child, so PID 1 then removes them (IPC_RMID) before powering off.
//
// With oomscope_k8s=1 (scenario memcg-v2-k8s) the OOM is a cgroup v2 memcg OOM of a
// Kubernetes-shaped pod (systemd cgroup driver, containerd) instead of a global one:
//   a. loads the virtio modules shipped in the initramfs (/virtio_ring.ko … /virtio_blk.ko) so
//      that the disk qemu attaches (/dev/vda) can carry the packs out;
//   b. mounts cgroup2 on /sys/fs/cgroup, enables +memory down
//      /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<K8S_POD_UID>.slice/
//      cri-containerd-<K8S_CONTAINER_ID>.scope, with memory.max 400 MiB on kubepods.slice
//      (node allocatable), 64 MiB on the POD slice and 96 MiB on the container scope, so the
//      pod's limit is the one hit while the victim's cgroup is the container scope;
//   c. starts a small "sidecar" in the scope (re-executes /init as `oomscope-side`, with a
//      fake `--api-key=` argument that the pack must show redacted; it touches 4 MiB and
//      sleeps), then the hog of step 4 in the same scope; both at oom_score_adj 937 (a
//      burstable pod's range);
//   d. after the kill prints memory.max/current/peak/events/events.local/oom.group of the pod
//      slice and the scope, runs the static oomscope (/oomscope) twice: `collect --pod <uid>` to
//      /pod.oompack and a whole-host `collect` to /host.oompack;
//   e. writes both packs to /dev/vda: a 4096-byte text header ("oomscope-packs", then one
//      "NAME LENGTH OFFSET" line per pack, then "end") and each pack at its offset
//      (4096-aligned); tests/testing/qemu-oom/run extracts them.
// With oomscope_k8s=group (scenario memcg-v2-k8s-group) the same, but the container scope has
// memory.oom.group 1 (what Kubernetes 1.28+ sets on cgroup v2 nodes): the kernel kills every
// process of the scope, the sidecar too; PID 1 reaps both before it collects.
// With oomscope_k8s=allocatable or oomscope_k8s=qos (scenarios memcg-v2-k8s-allocatable and
// memcg-v2-k8s-qos) there are TWO burstable pods without pod-level limits (pod slices and
// container scopes at memory.max "max"): the hog's pod above and a second one,
// kubepods-burstable-pod<K8S_POD2_UID>.slice/cri-containerd-<K8S_CONTAINER2_ID>.scope, where
// the sidecar of step c runs instead (its 4 MiB are charged to the other pod). The limit hit is
//   allocatable: memory.max 96 MiB on kubepods.slice (what kubelet sets to the node's
//                allocatable memory; pods without limits overcommit it);
//   qos:         memory.max 96 MiB on kubepods-burstable.slice (kubelet's QoS-reserved
//                feature, or an operator), kubepods.slice keeping 400 MiB.
// Step d then prints the files of all six cgroups (kubepods.slice, the QoS slice, both pods and
// both scopes) and runs only the whole-host collect (/host.oompack).
// With oomscope_k8s=kmsg-gap (scenario kmsg-gap, qemu -smp 2 and printk.devkmsg=on so that
// /dev/kmsg writes are not rate limited) the pod OOM of oomscope_k8s=1, then, in step d, PID 1
// forks a writer, starts only `collect --pod <uid>` (/pod.oompack) and gives the writer the
// collector's pid; the writer waits until the collector has /dev/kmsg open (it polls
// /proc/<pid>/fd: the collector reads the kernel log early, but exec and setup take 0.4-1.2 s
// under tcg, longer than the whole flood) and then writes oomscope_flood=N (default 6000) short
// records ("<7>oomscope-flood NNNNNN": 21 bytes of text at debug level, so the serial console
// does not print them) as fast as it can. The kernel's ring buffer (128 KiB on Debian's 6.1,
// about 4096 records this short) overwrites records before the collector reads them, so the
// pack records gaps. When the collect ends the writer is stopped (SIGKILL) if it has not
// finished; PID 1 prints how many records it wrote, and when, from a counter shared with it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void say(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  dprintf(1, "oomscope-qemu: %s\n", buf);
}

static void power_off(void) {
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}

static void meminfo(void) {
  FILE* f = fopen("/proc/meminfo", "r");
  if (!f) { say("cannot open /proc/meminfo: %s", strerror(errno)); return; }
  char line[256];
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "MemTotal", 8) || !strncmp(line, "MemFree", 7) || !strncmp(line, "Swap", 4) ||
        !strncmp(line, "HugePages_", 10) || !strncmp(line, "Hugepagesize", 12) || !strncmp(line, "Hugetlb", 7)) {
      line[strcspn(line, "\n")] = 0;
      say("meminfo %s", line);
    }
  }
  fclose(f);
}

// A swap area on a brd RAM disk: loads /brd.ko, writes the version-1 header (mkswap's) on
// /dev/ram0 and enables it. Returns 0 on success.
static int setup_swap(unsigned long kb) {
  int fd = open("/brd.ko", O_RDONLY | O_CLOEXEC);
  if (fd < 0) { say("no /brd.ko: %s", strerror(errno)); return -1; }
  char params[64];
  snprintf(params, sizeof params, "rd_nr=1 rd_size=%lu", kb);
  if (syscall(SYS_finit_module, fd, params, 0) != 0) { say("finit_module(brd): %s", strerror(errno)); return -1; }
  close(fd);
  const long page = sysconf(_SC_PAGESIZE);
  unsigned char* hdr = calloc(1, page);
  uint32_t* info = (uint32_t*)(hdr + 1024);
  info[0] = 1;                                  // version
  info[1] = (uint32_t)(kb * 1024 / page - 1);   // last_page
  info[2] = 0;                                  // nr_badpages
  memcpy(hdr + page - 10, "SWAPSPACE2", 10);
  fd = open("/dev/ram0", O_WRONLY | O_CLOEXEC);
  if (fd < 0) { say("open /dev/ram0: %s", strerror(errno)); return -1; }
  if (write(fd, hdr, page) != page || fsync(fd) != 0) { say("write swap header: %s", strerror(errno)); return -1; }
  close(fd);
  free(hdr);
  if (swapon("/dev/ram0", 0) != 0) { say("swapon /dev/ram0: %s", strerror(errno)); return -1; }
  say("swap on /dev/ram0: %lu kB", kb);
  return 0;
}

static void hog(void) {
  const size_t chunk = 1 << 20;
  size_t total = 0;
  for (;;) {
    char* p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { say("hog: mmap failed after %zu MiB: %s", total >> 20, strerror(errno)); pause(); }
    for (size_t i = 0; i < chunk; i += 4096) p[i] = (char)(i | 1);
    total += chunk;
    if ((total & ((64u << 20) - 1)) == 0) say("hog: %zu MiB touched", total >> 20);
  }
}

enum { kSlabQueues = 32000, kSlabKeyBase = 0x6f6f6d00 };

static void write_proc(const char* path, const char* value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, value, strlen(value)) < 0) say("write %s: %s", path, strerror(errno));
  if (fd >= 0) close(fd);
  say("%s = %s", path, value);
}

// Fills unreclaimable slab with SysV messages until killed (see the header comment).
static void slab_hog(void) {
  static struct { long mtype; char mtext[4000]; } msg;
  msg.mtype = 1;
  memset(msg.mtext, 'x', sizeof msg.mtext);
  unsigned long sent = 0, bytes = 0;
  for (int q = 0; q < kSlabQueues; q++) {
    int id = msgget(kSlabKeyBase + q, IPC_CREAT | 0600);
    if (id < 0) { say("slab-hog: msgget #%d: %s", q, strerror(errno)); pause(); }
    for (;;) {
      size_t len = (sent % 4 == 3) ? 1000 : 4000;
      if (msgsnd(id, &msg, len, IPC_NOWAIT) != 0) {
        if (errno != EAGAIN) { say("slab-hog: msgsnd: %s", strerror(errno)); pause(); }
        break;  // this queue is full (msgmnb): next one
      }
      sent++;
      bytes += len;
      if ((sent & 16383) == 0) say("slab-hog: %lu messages, %lu MiB queued", sent, bytes >> 20);
    }
  }
  say("slab-hog: all %d queues full without an OOM", kSlabQueues);
  pause();
}

static void slab_cleanup(void) {
  int removed = 0;
  for (int q = 0; q < kSlabQueues; q++) {
    int id = msgget(kSlabKeyBase + q, 0);
    if (id < 0) break;
    if (msgctl(id, IPC_RMID, NULL) == 0) removed++;
  }
  say("removed %d message queues", removed);
}


// --- memcg-v2-k8s ------------------------------------------------------------------------
#define K8S_POD_UID "fca066f9-544d-4df2-8b9a-126bf305c199"
#define K8S_CONTAINER_ID "0944d33fbd10e3ed1d5e8cd24e9eed781fe67dd6829a10e526f18b6829ad4cd5"
#define K8S_KUBEPODS "/kubepods.slice"
#define K8S_QOS K8S_KUBEPODS "/kubepods-burstable.slice"
#define K8S_POD K8S_QOS "/kubepods-burstable-podfca066f9_544d_4df2_8b9a_126bf305c199.slice"
#define K8S_SCOPE K8S_POD "/cri-containerd-" K8S_CONTAINER_ID ".scope"
#define K8S_POD2_UID "3b9d2c71-8e4f-4a06-9d55-0f7c1e2a6b84"
#define K8S_CONTAINER2_ID "7c1f5e0b9a2d4c68e3f1a7b5d9c0e2f4a6b8c1d3e5f7091b2c4d6e8f0a1b3c5d"
#define K8S_POD2 K8S_QOS "/kubepods-burstable-pod3b9d2c71_8e4f_4a06_9d55_0f7c1e2a6b84.slice"
#define K8S_SCOPE2 K8S_POD2 "/cri-containerd-" K8S_CONTAINER2_ID ".scope"
#define CGROOT "/sys/fs/cgroup"

// What oomscope_k8s= asks for (see the header comment).
enum k8s_mode { K8S_NONE, K8S_POD_LIMIT, K8S_GROUP, K8S_ALLOCATABLE, K8S_QOS_LIMIT, K8S_KMSG_GAP };
static int two_pods(enum k8s_mode mode) { return mode == K8S_ALLOCATABLE || mode == K8S_QOS_LIMIT; }

static int load_module(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { say("no %s: %s", path, strerror(errno)); return -1; }
  long rc = syscall(SYS_finit_module, fd, "", 0);
  int err = errno;
  close(fd);
  if (rc != 0 && err != EEXIST) { say("finit_module(%s): %s", path, strerror(err)); return -1; }
  return 0;
}

static int cg_write(const char* cg, const char* file, const char* value) {
  char path[512];
  snprintf(path, sizeof path, CGROOT "%s/%s", cg, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, value, strlen(value)) < 0) {
    say("write %s = %s: %s", path, value, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  close(fd);
  return 0;
}

static void cg_print(const char* cg, const char* file) {
  char path[512], buf[1024];
  snprintf(path, sizeof path, CGROOT "%s/%s", cg, file);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { say("%s: %s", path, strerror(errno)); return; }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) n = 0;
  buf[n] = 0;
  for (char* c = buf; *c; c++)
    if (*c == '\n') *c = (c[1] ? ',' : 0);
  say("%s %s: %s", cg, file, buf);
}

static int setup_k8s(enum k8s_mode mode) {
  static const char* mods[] = {"/virtio_ring.ko", "/virtio.ko", "/virtio_pci_modern_dev.ko",
                               "/virtio_pci_legacy_dev.ko", "/virtio_pci.ko", "/virtio_blk.ko"};
  for (size_t i = 0; i < sizeof mods / sizeof *mods; i++)
    if (load_module(mods[i]) != 0) return -1;
  struct stat st;
  for (int i = 0; i < 100 && stat("/dev/vda", &st) != 0; i++) usleep(100000);
  if (stat("/dev/vda", &st) != 0) { say("no /dev/vda"); return -1; }
  if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL) != 0) { say("mount cgroup2: %s", strerror(errno)); return -1; }
  say("cgroup2 mounted on " CGROOT);
  // Parents before children; the scopes (leaves) get no subtree_control.
  static const char* dirs[] = {K8S_KUBEPODS, K8S_QOS, K8S_POD, K8S_SCOPE, K8S_POD2, K8S_SCOPE2};
  if (cg_write("", "cgroup.subtree_control", "+memory") != 0) return -1;
  for (size_t i = 0; i < (two_pods(mode) ? 6u : 4u); i++) {
    char path[512];
    snprintf(path, sizeof path, CGROOT "%s", dirs[i]);
    if (mkdir(path, 0755) != 0) { say("mkdir %s: %s", path, strerror(errno)); return -1; }
    if (!strstr(dirs[i], ".scope") && cg_write(dirs[i], "cgroup.subtree_control", "+memory") != 0) return -1;
  }
  const int qos_limit = mode == K8S_QOS_LIMIT;
  if (mode == K8S_ALLOCATABLE) {
    if (cg_write(K8S_KUBEPODS, "memory.max", "100663296") != 0) return -1;  // 96 MiB
    say("kubepods.slice memory.max 100663296, the QoS slice, pod slices and scopes max");
    return 0;
  }
  if (cg_write(K8S_KUBEPODS, "memory.max", "419430400") != 0) return -1;  // 400 MiB
  if (qos_limit) {
    if (cg_write(K8S_QOS, "memory.max", "100663296") != 0) return -1;  // 96 MiB
    say("kubepods.slice memory.max 419430400, " K8S_QOS " memory.max 100663296, pod slices and scopes max");
    return 0;
  }
  if (cg_write(K8S_POD, "memory.max", "67108864") != 0) return -1;        // 64 MiB
  if (cg_write(K8S_SCOPE, "memory.max", "100663296") != 0) return -1;     // 96 MiB
  if (mode == K8S_GROUP && cg_write(K8S_SCOPE, "memory.oom.group", "1") != 0) return -1;
  if (mode == K8S_GROUP) say("container scope memory.oom.group 1");
  say("pod slice %s memory.max 67108864, container scope memory.max 100663296", K8S_POD);
  return 0;
}

// In a child of PID 1: move into a container scope, take a burstable pod's oom_score_adj.
static void enter_scope(const char* scope) {
  if (cg_write(scope, "cgroup.procs", "0") != 0) _exit(1);
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (write(fd, "937", 3) < 0) say("oom_score_adj: %s", strerror(errno));
    close(fd);
  }
}

// The sidecar (argv[1] == "sidecar", /init re-executed by a child of PID 1): 4 MiB, then sleep.
static void sidecar(void) {
  prctl(PR_SET_NAME, (unsigned long)"oomscope-side", 0, 0, 0);
  const size_t size = 4 << 20;
  char* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p != MAP_FAILED)
    for (size_t i = 0; i < size; i += 4096) p[i] = 1;
  if (write(3, "r", 1) < 0) say("sidecar: %s", strerror(errno));
  close(3);
  for (;;) pause();
}

static pid_t start_sidecar(const char* scope) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    enter_scope(scope);
    close(fds[0]);
    dup2(fds[1], 3);
    char* argv[] = {"oomscope-side", "sidecar", "--api-key=NOT-A-REAL-SECRET-0123456789", NULL};
    execv("/init", argv);
    _exit(127);
  }
  close(fds[1]);
  char c;
  ssize_t n = read(fds[0], &c, 1);
  close(fds[0]);
  say("sidecar pid %d %s in %s", (int)pid, n == 1 ? "ready" : "did not start", scope);
  return n == 1 ? pid : -1;
}

static pid_t start_collect(const char* out, const char* pod_uid) {
  pid_t pid = fork();
  if (pid == 0) {
    char* argv_pod[] = {"/oomscope", "collect", "-o", (char*)out, "--pod", (char*)pod_uid, "--time-limit", "600", NULL};
    char* argv_host[] = {"/oomscope", "collect", "-o", (char*)out, "--time-limit", "600", NULL};
    execv("/oomscope", pod_uid ? argv_pod : argv_host);
    _exit(127);
  }
  return pid;
}

static int finish_collect(pid_t pid, const char* out, const char* pod_uid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  struct stat st;
  long long size = stat(out, &st) == 0 ? (long long)st.st_size : -1;
  say("oomscope collect -o %s%s%s: %s %d, %lld bytes", out, pod_uid ? " --pod " : "", pod_uid ? pod_uid : "",
      WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), size);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int run_collect(const char* out, const char* pod_uid) {
  return finish_collect(start_collect(out, pod_uid), out, pod_uid);
}

static long long mono_usec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

// kmsg-gap: what the flood writer shares with PID 1 (a MAP_SHARED page).
struct flood { volatile long written, failed, waited_usec, start_usec, end_usec; };

// Whether process `pid` has /dev/kmsg open.
static int has_kmsg_open(pid_t pid) {
  char path[64], target[64];
  for (int fd = 0; fd < 64; fd++) {
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = 0;
    if (!strcmp(target, "/dev/kmsg")) return 1;
  }
  return 0;
}

// kmsg-gap: forks the writer of the header comment. It waits for the collector's pid (given by
// go_flood()), then until the collector has /dev/kmsg open (polled every 200 us, at most 30 s),
// then writes `count` records as fast as it can.
static pid_t start_flood(long count, struct flood** shared, int* go) {
  struct flood* f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (f == MAP_FAILED) { say("flood: mmap: %s", strerror(errno)); return -1; }
  *shared = f;
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_NAME, (unsigned long)"oomscope-flood", 0, 0, 0);
    close(fds[1]);
    int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
    if (fd < 0) { say("flood: open /dev/kmsg: %s", strerror(errno)); _exit(1); }
    pid_t collector = 0;
    if (read(fds[0], &collector, sizeof collector) != sizeof collector) _exit(1);
    long long t0 = mono_usec();
    while (!has_kmsg_open(collector) && mono_usec() - t0 < 30000000) usleep(200);
    char rec[64];
    f->start_usec = mono_usec();
    f->waited_usec = f->start_usec - t0;
    for (long i = 1; i <= count; i++) {
      int n = snprintf(rec, sizeof rec, "<7>oomscope-flood %06ld", i);
      if (write(fd, rec, n) == n) f->written = i; else f->failed++;
    }
    f->end_usec = mono_usec();
    _exit(0);
  }
  close(fds[0]);
  *go = fds[1];
  say("flood writer pid %d started, %ld records of /dev/kmsg once the collector has it open", (int)pid, count);
  return pid;
}

static void go_flood(int go, pid_t collector) {
  if (write(go, &collector, sizeof collector) != sizeof collector) say("flood: %s", strerror(errno));
  close(go);
}

// Writes the packs to /dev/vda: the header of the file comment, then each pack.
static void write_packs(const char* const* names, int n) {
  int disk = open("/dev/vda", O_WRONLY | O_CLOEXEC);
  if (disk < 0) { say("open /dev/vda: %s", strerror(errno)); return; }
  char header[4096] = "oomscope-packs\n";
  off_t offset = 4096;
  static char buf[1 << 16];
  for (int i = 0; i < n; i++) {
    int fd = open(names[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) { say("open %s: %s", names[i], strerror(errno)); continue; }
    off_t start = offset;
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
      if (pwrite(disk, buf, r, offset) != r) { say("write /dev/vda: %s", strerror(errno)); break; }
      offset += r;
    }
    close(fd);
    snprintf(header + strlen(header), sizeof header - strlen(header), "%s %lld %lld\n", names[i] + 1,
             (long long)(offset - start), (long long)start);
    offset = (offset + 4095) & ~(off_t)4095;
  }
  strncat(header, "end\n", sizeof header - strlen(header) - 1);
  if (pwrite(disk, header, sizeof header, 0) != (ssize_t)sizeof header) say("write header: %s", strerror(errno));
  fsync(disk);
  close(disk);
  say("packs written to /dev/vda (%lld bytes)", (long long)offset);
}

int main(int argc, char** argv) {
  if (getpid() != 1 && argc > 1 && !strcmp(argv[1], "sidecar")) sidecar();
  mount("proc", "/proc", "proc", 0, NULL);
  mount("sysfs", "/sys", "sysfs", 0, NULL);
  mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  say("init started");
  const char* swap = getenv("oomscope_swap_kb");
  if (swap && setup_swap(strtoul(swap, NULL, 10)) != 0) { say("swap setup failed"); power_off(); }
  const char* k8s_arg = getenv("oomscope_k8s");
  enum k8s_mode mode = !k8s_arg                         ? K8S_NONE
                       : !strcmp(k8s_arg, "group")       ? K8S_GROUP
                       : !strcmp(k8s_arg, "allocatable") ? K8S_ALLOCATABLE
                       : !strcmp(k8s_arg, "qos")         ? K8S_QOS_LIMIT
                       : !strcmp(k8s_arg, "kmsg-gap")    ? K8S_KMSG_GAP
                                                         : K8S_POD_LIMIT;
  const int k8s = mode != K8S_NONE, oom_group = mode == K8S_GROUP;
  if (k8s && setup_k8s(mode) != 0) { say("k8s cgroup setup failed"); power_off(); }
  const int slab = getenv("oomscope_slab") != NULL;
  if (slab) {
    write_proc("/proc/sys/kernel/msgmni", "32000");
    write_proc("/proc/sys/kernel/msgmnb", "1048576");
    write_proc("/proc/sys/kernel/msgmax", "8192");
  }
  meminfo();
  pid_t side = k8s ? start_sidecar(two_pods(mode) ? K8S_SCOPE2 : K8S_SCOPE) : -1;
  if (k8s && side < 0) power_off();
  pid_t pid = fork();
  if (pid < 0) { say("fork: %s", strerror(errno)); power_off(); }
  if (pid == 0) {
    if (k8s) enter_scope(K8S_SCOPE);
    // comm of the hog, as the OOM report will print it.
    prctl(PR_SET_NAME, (unsigned long)(slab ? "oomscope-slab" : "oomscope-hog"), 0, 0, 0);
    if (slab) slab_hog();
    hog();
    _exit(0);
  }
  say("hog pid %d started", (int)pid);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (WIFSIGNALED(status))
    say("hog pid %d killed by signal %d", (int)pid, WTERMSIG(status));
  else
    say("hog pid %d exited with %d", (int)pid, WEXITSTATUS(status));
  if (slab) slab_cleanup();
  if (oom_group) {  // the group kill took the sidecar too
    while (waitpid(side, &status, 0) < 0 && errno == EINTR) {}
    if (WIFSIGNALED(status))
      say("sidecar pid %d killed by signal %d", (int)side, WTERMSIG(status));
    else
      say("sidecar pid %d exited with %d", (int)side, WEXITSTATUS(status));
    side = -1;
  }
  if (k8s) {
    static const char* files[] = {"memory.max", "memory.current", "memory.peak", "memory.events", "memory.events.local",
                                  "memory.oom.group"};
    static const char* pod_cgs[] = {K8S_POD, K8S_SCOPE};
    static const char* all_cgs[] = {K8S_KUBEPODS, K8S_QOS, K8S_POD, K8S_SCOPE, K8S_POD2, K8S_SCOPE2};
    const char** cgs = two_pods(mode) ? all_cgs : pod_cgs;
    const size_t ncgs = two_pods(mode) ? 6 : 2;
    for (size_t c = 0; c < ncgs; c++)
      for (size_t i = 0; i < sizeof files / sizeof *files; i++) cg_print(cgs[c], files[i]);
    static const char* const packs[] = {"/pod.oompack", "/host.oompack"};
    if (mode == K8S_KMSG_GAP) {
      const char* n_arg = getenv("oomscope_flood");
      long count = n_arg ? strtol(n_arg, NULL, 10) : 6000;
      struct flood* f = NULL;
      int go = -1;
      pid_t writer = start_flood(count, &f, &go);
      long long t0 = mono_usec();
      if (writer > 0) {
        pid_t collector = start_collect("/pod.oompack", K8S_POD_UID);
        go_flood(go, collector);
        finish_collect(collector, "/pod.oompack", K8S_POD_UID);
      }
      long long t1 = mono_usec();
      long at_end = writer > 0 ? f->written : 0;
      if (writer > 0) {
        int ws = 0;
        if (waitpid(writer, &ws, WNOHANG) == 0) {
          kill(writer, SIGKILL);
          waitpid(writer, &ws, 0);
        }
        say("flood writer: %ld of %ld records written (%ld failed), %ld when the collect ended; waited %ld us for "
            "the collector's /dev/kmsg, wrote %lld-%lld us, collect %lld-%lld us (monotonic)",
            f->written, count, f->failed, at_end, (long)f->waited_usec, (long long)f->start_usec,
            (long long)f->end_usec, t0, t1);
      }
      write_packs(packs, 1);
    } else {
      if (!two_pods(mode)) run_collect("/pod.oompack", K8S_POD_UID);
      run_collect("/host.oompack", NULL);
      if (two_pods(mode))
        write_packs(packs + 1, 1);
      else
        write_packs(packs, 2);
    }
    if (side > 0) {
      kill(side, SIGKILL);
      waitpid(side, NULL, 0);
    }
  }
  meminfo();
  say("done");
  power_off();
}
