#!/usr/bin/env python3
"""make-v2-k8s-systemd.py: generate tests/data/roots/cgroup-v2-k8s-systemd-6.1/.

A HAND-BUILT --root tree of a Kubernetes node with the systemd cgroup driver on pure cgroup
v2 and containerd (kernel 6.1, the Debian 12 / many managed-node kernel). File formats are
copied from real 6.1 files (memory.stat key set and order, memory.events with
oom_group_kill, PSI lines, /proc/<pid>/status fields); the numbers are invented but
consistent. Facts the tests check are listed in cgroup-v2-k8s-systemd-6.1.json.

Pods:
  burstable  7a9c1d2e-3f4b-4c5d-8e6f-0a1b2c3d4e5f  "orders": app container 3b1f… hit its
             256 MiB limit; memory.events oom 1 oom_kill 1; the JVM (pid 4711) was killed and
             restarted as pid 5120. The kernel log has the OOM report.
  burstable  c0ffee00-1111-4222-8333-444455556666  "web": nginx, healthy
  besteffort 0badf00d-aaaa-4bbb-8ccc-ddddeeeeffff  "debug": busybox sleep
  guaranteed 12345678-90ab-4cde-8f01-23456789abcd  "cache": redis (kubepods-pod<uid>.slice)
Usage: make-v2-k8s-systemd.py OUTDIR
"""
import os, shutil, sys

out = sys.argv[1]
if os.path.exists(out):
    shutil.rmtree(out)

def w(rel, text, mode="w"):
    p = os.path.join(out, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, mode) as f:
        f.write(text)

MiB = 1 << 20

