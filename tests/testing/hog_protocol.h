/* hog_protocol.h: what tests/testing/memcg_oom.cc and the hog executable (hog.c) agree on.
 *
 * The hog is a separate, tiny C program built WITHOUT sanitizer flags even in the
 * OOMSCOPE_SANITIZE build: exec'd by the harness, its memory is only its own (a fork of an
 * ASan test process would carry the parent's shadow and allocator pages, and the kernel's OOM
 * report would not be the one the e2e tests check). Plain C so that it can be included from
 * both sides.
 *
 * Command line (every option required, in any order):
 *   oomscope-hog --parent PID --report-fd FD --cgroup-version 1|2 --procs FILE --cgroup PATH
 *                --limit-file FILE --limit BYTES --chunk BYTES --cap BYTES
 * Report (one write on FD): "C" once confined and about to allocate, or "E<message>" when it
 * refuses (exit OOMSCOPE_HOG_EXIT_NOT_CONFINED).
 */
#ifndef OOMSCOPE_TESTS_TESTING_HOG_PROTOCOL_H
#define OOMSCOPE_TESTS_TESTING_HOG_PROTOCOL_H

/* Exit codes of the hog when it was not killed; anything else is a bug. */
#define OOMSCOPE_HOG_EXIT_NOT_CONFINED 71 /* bad arguments, exec, join or verification failed: allocated nothing */
#define OOMSCOPE_HOG_EXIT_CAP_REACHED 72  /* touched --cap bytes and was not killed */
#define OOMSCOPE_HOG_EXIT_NO_MEMORY 73    /* mmap failed (ENOMEM) before the OOM killer acted */

/* The hog's comm, as the kernel prints it (also the executable's name). */
#define OOMSCOPE_HOG_COMM "oomscope-hog"

#endif
