#!/usr/bin/env python3
"""capture-live-v1.py: build tests/data/roots/cgroup-v1-hybrid-6.18/ from THIS machine.

Provenance script for the cgroup v1 (hybrid) --root fixture. Run as root on a host whose
memory controller is on cgroup v1. It:
  1. creates a child memory cgroup (32 MiB limit, swap off) below this process's own memory
     cgroup and runs a confined hog in it until the kernel's memcg OOM killer kills it (the
     hog joins the cgroup and checks /proc/self/cgroup BEFORE it allocates anything);
  2. starts a sleeper in the same cgroup whose command line carries fake secrets (for the
     redaction tests);
  3. copies the /proc and /sys/fs/cgroup/memory files the collector reads, for a few pids
     (1, a kernel thread, this script, the sleeper) and the cgroups root -> OOM cgroup, plus
     the last /dev/kmsg records (as `cat /dev/kmsg` would print them) to dev/kmsg;
  4. kills the sleeper and removes the cgroup.
Files that cannot be read (EACCES on /proc/1/smaps_rollup, ESRCH for kernel threads) are
simply absent from the copy. Usage: capture-live-v1.py OUTDIR
"""
import errno, os, shutil, subprocess, sys, time

out = sys.argv[1]
if os.path.exists(out):
    shutil.rmtree(out)

mem_root = "/sys/fs/cgroup/memory"
mine = [l.split(":", 2)[2].strip() for l in open("/proc/self/cgroup") if ":memory:" in l][0]
cg_path = mine.rstrip("/") + "/oomscope-fixture-oom"
cg_dir = mem_root + cg_path
limit = 32 << 20

def write(path, value):
    with open(path, "w") as f:
        f.write(value)

os.mkdir(cg_dir)
try:
    write(cg_dir + "/memory.limit_in_bytes", str(limit))
    if os.path.exists(cg_dir + "/memory.memsw.limit_in_bytes"):
        write(cg_dir + "/memory.memsw.limit_in_bytes", str(limit))
    write(cg_dir + "/memory.swappiness", "0")
    assert int(open(cg_dir + "/memory.limit_in_bytes").read()) == limit

    # kmsg position before the OOM
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    os.lseek(fd, 0, os.SEEK_END)

    hog = ("echo $$ > %s/cgroup.procs && grep -qx '[0-9]*:memory:%s' /proc/self/cgroup && "
           "exec python3 -c 'import time\nb=[]\nfor i in range(%d): b.append(bytearray(1<<20))\n' "
           % (cg_dir, cg_path, 4 * (limit >> 20)))
    r = subprocess.run(["sh", "-c", hog])
    print("hog exit status", r.returncode, file=sys.stderr)  # -9: killed by the OOM killer

    sleeper = subprocess.Popen(["sh", "-c", "echo $$ > %s/cgroup.procs && exec python3 -c "
                                "'import time; time.sleep(600)' --password hunter2 "
                                "--db=postgres://app:s3cr3t@db.internal/orders token=abc123def "
                                "AKIAIOSFODNN7EXAMPLE" % cg_dir])
    time.sleep(0.5)

    records = []
    while True:
        try:
            records.append(os.read(fd, 16384))
        except BlockingIOError:
            break
        except OSError as e:
            if e.errno == errno.EPIPE:
                continue
            raise
    os.close(fd)

    def copy(rel):
        src = "/" + rel
        dst = os.path.join(out, rel)
        try:
            data = open(src, "rb").read()
        except OSError as e:
            print("skip", rel, e.strerror, file=sys.stderr)
            return
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        open(dst, "wb").write(data)

    for f in ["meminfo", "vmstat", "pressure/memory", "buddyinfo", "zoneinfo", "swaps", "loadavg",
              "stat", "uptime", "sys/kernel/hostname", "sys/kernel/osrelease", "sys/kernel/version",
              "sys/kernel/random/boot_id"]:
        copy("proc/" + f)
    for s in ["overcommit_memory", "overcommit_ratio", "overcommit_kbytes", "min_free_kbytes",
              "panic_on_oom", "oom_kill_allocating_task", "oom_dump_tasks", "swappiness",
              "nr_hugepages", "watermark_scale_factor", "admin_reserve_kbytes", "user_reserve_kbytes"]:
        copy("proc/sys/vm/" + s)
    for pid in [1, 2, os.getpid(), sleeper.pid]:
        for f in ["status", "stat", "smaps_rollup", "smaps", "cgroup", "comm", "cmdline",
                  "oom_score", "oom_score_adj"]:
            if f == "smaps" and pid not in (os.getpid(), sleeper.pid):
                continue
            copy("proc/%d/%s" % (pid, f))
        try:
            os.symlink(os.readlink("/proc/%d/exe" % pid), os.path.join(out, "proc/%d/exe" % pid))
        except OSError:
            pass
    parts = cg_path.strip("/").split("/")
    for depth in range(len(parts) + 1):
        rel_cg = "/".join(parts[:depth])
        d = (mem_root + "/" + rel_cg).rstrip("/")
        for f in sorted(os.listdir(d)):
            if f.startswith("memory.") or f == "cgroup.procs":
                if f in ("memory.force_empty", "memory.pressure_level", "memory.kmem.slabinfo"):
                    continue
                copy(d.lstrip("/") + "/" + f)
    os.makedirs(os.path.join(out, "sys/fs/cgroup/unified"), exist_ok=True)
    copy("sys/fs/cgroup/unified/cgroup.controllers")
    os.makedirs(os.path.join(out, "dev"), exist_ok=True)
    with open(os.path.join(out, "dev/kmsg"), "wb") as f:
        for r in records:
            f.write(r if r.endswith(b"\n") else r + b"\n")
    print("captured %d kmsg records, hog pid killed, sleeper pid %d, cgroup %s"
          % (len(records), sleeper.pid, cg_path), file=sys.stderr)
    sleeper.kill()
    sleeper.wait()
finally:
    for _ in range(50):
        try:
            os.rmdir(cg_dir)
            break
        except OSError:
            time.sleep(0.1)
