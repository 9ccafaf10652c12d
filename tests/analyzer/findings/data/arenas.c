// arenas: N threads malloc 64 KiB blocks (below the mmap threshold, so each thread's blocks come
// from its own glibc arena, a 64 MiB-aligned heap) and touch them, growing to CAP_MIB per thread.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
static long cap_blocks;
static long delay_us;
static void* grow(void* a) {
  (void)a;
  for (long i = 0; i < cap_blocks; ++i) {
    char* p = malloc(64 << 10);
    if (!p) break;
    memset(p, 0x42, 64 << 10);
    usleep(delay_us);
  }
  pause();
  return NULL;
}
int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 8;
  cap_blocks = (argc > 2 ? atol(argv[2]) : 1000) * 16;  // MiB per thread
  delay_us = argc > 3 ? atol(argv[3]) : 2000;
  prctl(PR_SET_NAME, "arena-svc");
  pthread_t t[64];
  for (int i = 0; i < n && i < 64; ++i) pthread_create(&t[i], NULL, grow, NULL);
  pause();
  return 0;
}
