// init.c: PID 1 of a throwaway qemu guest that makes one real global OOM kill and powers off.
//
// Built static (gcc -static -O2 -o init init.c) and packed alone into an initramfs by
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
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

int main(void) {
  mount("proc", "/proc", "proc", 0, NULL);
  mount("sysfs", "/sys", "sysfs", 0, NULL);
  mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  say("init started");
  const char* swap = getenv("oomscope_swap_kb");
  if (swap && setup_swap(strtoul(swap, NULL, 10)) != 0) { say("swap setup failed"); power_off(); }
  const int slab = getenv("oomscope_slab") != NULL;
  if (slab) {
    write_proc("/proc/sys/kernel/msgmni", "32000");
    write_proc("/proc/sys/kernel/msgmnb", "1048576");
    write_proc("/proc/sys/kernel/msgmax", "8192");
  }
  meminfo();
  pid_t pid = fork();
  if (pid < 0) { say("fork: %s", strerror(errno)); power_off(); }
  if (pid == 0) {
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
  meminfo();
  say("done");
  power_off();
}