def memory_stat(anon, file, kernel=8 * MiB, shmem=0, sock=0):
    keys = [("anon", anon), ("file", file), ("kernel", kernel), ("kernel_stack", 1 * MiB),
            ("pagetables", 2 * MiB), ("sec_pagetables", 0), ("percpu", 64 * 1024), ("sock", sock),
            ("vmalloc", 0), ("shmem", shmem), ("zswap", 0), ("zswapped", 0),
            ("file_mapped", file // 4), ("file_dirty", 0), ("file_writeback", 0), ("swapcached", 0),
            ("anon_thp", 0), ("file_thp", 0), ("shmem_thp", 0), ("inactive_anon", anon - anon // 8),
            ("active_anon", anon // 8), ("inactive_file", file // 2), ("active_file", file - file // 2),
            ("unevictable", 0), ("slab_reclaimable", 3 * MiB), ("slab_unreclaimable", 2 * MiB),
            ("slab", 5 * MiB), ("workingset_refault_anon", 0), ("workingset_refault_file", 120),
            ("workingset_activate_anon", 0), ("workingset_activate_file", 40),
            ("workingset_restore_anon", 0), ("workingset_restore_file", 0),
            ("workingset_nodereclaim", 0), ("pgscan", 9000), ("pgsteal", 8100),
            ("pgscan_kswapd", 0), ("pgscan_direct", 9000), ("pgsteal_kswapd", 0),
            ("pgsteal_direct", 8100), ("pgfault", 250000), ("pgmajfault", 12), ("pgrefill", 300),
            ("pgactivate", 2000), ("pgdeactivate", 300), ("pglazyfree", 0), ("pglazyfreed", 0),
            ("thp_fault_alloc", 0), ("thp_collapse_alloc", 0)]
    return "".join("%s %d\n" % kv for kv in keys)

def events(low=0, high=0, mx=0, oom=0, oom_kill=0, group=0):
    return "low %d\nhigh %d\nmax %d\noom %d\noom_kill %d\noom_group_kill %d\n" % (
        low, high, mx, oom, oom_kill, group)

def psi(some10=0.0, full10=0.0, some_total=0, full_total=0):
    return ("some avg10=%.2f avg60=%.2f avg300=%.2f total=%d\n"
            "full avg10=%.2f avg60=%.2f avg300=%.2f total=%d\n" % (
                some10, some10 / 2, some10 / 5, some_total, full10, full10 / 2, full10 / 5, full_total))

def cgroup(path, current, limit="max", procs=(), anon=None, file=None, ev=None, local=None, peak=None,
           high="max", pressure=None, oom_group=0):
    d = "sys/fs/cgroup" + path
    anon = current * 3 // 4 if anon is None else anon
    file = current - anon if file is None else file
    w(d + "/memory.current", "%d\n" % current)
    w(d + "/memory.min", "0\n")
    w(d + "/memory.low", "0\n")
    w(d + "/memory.high", "%s\n" % high)
    w(d + "/memory.max", "%s\n" % limit)
    w(d + "/memory.peak", "%d\n" % (peak if peak is not None else current))
    w(d + "/memory.events", ev or events())
    w(d + "/memory.events.local", local or events())
    w(d + "/memory.stat", memory_stat(anon, file))
    w(d + "/memory.swap.current", "0\n")
    w(d + "/memory.swap.max", "max\n" if limit == "max" else "0\n")
    w(d + "/memory.swap.high", "max\n")
    w(d + "/memory.swap.events", "high 0\nmax 0\nfail 0\n")
    w(d + "/memory.zswap.current", "0\n")
    w(d + "/memory.zswap.max", "max\n")
    w(d + "/memory.pressure", pressure or psi())
    w(d + "/memory.oom.group", "%d\n" % oom_group)
    w(d + "/memory.numa_stat", "anon N0=%d\nfile N0=%d\n" % (anon, file))
    w(d + "/cgroup.procs", "".join("%d\n" % p for p in procs))
    w(d + "/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")

# --- cgroup tree -------------------------------------------------------------------------
w("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
w("sys/fs/cgroup/cgroup.procs", "2\n")
w("sys/fs/cgroup/memory.stat", memory_stat(900 * MiB, 2100 * MiB))
w("sys/fs/cgroup/memory.pressure", psi(1.25, 0.80, 5300000, 4100000))
w("sys/fs/cgroup/memory.numa_stat", "anon N0=943718400\nfile N0=2202009600\n")

POD_OOM = "7a9c1d2e-3f4b-4c5d-8e6f-0a1b2c3d4e5f"
POD_WEB = "c0ffee00-1111-4222-8333-444455556666"
POD_DBG = "0badf00d-aaaa-4bbb-8ccc-ddddeeeeffff"
POD_GUA = "12345678-90ab-4cde-8f01-23456789abcd"
C_APP = "3b1f5e2a9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
C_OOM_PAUSE = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"
C_WEB = "aa11bb22cc33dd44ee55ff66aa77bb88cc99dd00ee11ff22aa33bb44cc55dd66"
C_DBG = "5555666677778888999900001111222233334444555566667777888899990000"
C_GUA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

def us(uid):
    return uid.replace("-", "_")

K = "/kubepods.slice"
BU = K + "/kubepods-burstable.slice"
BE = K + "/kubepods-besteffort.slice"
pod_oom = BU + "/kubepods-burstable-pod%s.slice" % us(POD_OOM)
pod_web = BU + "/kubepods-burstable-pod%s.slice" % us(POD_WEB)
pod_dbg = BE + "/kubepods-besteffort-pod%s.slice" % us(POD_DBG)
pod_gua = K + "/kubepods-pod%s.slice" % us(POD_GUA)

oom_ev = events(mx=412, oom=1, oom_kill=1)
cgroup("/init.scope", 12 * MiB, procs=[1])
cgroup("/system.slice", 700 * MiB)
cgroup("/system.slice/containerd.service", 180 * MiB, procs=[812])
cgroup("/system.slice/kubelet.service", 140 * MiB, procs=[905])
cgroup(K, 1430 * MiB, limit=7 * 1024 * MiB, ev=oom_ev)
cgroup(BU, 1180 * MiB, ev=oom_ev)
cgroup(pod_oom, 250 * MiB, limit=268 * MiB + 1 * MiB, ev=oom_ev, peak=269 * MiB,
       pressure=psi(18.5, 15.2, 2900000, 2500000))
cgroup(pod_oom + "/cri-containerd-%s.scope" % C_OOM_PAUSE, 1 * MiB, procs=[4690])
cgroup(pod_oom + "/cri-containerd-%s.scope" % C_APP, 248 * MiB, limit=256 * MiB, procs=[5120],
       anon=240 * MiB, file=8 * MiB, ev=oom_ev, local=oom_ev, peak=256 * MiB,
       pressure=psi(22.4, 19.9, 2800000, 2450000))
cgroup(pod_web, 930 * MiB, limit=1024 * MiB)
cgroup(pod_web + "/cri-containerd-%s.scope" % C_WEB, 928 * MiB, limit=1024 * MiB, procs=[3001, 3002])
cgroup(BE, 20 * MiB)
cgroup(pod_dbg, 20 * MiB)
cgroup(pod_dbg + "/cri-containerd-%s.scope" % C_DBG, 19 * MiB, procs=[3500])
cgroup(pod_gua, 230 * MiB, limit=512 * MiB)
cgroup(pod_gua + "/cri-containerd-%s.scope" % C_GUA, 229 * MiB, limit=512 * MiB, procs=[3800])

# --- processes ---------------------------------------------------------------------------
def proc(pid, ppid, name, cgpath, rss_anon_kb, rss_file_kb, cmdline, exe, threads=1, uid=0,
         adj=0, score=None, start=1000, smaps=None, state="S (sleeping)"):
    base = "proc/%d/" % pid
    vm_rss = rss_anon_kb + rss_file_kb
    w(base + "status",
      "Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
      "TracerPid:\t0\nUid:\t%d\t%d\t%d\t%d\nGid:\t%d\t%d\t%d\t%d\nFDSize:\t64\nGroups:\t \n"
      "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n"
      "VmPeak:\t%8d kB\nVmSize:\t%8d kB\nVmLck:\t       0 kB\nVmPin:\t       0 kB\n"
      "VmHWM:\t%8d kB\nVmRSS:\t%8d kB\nRssAnon:\t%8d kB\nRssFile:\t%8d kB\nRssShmem:\t       0 kB\n"
      "VmData:\t%8d kB\nVmStk:\t     132 kB\nVmExe:\t      24 kB\nVmLib:\t    1528 kB\n"
      "VmPTE:\t%8d kB\nVmSwap:\t       0 kB\nHugetlbPages:\t       0 kB\nCoreDumping:\t0\n"
      "THP_enabled:\t1\nThreads:\t%d\nSigQ:\t0/31146\n"
      % (name, state, pid, pid, ppid, uid, uid, uid, uid, uid, uid, uid, uid, pid, pid, pid, pid,
         vm_rss * 3, vm_rss * 3, vm_rss, vm_rss, rss_anon_kb, rss_file_kb, rss_anon_kb,
         max(vm_rss // 500, 8), threads))
    w(base + "stat", "%d (%s) S %d %d %d 0 -1 4194560 1000 0 0 0 100 20 0 0 20 0 %d 0 %d %d %d "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
      % (pid, name, ppid, pid, pid, threads, start, vm_rss * 3 * 1024, vm_rss // 4))
    pss_anon = rss_anon_kb
    pss_file = rss_file_kb // 3
    w(base + "smaps_rollup",
      "55d4a1c00000-7ffc2a3ff000 ---p 00000000 00:00 0                          [rollup]\n"
      "Rss:            %8d kB\nPss:            %8d kB\nPss_Dirty:      %8d kB\n"
      "Pss_Anon:       %8d kB\nPss_File:       %8d kB\nPss_Shmem:             0 kB\n"
      "Shared_Clean:   %8d kB\nShared_Dirty:          0 kB\nPrivate_Clean:  %8d kB\n"
      "Private_Dirty:  %8d kB\nReferenced:     %8d kB\nAnonymous:      %8d kB\n"
      "LazyFree:              0 kB\nAnonHugePages:         0 kB\nShmemPmdMapped:        0 kB\n"
      "FilePmdMapped:         0 kB\nShared_Hugetlb:        0 kB\nPrivate_Hugetlb:       0 kB\n"
      "Swap:                  0 kB\nSwapPss:               0 kB\nLocked:                0 kB\n"
      % (vm_rss, pss_anon + pss_file, pss_anon, pss_anon, pss_file, rss_file_kb - rss_file_kb // 3,
         rss_file_kb // 3, rss_anon_kb, vm_rss, rss_anon_kb))
    w(base + "cgroup", "0::%s\n" % cgpath)
    w(base + "comm", name[:15] + "\n")
    w(base + "cmdline", "\0".join(cmdline) + "\0")
    w(base + "oom_score_adj", "%d\n" % adj)
    w(base + "oom_score", "%d\n" % (score if score is not None else max(0, adj + vm_rss // 8000)))
    if exe:
        os.makedirs(os.path.join(out, base), exist_ok=True)
        os.symlink(exe, os.path.join(out, base + "exe"))
    if smaps:
        w(base + "smaps", smaps)

def mapping(start, end, perms, off, dev, inode, name, rss_kb, anon_kb, dirty_kb):
    size_kb = (end - start) // 1024
    return ("%x-%x %s %08x %s %-26d %s\n"
            "Size:           %8d kB\nKernelPageSize:        4 kB\nMMUPageSize:           4 kB\n"
            "Rss:            %8d kB\nPss:            %8d kB\nPss_Dirty:      %8d kB\n"
            "Shared_Clean:          0 kB\nShared_Dirty:          0 kB\nPrivate_Clean:  %8d kB\n"
            "Private_Dirty:  %8d kB\nReferenced:     %8d kB\nAnonymous:      %8d kB\n"
            "KSM:                   0 kB\nLazyFree:              0 kB\nAnonHugePages:         0 kB\n"
            "ShmemPmdMapped:        0 kB\nFilePmdMapped:         0 kB\nShared_Hugetlb:        0 kB\n"
            "Private_Hugetlb:       0 kB\nSwap:                  0 kB\nSwapPss:               0 kB\n"
            "Locked:                0 kB\nTHPeligible:    0\nVmFlags: rd wr mr mw me ac sd\n"
            % (start, end, perms, off, dev, inode, name, size_kb, rss_kb, rss_kb, dirty_kb,
               rss_kb - dirty_kb, dirty_kb, rss_kb, anon_kb))

java_smaps = (
    mapping(0x55d4a1c00000, 0x55d4a1c01000, "r--p", 0, "00:2f", 1311, "/usr/lib/jvm/java-17/bin/java", 4, 0, 0) +
    mapping(0x7f3a40000000, 0x7f3a50000000, "rw-p", 0, "00:00", 0, "", 229376, 229376, 229376) +
    mapping(0x7f3a58000000, 0x7f3a58400000, "rw-p", 0, "00:00", 0, "[anon:java heap metadata]", 2048, 2048, 2048) +
    mapping(0x7f3a60000000, 0x7f3a60e00000, "r-xp", 0, "00:2f", 2244, "/usr/lib/jvm/java-17/lib/server/libjvm.so", 6144, 0, 0) +
    mapping(0x7ffc2a3de000, 0x7ffc2a3ff000, "rw-p", 0, "00:00", 0, "[stack]", 132, 132, 132) +
    mapping(0xffffffffff600000, 0xffffffffff601000, "--xp", 0, "00:00", 0, "[vsyscall]", 0, 0, 0))

proc(1, 0, "systemd", "/init.scope", 4200, 7800, ["/sbin/init"], "/usr/lib/systemd/systemd", start=3)
proc(812, 1, "containerd", "/system.slice/containerd.service", 52000, 30000,
     ["/usr/bin/containerd"], "/usr/bin/containerd", threads=28, adj=-999, start=450)
proc(905, 1, "kubelet", "/system.slice/kubelet.service", 88000, 42000,
     ["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml",
      "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf", "--token", "abcdef.0123456789abcdef"],
     "/usr/bin/kubelet", threads=40, adj=-999, start=470)
proc(4690, 812, "pause", pod_oom + "/cri-containerd-%s.scope" % C_OOM_PAUSE, 60, 400, ["/pause"], "/pause",
     adj=-998, start=90000)
proc(5120, 812, "java", pod_oom + "/cri-containerd-%s.scope" % C_APP, 238000, 9000,
     ["java", "-Xmx200m", "-Dspring.datasource.password=Sup3rS3cret", "-jar", "/app/orders.jar"],
     "/usr/lib/jvm/java-17/bin/java", threads=61, adj=968, score=1468, start=45981300, smaps=java_smaps)
proc(3001, 812, "nginx", pod_web + "/cri-containerd-%s.scope" % C_WEB, 500000, 300000,
     ["nginx: master process nginx -g daemon off;"], "/usr/sbin/nginx", adj=994, start=120000)
proc(3002, 3001, "nginx", pod_web + "/cri-containerd-%s.scope" % C_WEB, 120000, 30000,
     ["nginx: worker process"], "/usr/sbin/nginx", adj=994, start=120010, uid=101)
proc(3500, 812, "sleep", pod_dbg + "/cri-containerd-%s.scope" % C_DBG, 200, 900,
     ["sleep", "infinity"], "/bin/busybox", adj=1000, start=200000)
proc(3800, 812, "redis-server", pod_gua + "/cri-containerd-%s.scope" % C_GUA, 210000, 12000,
     ["redis-server", "*:6379", "--requirepass", "r3d1s-pw"], "/usr/local/bin/redis-server",
     threads=5, adj=-997, start=130000, uid=999)

# --- system files --------------------------------------------------------------------------
w("proc/meminfo", """MemTotal:        8131312 kB
MemFree:          912344 kB
MemAvailable:    4823100 kB
Buffers:           88120 kB
Cached:          3650112 kB
SwapCached:            0 kB
Active:          2210044 kB
Inactive:        3980112 kB
Active(anon):      80312 kB
Inactive(anon):  1720440 kB
Active(file):    2129732 kB
Inactive(file):  2259672 kB
Unevictable:       28500 kB
Mlocked:           28500 kB
SwapTotal:             0 kB
SwapFree:              0 kB
Zswap:                 0 kB
Zswapped:              0 kB
Dirty:               412 kB
Writeback:             0 kB
AnonPages:       1790112 kB
Mapped:           610228 kB
Shmem:             12440 kB
KReclaimable:     210332 kB
Slab:             402110 kB
SReclaimable:     210332 kB
SUnreclaim:       191778 kB
KernelStack:       14928 kB
PageTables:        21104 kB
SecPageTables:         0 kB
NFS_Unstable:          0 kB
Bounce:                0 kB
WritebackTmp:          0 kB
CommitLimit:     4065656 kB
Committed_AS:    6120448 kB
VmallocTotal:   34359738367 kB
VmallocUsed:       41220 kB
VmallocChunk:          0 kB
Percpu:             5632 kB
HardwareCorrupted:     0 kB
AnonHugePages:     4096 kB
ShmemHugePages:        0 kB
ShmemPmdMapped:        0 kB
FileHugePages:         0 kB
FilePmdMapped:         0 kB
HugePages_Total:       0
HugePages_Free:        0
HugePages_Rsvd:        0
HugePages_Surp:        0
Hugepagesize:       2048 kB
Hugetlb:               0 kB
DirectMap4k:      296768 kB
DirectMap2M:     8089600 kB
""")
w("proc/vmstat", "nr_free_pages 228086\nnr_zone_inactive_anon 430110\nnr_zone_active_anon 20078\n"
  "nr_anon_pages 447528\nnr_mapped 152557\nnr_file_pages 934558\nnr_shmem 3110\n"
  "pgpgin 3120044\npgpgout 1200312\npswpin 0\npswpout 0\npgfault 91230112\npgmajfault 2210\n"
  "pgscan_direct 120033\npgsteal_direct 100221\nallocstall_normal 41\noom_kill 1\n")
w("proc/pressure/memory", psi(1.25, 0.80, 5300000, 4100000))
w("proc/buddyinfo", "Node 0, zone      DMA      1      1      0      0      2      1      1      0      1      1      3 \n"
  "Node 0, zone    DMA32   1201    812    403    220     98     41     12      4      2      1    201 \n"
  "Node 0, zone   Normal   3021   1810    902    410    160     61     20      8      3      1     22 \n")
w("proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")
w("proc/loadavg", "1.12 0.97 0.88 3/612 5188\n")
w("proc/stat", "cpu  120312 12 40211 9912334 1203 0 2211 0 0 0\nintr 1\nctxt 99123312\nbtime 1763700000\n"
  "processes 51234\nprocs_running 3\nprocs_blocked 0\n")
w("proc/uptime", "460123.45 901234.56\n")
w("proc/sys/kernel/hostname", "ip-10-0-12-34.eu-west-1.compute.internal\n")
w("proc/sys/kernel/osrelease", "6.1.0-18-cloud-amd64\n")
w("proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\n")
w("proc/sys/kernel/random/boot_id", "5d1f0c2e-8a3b-4c7d-9e1f-2a3b4c5d6e7f\n")
for k, v in [("overcommit_memory", "1"), ("overcommit_ratio", "50"), ("overcommit_kbytes", "0"),
             ("min_free_kbytes", "67584"), ("panic_on_oom", "0"), ("oom_kill_allocating_task", "0"),
             ("oom_dump_tasks", "1"), ("swappiness", "60"), ("nr_hugepages", "0"),
             ("watermark_scale_factor", "10"), ("admin_reserve_kbytes", "8192"),
             ("user_reserve_kbytes", "131072")]:
    w("proc/sys/vm/" + k, v + "\n")

# --- kernel log: /dev/kmsg capture (6.1 memcg OOM report, cgroup v2) ------------------------
cg_app = pod_oom + "/cri-containerd-%s.scope" % C_APP
kmsg = [
    (6, 4100, 455000100000, "IPv6: ADDRCONF(NETDEV_CHANGE): veth1a2b3c4d: link becomes ready"),
    (4, 4101, 459811203311, "java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=968"),
    (4, 4102, 459811203340, "CPU: 1 PID: 4711 Comm: java Not tainted 6.1.0-18-cloud-amd64 #1  Debian 6.1.76-1"),
    (4, 4103, 459811203351, "Hardware name: Amazon EC2 m5.large/, BIOS 1.0 10/16/2017"),
    (4, 4104, 459811203362, "Call Trace:"),
    (4, 4105, 459811203370, " <TASK>"),
    (4, 4106, 459811203379, " dump_stack_lvl+0x44/0x5c"),
    (4, 4107, 459811203388, " dump_header+0x4a/0x211"),
    (4, 4108, 459811203396, " oom_kill_process.cold+0xb/0x10"),
    (4, 4109, 459811203405, " out_of_memory+0x1fd/0x4c0"),
    (4, 4110, 459811203414, " mem_cgroup_out_of_memory+0x134/0x150"),
    (4, 4111, 459811203423, " try_charge_memcg+0x696/0x780"),
    (4, 4112, 459811203431, " </TASK>"),
    (6, 4113, 459811203440, "memory: usage 262144kB, limit 262144kB, failcnt 412"),
    (6, 4114, 459811203449, "swap: usage 0kB, limit 0kB, failcnt 0"),
    (6, 4115, 459811203458, "Memory cgroup stats for %s:" % cg_app),
    (6, 4116, 459811203500, "anon 257949696\\x0afile 4096000\\x0akernel 5242880"),
    (6, 4117, 459811203520, "Tasks state (memory values in pages):"),
    (6, 4118, 459811203530, "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name"),
    (6, 4119, 459811203540, "[   4711]     0  4711   812345    63012   917504        0           968 java"),
    (6, 4120, 459811203560, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-%s.scope,"
        "mems_allowed=0,oom_memcg=%s,task_memcg=%s,task=java,pid=4711,uid=0" % (C_APP, cg_app, cg_app)),
    (3, 4121, 459811203600, "Memory cgroup out of memory: Killed process 4711 (java) total-vm:3249380kB, "
        "anon-rss:251920kB, file-rss:128kB, shmem-rss:0kB, UID:0 pgtables:896kB oom_score_adj:968"),
    (6, 4124, 459811290000, "oom_reaper: reaped process 4711 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"),
]
lines = []
for prio, seq, usec, text in kmsg:
    lines.append("%d,%d,%d,-;%s\n" % (prio, seq, usec, text))
lines.insert(1, " SUBSYSTEM=net\n DEVICE=n12\n")
w("dev/kmsg", "".join(lines))
print("wrote", out, file=sys.stderr)
