// gen_kernel_log: writes a big, deterministic kernel log with real OOM report shapes in it,
// for the analyze benchmark (bench/run-analyze-bench).
//
// The reports come from templates copied from real reports (bench/report_shapes.h); between
// them goes realistic kernel noise (audit, veth/bridge, EXT4, usb, TCP, journald... about 100
// bytes a line) and, in syslog-like styles, userspace lines. Each line gets the prefix of one
// of the styles `oomscope analyze` reads; `mixed` picks a style per block (noise + one event),
// as when logs of several sources are concatenated. Timestamps only go forward.
//
// Beside the log it writes PATH.truth: the number of OOM events and, per event, the victim pid,
// the shape, the prefix style, the host, and where the event starts (line, byte offset) and
// ends, so the runner can check that the analyzer found every event and cut out a repro of any
// it missed.
//
// Example:
//   gen_kernel_log -o big.log --size-mb 1024 --event-every 1048576 --prefix mixed --hosts 4
//   -> big.log (>= 1 GiB), big.log.truth ("events 1024" then one `event` line per event)
//
// Same arguments and seed give the same bytes.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "bench/report_shapes.h"

namespace {

// ---------------------------------------------------------------------------------------------
// Random numbers: xoshiro256** seeded through splitmix64 (public-domain reference algorithms).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (auto& s : s_) s = splitmix(x);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // below(n): uniform in [0, n); the modulo bias is irrelevant here.
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  uint64_t range(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  template <typename T, size_t N>
  const T& pick(const T (&a)[N]) {
    return a[below(N)];
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

void append_u64(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
// append_padded(): printf("%*lld"): right-aligned in `width` columns, never cut.
void append_padded(std::string& out, int64_t v, int width) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  int n = static_cast<int>(r.ptr - buf);
  if (n < width) out.append(width - n, ' ');
  out.append(buf, r.ptr);
}
void append_hex(std::string& out, Rng& rng, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t bits = rng.next();
  for (int i = 0; i < digits; ++i) {
    if (i % 16 == 15) bits = rng.next();
    out.push_back(kHex[bits & 15]);
    bits >>= 4;
  }
}

// ---------------------------------------------------------------------------------------------
// Templates (language described in report_shapes.h).

enum Var : uint8_t {
  // Per-event facts.
  kComm, kTpid, kTuid, kCpu, kAdj, kVpid, kVcomm, kVuid, kVadj, kScore, kMemcg, kTaskMemcg,
  kCpuset, kCid, kLim, kLimB, kUsage, kFailcnt, kTotalVmKb, kAnonKb, kFileKb, kShmemKb, kPgtKb,
  kAnonB, kFileB, kFactCount,
  // Drawn fresh at each use (noise).
  kRandPid = kFactCount, kRandN, kRandN4, kRandComm, kVeth, kIp, kPort, kMac, kUuid, kDisk,
  kAuditTs, kRandCpu, kPodUid, kVarCount
};

constexpr std::string_view kVarNames[kVarCount] = {
    "comm", "tpid", "tuid", "cpu", "adj", "vpid", "vcomm", "vuid", "vadj", "score", "memcg",
    "task_memcg", "cpuset", "cid", "lim", "lim_b", "usage", "failcnt", "total_vm_kb", "anon_kb",
    "file_kb", "shmem_kb", "pgt_kb", "anon_b", "file_b",
    "pid", "n", "n4", "rcomm", "veth", "ip", "port", "mac", "uuid", "disk", "auditts", "rcpu",
    "poduid"};

struct Segment {
  enum Kind : uint8_t { kLit, kVar, kNear, kHex } kind;
  std::string_view lit;  // kLit
  Var var = kComm;       // kVar
  uint64_t num = 0;      // kNear: the real value; kHex: digits
};

struct TemplateLine {
  enum Kind : uint8_t { kRecord, kCont, kUser, kTable, kGap } kind = kRecord;
  uint8_t level = 6;
  std::vector<Segment> segs;
};

std::vector<Segment> parse_segments(std::string_view s) {
  std::vector<Segment> out;
  size_t lit_start = 0, i = 0;
  auto flush = [&](size_t end) {
    if (end > lit_start) out.push_back({Segment::kLit, s.substr(lit_start, end - lit_start)});
  };
  while (i < s.size()) {
    size_t close;
    if (s[i] != '{' || (close = s.find('}', i)) == std::string_view::npos) {
      ++i;
      continue;
    }
    std::string_view name = s.substr(i + 1, close - i - 1);
    Segment seg{Segment::kLit};
    bool ok = false;
    if (name.size() > 1 && name[0] == '~') {
      ok = std::from_chars(name.data() + 1, name.data() + name.size(), seg.num).ec == std::errc();
      seg.kind = Segment::kNear;
    } else if (name.size() > 1 && name[0] == 'h' && name[1] >= '0' && name[1] <= '9') {
      ok = std::from_chars(name.data() + 1, name.data() + name.size(), seg.num).ec == std::errc();
      seg.kind = Segment::kHex;
    } else {
      for (int v = 0; v < kVarCount; ++v) {
        if (kVarNames[v] == name) {
          seg.kind = Segment::kVar;
          seg.var = static_cast<Var>(v);
          ok = true;
        }
      }
    }
    if (!ok) {  // not a placeholder: literal text such as an avc "{ read }"
      ++i;
      continue;
    }
    flush(i);
    out.push_back(seg);
    i = close + 1;
    lit_start = i;
  }
  flush(s.size());
  return out;
}

std::vector<TemplateLine> parse_template(std::string_view t) {
  std::vector<TemplateLine> out;
  uint8_t level = 6;
  while (!t.empty()) {
    size_t nl = t.find('\n');
    std::string_view line = t.substr(0, nl);
    t.remove_prefix(nl == std::string_view::npos ? t.size() : nl + 1);
    if (line.empty()) continue;
    TemplateLine tl;
    if (line.starts_with("@level ")) {
      level = static_cast<uint8_t>(line[7] - '0');
      continue;
    }
    if (line == "@table") {
      tl.kind = TemplateLine::kTable;
    } else if (line == "@gap") {
      tl.kind = TemplateLine::kGap;
    } else if (line[0] == '>') {
      tl.kind = TemplateLine::kCont;
      tl.segs = parse_segments(line.substr(1));
    } else if (line[0] == '!') {
      tl.kind = TemplateLine::kUser;
      tl.segs = parse_segments(line.substr(1));
    } else {
      tl.segs = parse_segments(line);
    }
    tl.level = level;
    out.push_back(std::move(tl));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Realistic kernel noise, about 100 bytes a line. `!` lines are userspace (syslog-like styles).
constexpr const char* kNoise[] = {
    R"(audit: type=1400 audit({auditts}:{n}): apparmor="DENIED" operation="open" profile="snap.firefox.firefox" name="/proc/{pid}/mounts" pid={pid} comm="{rcomm}" requested_mask="r" denied_mask="r" fsuid=1000 ouid=1000)",
    R"(audit: type=1400 audit({auditts}:{n}): avc:  denied  { read } for  pid={pid} comm="{rcomm}" name="config.json" dev="overlay" ino={n4}{n} scontext=system_u:system_r:container_t:s0:c{n},c{n} tcontext=system_u:object_r:var_lib_t:s0 tclass=file permissive=0)",
    R"(audit: type=1400 audit({auditts}:{n}): apparmor="STATUS" operation="profile_replace" info="same as current profile, skipping" profile="unconfined" name="cri-containerd.apparmor.d" pid={pid} comm="apparmor_parser")",
    R"(audit: type=1334 audit({auditts}:{n}): prog-id={n} op=LOAD)",
    R"(audit: type=1300 audit({auditts}:{n}): arch=c000003e syscall=46 success=yes exit=60 a0=3 a1=7ffd{h8} a2=0 a3=7ffd{h8} items=0 ppid=1 pid={pid} auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="runc" exe="/usr/bin/runc" key=(null))",
    R"(IPv6: ADDRCONF(NETDEV_CHANGE): {veth}: link becomes ready)",
    R"(IPv6: ADDRCONF(NETDEV_UP): eth0: link is not ready)",
    R"(IPv6: ADDRCONF(NETDEV_CHANGE): cali{h11}: link becomes ready)",
    R"(EXT4-fs (sda1): mounted filesystem with ordered data mode. Opts: (null))",
    R"(EXT4-fs (nvme0n1p1): re-mounted. Opts: errors=remount-ro,commit=30)",
    R"(EXT4-fs ({disk}): mounted filesystem {uuid} r/w with ordered data mode. Quota mode: none.)",
    R"(EXT4-fs (dm-{n}): warning: mounting fs with errors, running e2fsck is recommended)",
    R"(eth0: renamed from {veth})",
    R"({veth}: renamed from eth0)",
    R"(usb 1-1: new high-speed USB device number {n} using xhci_hcd)",
    R"(usb 1-1: New USB device found, idVendor=0781, idProduct=5583, bcdDevice= 1.00)",
    R"(usb 1-1: New USB device strings: Mfr=1, Product=2, SerialNumber=3)",
    R"(usb 2-1.4: USB disconnect, device number {n})",
    R"(usb-storage 1-1:1.0: USB Mass Storage device detected)",
    R"(systemd-journald[{pid}]: Data hash table of /var/log/journal/{h32}/system.journal has a fill level at 75.0 ({n4} of 11377 items, 6553600 file size, 767 bytes per hash table item), suggesting rotation.)",
    R"(systemd-journald[{pid}]: /var/log/journal/{h32}/system.journal: Journal header limits reached or header out-of-date, rotating.)",
    R"(systemd-journald[{pid}]: Missed {n} kernel messages)",
    R"(TCP: request_sock_TCP: Possible SYN flooding on port {port}. Sending cookies.  Check SNMP counters.)",
    R"(TCP: eth0: Driver has suspect GRO implementation, TCP performance may be compromised.)",
    R"(docker0: port {n}({veth}) entered blocking state)",
    R"(docker0: port {n}({veth}) entered disabled state)",
    R"(docker0: port {n}({veth}) entered forwarding state)",
    R"(device {veth} entered promiscuous mode)",
    R"(device {veth} left promiscuous mode)",
    R"(cni0: port {n}({veth}) entered forwarding state)",
    R"(br-{h12}: port {n}({veth}) entered blocking state)",
    R"(overlayfs: upperdir is in-use as upperdir/workdir of another mount, accessing files from both mounts will result in undefined behavior.)",
    R"(nf_conntrack: nf_conntrack: table full, dropping packet)",
    R"([UFW BLOCK] IN=eth0 OUT= MAC={mac} SRC={ip} DST={ip} LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID={n4} PROTO=TCP SPT={port} DPT={port} WINDOW=1024 RES=0x00 SYN URGP=0 )",
    R"(xfs filesystem being remounted at /var/lib/kubelet/pods/{uuid}/volume-subpaths supports timestamps until 2038 (0x7fffffff))",
    R"(kauditd_printk_skb: {n} callbacks suppressed)",
    R"(perf: interrupt took too long ({n4} > 2500), lowering kernel.perf_event_max_sample_rate to 79500)",
    R"({rcomm}[{pid}]: segfault at 0 ip 00007f{h10} sp 00007ffd{h8} error 4 in libc.so.6[7f{h10}+195000] likely on CPU {rcpu} (core 0, socket 0))",
    R"(Buffer I/O error on dev sdb1, logical block {n4}{n}, async page read)",
    R"(blk_update_request: I/O error, dev sdb, sector {n4}{n} op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 0)",
    R"(nfs: server nfs01.internal not responding, still trying)",
    R"(nfs: server nfs01.internal OK)",
    R"(e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx)",
    R"(bond0: (slave eth1): link status definitely up, 10000 Mbps full duplex)",
    R"(IPVS: rr: TCP 10.96.0.1:443 - no destination available)",
    R"(sd 0:0:0:0: [sda] Synchronizing SCSI cache)",
    R"(loop{n}: detected capacity change from 0 to {n4}{n})",
    R"(SELinux:  Context system_u:object_r:container_file_t:s0:c{n},c{n} is not valid (left unmapped).)",
    R"(net_ratelimit: {n} callbacks suppressed)",
    R"(hv_balloon: Unhandled message: type: {n4})",
    R"(process '{rcomm}' launched '/usr/bin/env' with NULL argv: empty string added)",
    R"(Bluetooth: hci0: Opcode 0x{h4} failed: -110)",
    R"(ata1.00: configured for UDMA/133)",
    R"(mlx5_core 0000:3b:00.0 ens1f0np0: Link up)",
    R"(!systemd[1]: Started Session {n} of User root.)",
    R"(!systemd[1]: Started cri-containerd-{h64}.scope - libcontainer container {h64}.)",
    R"(!systemd[1]: run-containerd-runc-k8s.io-{h64}-runc.{h6}.mount: Deactivated successfully.)",
    R"(!containerd[{pid}]: time="2026-11-21T10:00:00.000000000Z" level=info msg="shim disconnected" id={h64} namespace=k8s.io)",
    R"(!kubelet[{pid}]: I1121 10:00:00.000000    {pid} kubelet_pods.go:1090] "Clean up pod workers for terminated pods")",
    R"(!kubelet[{pid}]: E1121 10:00:00.000000    {pid} pod_workers.go:1300] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"app\" with CrashLoopBackOff" pod="default/web-{h10}-{h5}" podUID={poduid})",
    R"(!sshd[{pid}]: Accepted publickey for ops from {ip} port {port} ssh2: ED25519 SHA256:{h32})",
    R"(!CRON[{pid}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1))",
    R"(!dockerd[{pid}]: time="2026-11-21T10:00:00.000000000Z" level=info msg="ignoring event" container={h64} module=libcontainerd namespace=moby topic=/tasks/delete type="*events.TaskDelete")",
};

constexpr const char* kRandComms[] = {
    "runc", "containerd-shim", "java", "python3", "node", "nginx", "chrome", "firefox", "bash",
    "dockerd", "kubelet", "snapd", "postgres", "Web Content", "php-fpm", "gnome-shell", "envoy"};

// ---------------------------------------------------------------------------------------------
// Prefix styles.

enum Style : uint8_t { kDmesg, kDmesgT, kSyslog, kJournal, kIso, kKmsg, kStyleCount };
constexpr std::string_view kStyleNames[kStyleCount] = {"dmesg", "dmesg-T", "syslog", "journal",
                                                       "iso", "kmsg"};
// Styles that name a host (aggregated syslog / journalctl): only they interleave hosts.
bool has_host(Style s) { return s == kSyslog || s == kJournal || s == kIso; }

// ---------------------------------------------------------------------------------------------
// Task tables.

enum class TableFormat {
  k32,   // <= 3.5: cpu oom_adj oom_score_adj (023)
  k36,   // 3.6: nr_ptes swapents (019)
  k40,   // 4.0-4.14: nr_ptes nr_pmds (005)
  k419,  // 4.19+: pgtables_bytes, %7d pids (001, 016, 027)
  k6x,   // 6.x: rss_anon rss_file rss_shmem (036)
};

struct Task {
  uint64_t pid = 0;
  int64_t uid = 0;
  uint64_t total_vm = 0, rss = 0, rss_anon = 0, rss_file = 0, rss_shmem = 0;
  uint64_t pgtables_bytes = 0, swapents = 0;
  int cpu = 0;
  int64_t adj = 0;
  std::string_view name;
};

void append_row(std::string& out, TableFormat f, const Task& t) {
  out.push_back('[');
  append_padded(out, static_cast<int64_t>(t.pid), f == TableFormat::k419 || f == TableFormat::k6x ? 7 : 5);
  out.append("] ");
  append_padded(out, t.uid, 5);
  out.push_back(' ');
  append_padded(out, static_cast<int64_t>(t.pid), 5);
  out.push_back(' ');
  append_padded(out, static_cast<int64_t>(t.total_vm), 8);
  out.push_back(' ');
  append_padded(out, static_cast<int64_t>(t.rss), 8);
  const int64_t ptes = static_cast<int64_t>(t.pgtables_bytes / 4096);
  switch (f) {
    case TableFormat::k32:  // "%3u     %3d         %5d %s"
      out.push_back(' ');
      append_padded(out, t.cpu, 3);
      out.append("     ");
      append_padded(out, t.adj == -1000 ? -17 : 0, 3);
      out.append("         ");
      append_padded(out, t.adj, 5);
      break;
    case TableFormat::k36:  // "%7lu %8lu         %5hd %s"
      out.push_back(' ');
      append_padded(out, ptes, 7);
      out.push_back(' ');
      append_padded(out, static_cast<int64_t>(t.swapents), 8);
      out.append("         ");
      append_padded(out, t.adj, 5);
      break;
    case TableFormat::k40:  // "%7ld %7ld %8lu         %5hd %s"
      out.push_back(' ');
      append_padded(out, ptes, 7);
      out.push_back(' ');
      append_padded(out, ptes / 512 + 2, 7);
      out.push_back(' ');
      append_padded(out, static_cast<int64_t>(t.swapents), 8);
      out.append("         ");
      append_padded(out, t.adj, 5);
      break;
    case TableFormat::k419:  // "%8ld %8lu         %5hd %s"
    case TableFormat::k6x:   // "%8lu %8lu %9lu %8ld %8lu         %5hd %s"
      if (f == TableFormat::k6x) {
        out.push_back(' ');
        append_padded(out, static_cast<int64_t>(t.rss_anon), 8);
        out.push_back(' ');
        append_padded(out, static_cast<int64_t>(t.rss_file), 8);
        out.push_back(' ');
        append_padded(out, static_cast<int64_t>(t.rss_shmem), 9);
      }
      out.push_back(' ');
      append_padded(out, static_cast<int64_t>(t.pgtables_bytes), 8);
      out.push_back(' ');
      append_padded(out, static_cast<int64_t>(t.swapents), 8);
      out.append("         ");
      append_padded(out, t.adj, 5);
      break;
  }
  out.push_back(' ');
  out.append(t.name);
}

// Processes seen in the real tables: {name, uid, oom_score_adj, total_vm pages, rss pages}.
struct Proc {
  const char* name;
  int uid;
  int adj;
  uint64_t vm, rss;
};
constexpr Proc kHostProcs[] = {
    {"systemd-journal", 0, -250, 22862, 2021}, {"lvmetad", 0, 0, 68627, 877},
    {"systemd-udevd", 0, -1000, 11123, 585}, {"auditd", 0, -1000, 13863, 222},
    {"polkitd", 999, 0, 134054, 3017}, {"smartd", 0, 0, 6096, 593}, {"rngd", 0, 0, 1618, 161},
    {"ModemManager", 0, 0, 106488, 1368}, {"systemd-logind", 0, 0, 6051, 424},
    {"avahi-daemon", 70, 0, 7549, 435}, {"rsyslogd", 0, 0, 53030, 1512},
    {"irqbalance", 0, 0, 5402, 314}, {"dbus-daemon", 81, -900, 6696, 531},
    {"gssproxy", 0, 0, 50314, 315}, {"NetworkManager", 0, 0, 156024, 2525},
    {"abrtd", 0, 0, 54782, 1366}, {"chronyd", 994, 0, 28910, 444}, {"crond", 0, 0, 31558, 398},
    {"atd", 0, 0, 6464, 234}, {"agetty", 0, 0, 27511, 210}, {"sshd", 0, -1000, 26499, 1021},
    {"tuned", 0, 0, 140581, 4162}, {"dockerd-current", 0, -500, 239560, 8517},
    {"docker-containe", 0, -500, 167866, 3111}, {"libvirtd", 0, 0, 153098, 3424},
    {"dnsmasq", 99, 0, 3901, 232}, {"dhclient", 0, 0, 28344, 3981}, {"bash", 0, 0, 29201, 889},
    {"tmux", 0, 0, 5609, 475}, {"sleep", 0, 0, 26976, 153}, {"Xorg", 0, 0, 585290, 23858},
    {"kwin_x11", 1000, 0, 714839, 13806}, {"plasmashell", 1000, 0, 795205, 34461},
    {"pipewire", 1000, 0, 26679, 664}, {"fish", 1000, 0, 42211, 401}, {"htop", 1000, 0, 2590, 733},
    {"ccache", 1000, 0, 2105, 135}, {"ninja", 1000, 0, 6686, 5087}, {"rpcbind", 0, 0, 4731, 63},
    {"rpc.statd", 102, 0, 5825, 110}, {"udevd", 0, -1000, 5295, 38}, {"getty", 0, 0, 1530, 25},
    {"pmcd", 0, 0, 4841, 90}, {"cron", 0, 0, 5090, 58}, {"winbindd", 0, 0, 17516, 189},
    {"kubelet", 0, -999, 1412345, 28012}, {"containerd", 0, -999, 1354012, 12044},
    {"node_exporter", 65534, 0, 181234, 4021}, {"systemd-resolve", 978, 0, 4809, 460}};
// Processes that grow until the OOM killer picks them.
constexpr Proc kHogs[] = {
    {"java", 1000, 0, 2438176, 0}, {"mysqld", 27, 0, 1520112, 0}, {"postgres", 26, 0, 612345, 0},
    {"python3", 1000, 0, 812000, 0}, {"clang++", 1000, 0, 100429, 0},
    {"baloo_file", 1000, 0, 67256497, 0}, {"llvm-tblgen", 1000, 0, 69690, 0},
    {"node", 1000, 0, 2846123, 0}, {"mongod", 999, 0, 1874012, 0}, {"cc1plus", 1000, 0, 401234, 0},
    {"xfs_db", 0, 0, 10031496, 0}, {"chrome", 1000, 300, 8912345, 0},
    {"Web Content", 1000, 167, 3012345, 0}, {"ruby", 1000, 0, 712345, 0}};
// Processes of one container or pod.
constexpr Proc kPodProcs[] = {
    {"pause", 65535, 0, 243, 1}, {"nginx", 101, 0, 2963, 718}, {"bash", 0, 0, 1047, 883},
    {"sh", 0, 0, 1073, 178}, {"sleep", 0, 0, 621, 229}, {"tini", 0, 0, 620, 12},
    {"envoy", 1337, 0, 560123, 9123}, {"pilot-agent", 1337, 0, 190123, 8123},
    {"dumb-init", 0, 0, 550, 40}, {"s6-supervise", 0, 0, 53, 1}};
constexpr Proc kPodHogs[] = {
    {"java", 1000, 0, 609544, 0}, {"python3", 0, 0, 18790, 0}, {"stress-ng-vm", 0, 0, 74798, 0},
    {"node", 1000, 0, 312345, 0}, {"ruby", 1000, 0, 212345, 0}, {"gunicorn", 1000, 0, 112345, 0},
    {"main", 0, 0, 178320, 0}, {"app", 1000, 0, 298765, 0}, {"prometheus", 65534, 0, 912345, 0},
    {"redis-server", 999, 0, 412345, 0}, {"dotnet", 1000, 0, 5123456, 0},
    {"php-fpm", 33, 0, 112345, 0}};
// A KubeVirt virt-launcher pod (016).
constexpr Proc kVirtProcs[] = {
    {"virt-launcher-m", 107, 0, 440598, 3054}, {"virt-launcher", 107, 0, 760671, 13694},
    {"virtqemud", 107, 0, 350756, 8288}, {"virtlogd", 107, 0, 36762, 4696}, {"sh", 107, 0, 1741, 1067}};
constexpr Proc kVirtHogs[] = {
    {"qemu-system-x86", 107, 0, 705165, 0}, {"qemu-system-x86", 107, 0, 905165, 0},
    {"memhold", 107, 0, 103431, 0}};

// ---------------------------------------------------------------------------------------------
// Shapes.

enum class Kind { kMemcgK8s, kMemcgKubevirt, kMemcgDocker, kMemcgLocal, kGlobal, kSysrq };

struct Shape {
  const char* name;
  const char* tmpl;
  TableFormat table;
  Kind kind;
  int min_rows, max_rows;
  int weight;
  std::vector<TemplateLine> lines;  // parsed once
};

std::vector<Shape> make_shapes() {
  using oomscope::bench::kShapeDocker413;
  std::vector<Shape> s = {
      {"v2-5.15", oomscope::bench::kShapeV2_515, TableFormat::k419, Kind::kMemcgK8s, 2, 12, 25, {}},
      {"v1-6.18", oomscope::bench::kShapeV1_618, TableFormat::k6x, Kind::kMemcgLocal, 1, 6, 20, {}},
      {"memcg-5.14", oomscope::bench::kShapeMemcg514, TableFormat::k419, Kind::kMemcgKubevirt, 4, 9, 15, {}},
      {"global-5.13", oomscope::bench::kShapeGlobal513, TableFormat::k419, Kind::kGlobal, 20, 60, 15, {}},
      {"docker-4.13", kShapeDocker413, TableFormat::k40, Kind::kMemcgDocker, 1, 5, 10, {}},
      {"sysrq-3.10", oomscope::bench::kShapeSysrq310, TableFormat::k36, Kind::kSysrq, 30, 60, 8, {}},
      {"global-3.2", oomscope::bench::kShapeGlobal32, TableFormat::k32, Kind::kGlobal, 20, 40, 7, {}},
  };
  for (auto& sh : s) sh.lines = parse_template(sh.tmpl);
  return s;
}

// One printk record (text may hold '\n': a multi-line record) or a userspace line.
struct Rec {
  std::string text;
  uint32_t dt_us = 0;  // time since the previous record
  uint8_t level = 6;
  bool user = false;   // userspace line (systemd...): only in syslog-like styles
  bool gap = false;    // noise lines may come before it
};

struct Event {
  std::vector<Rec> recs;
  uint64_t victim_pid = 0;
  const Shape* shape = nullptr;
  int host = 0;
  // What a reader of the report must find (the .truth file's fact columns).
  std::string victim_comm, trigger_comm, oom_memcg;  // oom_memcg empty: a global OOM
  uint64_t anon_rss_kb = 0;
  size_t task_rows = 0;
};

uint64_t near(Rng& rng, uint64_t v) {
  if (v == 0) return 0;
  uint64_t lo = v / 2, hi = v + v / 2;
  return lo + rng.below(hi - lo + 1);
}

// EventMaker: turns a shape into the records of one event with fresh facts.
class EventMaker {
 public:
  explicit EventMaker(Rng& rng) : rng_(rng) {}

  Event make(const Shape& shape, int host) {
    Event ev;
    ev.shape = &shape;
    ev.host = host;
    build_tasks(shape);
    ev.victim_pid = tasks_[victim_].pid;
    ev.victim_comm = facts_[kVcomm];
    ev.trigger_comm = facts_[kComm];
    ev.anon_rss_kb = tasks_[victim_].rss_anon * 4;
    ev.task_rows = tasks_.size();
    if (shape.kind != Kind::kGlobal && shape.kind != Kind::kSysrq) ev.oom_memcg = facts_[kMemcg];
    for (const auto& tl : shape.lines) {
      switch (tl.kind) {
        case TemplateLine::kTable:
          for (const auto& t : tasks_) {
            Rec r;
            r.dt_us = static_cast<uint32_t>(rng_.range(1, 4));
            append_row(r.text, shape.table, t);
            ev.recs.push_back(std::move(r));
          }
          break;
        case TemplateLine::kGap:
          gap_next_ = true;
          break;
        case TemplateLine::kCont:
          if (!ev.recs.empty()) {
            ev.recs.back().text.push_back('\n');
            render(tl.segs, ev.recs.back().text);
          }
          break;
        case TemplateLine::kRecord:
        case TemplateLine::kUser: {
          Rec r;
          r.level = tl.level;
          r.user = tl.kind == TemplateLine::kUser;
          r.gap = gap_next_;
          r.dt_us = static_cast<uint32_t>(gap_next_ ? rng_.range(5000, 120000)
                                          : r.level == 3 ? rng_.range(100, 3000)
                                                         : rng_.range(1, 30));
          gap_next_ = false;
          render(tl.segs, r.text);
          ev.recs.push_back(std::move(r));
          break;
        }
      }
    }
    return ev;
  }

  // render(): expands placeholders; shared with the noise lines (`now_s` for audit stamps).
  void render(const std::vector<Segment>& segs, std::string& out, uint64_t now_us = 0) {
    for (const auto& s : segs) {
      switch (s.kind) {
        case Segment::kLit: out.append(s.lit); break;
        case Segment::kNear: append_u64(out, near(rng_, s.num)); break;
        case Segment::kHex: append_hex(out, rng_, static_cast<int>(s.num)); break;
        case Segment::kVar:
          if (s.var < kFactCount) {
            out.append(facts_[s.var]);
          } else {
            random_var(s.var, out, now_us);
          }
          break;
      }
    }
  }

 private:
  void random_var(Var v, std::string& out, uint64_t now_us) {
    switch (v) {
      case kRandPid: append_u64(out, rng_.range(300, 4194000)); break;
      case kRandN: append_u64(out, rng_.range(1, 999)); break;
      case kRandN4: append_u64(out, rng_.range(1000, 9999)); break;
      case kRandComm: out.append(rng_.pick(kRandComms)); break;
      case kVeth: out.append("veth"); append_hex(out, rng_, 7); break;
      case kIp:
        append_u64(out, rng_.range(1, 223)); out.push_back('.');
        append_u64(out, rng_.below(256)); out.push_back('.');
        append_u64(out, rng_.below(256)); out.push_back('.');
        append_u64(out, rng_.range(1, 254));
        break;
      case kPort: append_u64(out, rng_.range(1, 65535)); break;
      case kMac:
        for (int i = 0; i < 14; ++i) {
          if (i) out.push_back(':');
          append_hex(out, rng_, 2);
        }
        break;
      case kUuid:
        append_hex(out, rng_, 8); out.push_back('-'); append_hex(out, rng_, 4); out.push_back('-');
        append_hex(out, rng_, 4); out.push_back('-'); append_hex(out, rng_, 4); out.push_back('-');
        append_hex(out, rng_, 12);
        break;
      case kPodUid:
        append_hex(out, rng_, 8); out.push_back('_'); append_hex(out, rng_, 4); out.push_back('_');
        append_hex(out, rng_, 4); out.push_back('_'); append_hex(out, rng_, 4); out.push_back('_');
        append_hex(out, rng_, 12);
        break;
      case kDisk: out.append(rng_.chance(0.5) ? "dm-" : "loop"); append_u64(out, rng_.below(32)); break;
      case kAuditTs:
        append_u64(out, now_us / 1000000); out.push_back('.');
        append_padded(out, static_cast<int64_t>(now_us / 1000 % 1000), 3);
        // audit prints %03u: zero-pad what append_padded space-padded
        for (size_t i = out.size() - 3; i < out.size(); ++i) if (out[i] == ' ') out[i] = '0';
        break;
      case kRandCpu: append_u64(out, rng_.below(16)); break;
      default: break;
    }
  }

  std::string hex(int digits) {
    std::string s;
    append_hex(s, rng_, digits);
    return s;
  }

  Task task_from(const Proc& p, uint64_t pid) {
    Task t;
    t.pid = pid;
    t.uid = p.uid;
    t.adj = p.adj;
    t.name = p.name;
    t.total_vm = near(rng_, p.vm) + 1;
    t.rss = std::min(t.total_vm, near(rng_, p.rss) + 1);
    return t;
  }

  void finish_task(Task& t) {
    t.rss_anon = t.rss * 9 / 10;
    t.rss_file = t.rss - t.rss_anon;
    t.rss_shmem = 0;
    t.pgtables_bytes = (t.total_vm / 512 + rng_.range(6, 40)) * 4096;
  }

  void build_tasks(const Shape& shape) {
    tasks_.clear();
    next_victim_pid_ += rng_.range(1, 40);
    const uint64_t vpid = next_victim_pid_;
    const int rows = static_cast<int>(rng_.range(shape.min_rows, shape.max_rows));
    const bool memcg = shape.kind != Kind::kGlobal && shape.kind != Kind::kSysrq;
    int64_t pod_adj = 0;
    uint64_t lim_kb = 0;
    if (memcg) {
      static constexpr uint64_t kLimitsMiB[] = {20, 64, 100, 128, 256, 512, 1024, 2048, 4096};
      lim_kb = rng_.pick(kLimitsMiB) * 1024;
      static constexpr int64_t kPodAdj[] = {-997, 988, 934, 1000, 999, 0};
      pod_adj = rng_.pick(kPodAdj);
    }
    // Rows other than the victim: distinct pids around the victim's (tasks are listed in pid
    // order, so the victim lands anywhere in the table).
    std::vector<uint64_t> pids;
    const uint64_t lo = vpid > 5300 ? vpid - 5000 : 300;
    for (int i = 1; i < rows; ++i) {
      uint64_t pid = rng_.range(lo, vpid + (memcg ? 50 : 5000));
      if (pid != vpid) pids.push_back(pid);
    }
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    for (uint64_t pid : pids) {
      const Proc& p = shape.kind == Kind::kMemcgKubevirt ? rng_.pick(kVirtProcs)
                      : memcg                             ? rng_.pick(kPodProcs)
                                                          : rng_.pick(kHostProcs);
      Task t = task_from(p, pid);
      if (memcg) {
        t.adj = p.name == std::string_view("pause") ? -998 : pod_adj;  // kubelet pins the sandbox
        t.rss = std::min(t.rss, lim_kb / 4 / 10 / rows + 1);  // the hog holds most of the limit
      }
      finish_task(t);
      tasks_.push_back(t);
    }
    // The victim: the process that grew.
    const Proc& hog = shape.kind == Kind::kMemcgKubevirt ? rng_.pick(kVirtHogs)
                      : memcg                             ? rng_.pick(kPodHogs)
                                                          : rng_.pick(kHogs);
    Task v = task_from(hog, vpid);
    if (memcg) {
      v.adj = pod_adj;
      uint64_t others = 0;
      for (const auto& t : tasks_) others += t.rss;
      const uint64_t lim_pages = lim_kb / 4;
      v.rss = std::max<uint64_t>(lim_pages * rng_.range(80, 96) / 100, others + 16) - others;
    } else {
      v.rss = rng_.range(200000, 4000000);
    }
    v.total_vm = std::max(v.total_vm, v.rss + rng_.range(1000, 200000));
    finish_task(v);
    tasks_.push_back(v);
    std::sort(tasks_.begin(), tasks_.end(), [](const Task& a, const Task& b) { return a.pid < b.pid; });
    for (size_t i = 0; i < tasks_.size(); ++i) if (tasks_[i].pid == vpid) victim_ = i;
    set_facts(shape, v, lim_kb);
  }

  void set_facts(const Shape& shape, const Task& v, uint64_t lim_kb) {
    for (auto& f : facts_) f.clear();
    // The allocating task: the victim itself, another task of the table, or a kworker (sysrq).
    const Task* trig = &v;
    if (rng_.chance(0.3)) trig = &tasks_[rng_.below(tasks_.size())];
    if (shape.kind == Kind::kSysrq) {
      facts_[kComm] = "kworker/" + std::to_string(rng_.below(8)) + ":" + std::to_string(rng_.range(0, 3));
      facts_[kTpid] = std::to_string(rng_.range(100, 30000));
      facts_[kTuid] = "0";
      facts_[kAdj] = "0";
    } else if (shape.kind == Kind::kMemcgKubevirt && rng_.chance(0.6)) {
      facts_[kComm] = "CPU " + std::to_string(rng_.below(4)) + "/KVM";  // a vCPU thread (016)
      facts_[kTpid] = std::to_string(v.pid + rng_.range(1, 30));
      facts_[kTuid] = "107";
      facts_[kAdj] = std::to_string(v.adj);
    } else {
      facts_[kComm] = std::string(trig->name);
      facts_[kTpid] = std::to_string(trig->pid);
      facts_[kTuid] = std::to_string(trig->uid);
      facts_[kAdj] = std::to_string(trig->adj);
    }
    facts_[kCpu] = std::to_string(rng_.below(16));
    facts_[kVpid] = std::to_string(v.pid);
    facts_[kVcomm] = std::string(v.name);
    facts_[kVuid] = std::to_string(v.uid);
    facts_[kVadj] = std::to_string(v.adj);
    facts_[kScore] = std::to_string(rng_.range(1, shape.kind == Kind::kMemcgDocker ? 2600 : 999));
    const uint64_t anon_kb = v.rss_anon * 4, file_kb = v.rss_file * 4, shmem_kb = v.rss_shmem * 4;
    facts_[kTotalVmKb] = std::to_string(v.total_vm * 4);
    facts_[kAnonKb] = std::to_string(anon_kb);
    facts_[kFileKb] = std::to_string(file_kb);
    facts_[kShmemKb] = std::to_string(shmem_kb);
    facts_[kPgtKb] = std::to_string(v.pgtables_bytes / 1024);
    facts_[kLim] = std::to_string(lim_kb);
    facts_[kLimB] = std::to_string(lim_kb * 1024);
    facts_[kUsage] = std::to_string(lim_kb);
    facts_[kFailcnt] = std::to_string(rng_.range(1, 50000));
    facts_[kAnonB] = std::to_string(lim_kb * 1024 / 100 * rng_.range(90, 97));
    facts_[kFileB] = std::to_string(lim_kb * 1024 / 100 * rng_.range(1, 5));
    const std::string cid = hex(64);
    facts_[kCid] = cid;
    switch (shape.kind) {
      case Kind::kMemcgK8s: {  // systemd driver, cgroup v2: oom_memcg is the pod slice
        static constexpr const char* kQos[] = {"burstable", "besteffort"};
        const std::string qos = rng_.pick(kQos);
        const std::string pod = "/kubepods.slice/kubepods-" + qos + ".slice/kubepods-" + qos + "-pod" +
                                hex(8) + "_" + hex(4) + "_" + hex(4) + "_" + hex(4) + "_" + hex(12) + ".slice";
        facts_[kCpuset] = "cri-containerd-" + cid + ".scope";
        facts_[kTaskMemcg] = pod + "/" + facts_[kCpuset];
        facts_[kMemcg] = rng_.chance(0.7) ? pod : facts_[kTaskMemcg];
        break;
      }
      case Kind::kMemcgKubevirt: {
        const std::string pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + hex(8) +
                                "_" + hex(4) + "_" + hex(4) + "_" + hex(4) + "_" + hex(12) + ".slice";
        facts_[kCpuset] = "cri-containerd-" + cid + ".scope";
        facts_[kTaskMemcg] = pod + "/" + facts_[kCpuset];
        facts_[kMemcg] = facts_[kTaskMemcg];
        break;
      }
      case Kind::kMemcgDocker:
        facts_[kCpuset] = cid;
        facts_[kMemcg] = facts_[kTaskMemcg] = rng_.chance(0.5) ? "/docker/" + cid : "/system.slice/docker-" + cid + ".scope";
        break;
      case Kind::kMemcgLocal:
        if (rng_.chance(0.5)) {
          facts_[kMemcg] = "/process_api/" + hex(32) + "/oom-demo";
        } else {
          static constexpr const char* kQos[] = {"burstable/", "besteffort/", ""};
          facts_[kMemcg] = std::string("/kubepods/") + rng_.pick(kQos) + "pod" + hex(8) + "-" + hex(4) + "-" +
                           hex(4) + "-" + hex(4) + "-" + hex(12) + "/" + cid;
        }
        facts_[kTaskMemcg] = facts_[kMemcg];
        facts_[kCpuset] = "/";
        break;
      case Kind::kGlobal:
      case Kind::kSysrq: {
        static constexpr const char* kSlices[] = {"/user.slice/user-1000.slice/session-2.scope",
                                                  "/system.slice/mysqld.service", "/system.slice/docker.service",
                                                  "/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.kde.konsole-1041.scope",
                                                  "/system.slice/postgresql@15-main.service", "/"};
        facts_[kTaskMemcg] = rng_.pick(kSlices);
        facts_[kCpuset] = "/";
        break;
      }
    }
  }

  Rng& rng_;
  std::vector<Task> tasks_;
  size_t victim_ = 0;
  uint64_t next_victim_pid_ = 1000;
  bool gap_next_ = false;
  std::string facts_[kFactCount];
};

// ---------------------------------------------------------------------------------------------
// Output: prefixes, hosts, clocks.

struct Host {
  std::string name;
  uint64_t boot_us = 0;  // wall clock (UTC, us) at boot: dmesg seconds = now - boot
  uint64_t kmsg_seq = 0;
};

struct Truth {
  uint64_t victim_pid;
  const char* shape;
  std::string victim_comm, trigger_comm, oom_memcg;
  uint64_t anon_rss_kb;
  size_t task_rows;
  Style style;
  int host;  // -1: a style without host
  uint64_t line, offset, end_offset;
};

// encode(): a truth-file token: '%' and blanks percent-encoded (comms such as "CPU 1/KVM").
std::string encode(std::string_view s) {
  if (s.empty()) return "-";
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == ' ') out += "%20";
    else if (c == '\t') out += "%09";
    else out += c;
  }
  return out;
}

class Writer {
 public:
  Writer(FILE* f, std::vector<Host> hosts, uint64_t start_us)
      : f_(f), hosts_(std::move(hosts)), now_us_(start_us) {
    buf_.reserve(kFlushAt + (1 << 20));
  }

  uint64_t offset() const { return flushed_ + buf_.size(); }
  uint64_t lines() const { return lines_; }
  uint64_t now_us() const { return now_us_; }
  size_t host_count() const { return hosts_.size(); }
  const Host& host(int i) const { return hosts_[i]; }

  // record(): one printk record (or userspace line) of `host`, `dt_us` after the previous one.
  void record(Style style, int host, uint32_t dt_us, uint8_t level, bool user, std::string_view text) {
    now_us_ += dt_us;
    Host& h = hosts_[host];
    const uint64_t mono = now_us_ - h.boot_us;
    size_t start = 0;
    bool first = true;
    while (true) {
      size_t nl = text.find('\n', start);
      std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
      if (style == kKmsg) {
        if (first) {
          append_u64(buf_, level);
          buf_.push_back(',');
          append_u64(buf_, h.kmsg_seq++);
          buf_.push_back(',');
          append_u64(buf_, mono);
          buf_.append(",-;");
        } else {
          buf_.append("\\x0a");  // /dev/kmsg escapes the record's newlines
        }
        buf_.append(line);
      } else {
        if (first || style == kSyslog) {
          const size_t before = buf_.size();
          prefix(style, h, mono, user);
          prefix_len_ = buf_.size() - before;
        } else if (style == kJournal || style == kIso) {
          buf_.append(prefix_len_, ' ');  // journalctl indents a record's continuation lines
        }
        buf_.append(line);  // dmesg prints the continuation lines bare
        buf_.push_back('\n');
        ++lines_;
      }
      if (nl == std::string_view::npos) break;
      start = nl + 1;
      first = false;
    }
    if (style == kKmsg) {
      buf_.push_back('\n');
      ++lines_;
    }
    if (buf_.size() >= kFlushAt) flush();
  }

  bool flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) return false;
    flushed_ += buf_.size();
    buf_.clear();
    return true;
  }

 private:
  static constexpr size_t kFlushAt = 4 << 20;

  void prefix(Style style, const Host& h, uint64_t mono, bool user) {
    const std::string_view tag = user ? std::string_view() : "kernel: ";
    switch (style) {
      case kDmesg:
        mono_stamp(mono);
        buf_.push_back(' ');
        break;
      case kDmesgT:  // [Sat Nov 21 10:00:00 2026]
        buf_.push_back('[');
        buf_.append(wall(kDmesgT));
        buf_.append("] ");
        break;
      case kSyslog:  // Nov 21 10:00:00 host kernel: [  123.456789]
        buf_.append(wall(kSyslog));
        buf_.push_back(' ');
        buf_.append(h.name);
        buf_.push_back(' ');
        buf_.append(tag);
        if (!user) {
          mono_stamp(mono);
          buf_.push_back(' ');
        }
        break;
      case kJournal:  // Nov 21 10:00:00 host kernel:
      case kIso:      // 2026-11-21T10:00:00.123456+00:00 host kernel:
        buf_.append(wall(style));
        if (style == kIso) {
          buf_.push_back('.');
          const size_t at = buf_.size();
          append_padded(buf_, static_cast<int64_t>(now_us_ % 1000000), 6);
          for (size_t i = at; i < buf_.size(); ++i) if (buf_[i] == ' ') buf_[i] = '0';
          buf_.append("+00:00");
        }
        buf_.push_back(' ');
        buf_.append(h.name);
        buf_.push_back(' ');
        buf_.append(tag);
        break;
      default:
        break;
    }
  }

  // "[%5lu.%06lu]"
  void mono_stamp(uint64_t mono) {
    buf_.push_back('[');
    append_padded(buf_, static_cast<int64_t>(mono / 1000000), 5);
    buf_.push_back('.');
    const size_t at = buf_.size();
    append_padded(buf_, static_cast<int64_t>(mono % 1000000), 6);
    for (size_t i = at; i < buf_.size(); ++i) if (buf_[i] == ' ') buf_[i] = '0';
    buf_.push_back(']');
  }

  // wall(): the wall-clock text of now for a style, formatted once per second.
  std::string_view wall(Style style) {
    const time_t sec = static_cast<time_t>(now_us_ / 1000000);
    Cache& c = cache_[style];
    if (c.sec != sec || c.text.empty()) {
      struct tm tm;
      gmtime_r(&sec, &tm);
      char b[64];
      const char* fmt = style == kDmesgT  ? "%a %b %e %H:%M:%S %Y"
                        : style == kSyslog ? "%b %e %H:%M:%S"   // rsyslog: "Nov  1"
                        : style == kJournal ? "%b %d %H:%M:%S"  // journalctl: "Nov 01"
                                            : "%Y-%m-%dT%H:%M:%S";
      size_t n = std::strftime(b, sizeof b, fmt, &tm);
      c.sec = sec;
      c.text.assign(b, n);
    }
    return c.text;
  }

  struct Cache {
    time_t sec = -1;
    std::string text;
  };

  FILE* f_;
  std::vector<Host> hosts_;
  uint64_t now_us_;
  std::string buf_;
  uint64_t flushed_ = 0, lines_ = 0;
  size_t prefix_len_ = 0;
  Cache cache_[kStyleCount];
};

// ---------------------------------------------------------------------------------------------

struct Options {
  std::string out;
  uint64_t size_mb = 0;
  uint64_t every = 1 << 20;
  std::vector<Style> styles;
  std::string styles_arg = "dmesg";
  int hosts = 1;
  uint64_t seed = 1;
};

void usage(FILE* f) {
  std::fputs(
      "Usage: gen_kernel_log -o PATH --size-mb N [--event-every BYTES] [--prefix STYLE[,STYLE...]]\n"
      "                      [--hosts N] [--seed N]\n"
      "Writes a kernel log of at least N MiB with one OOM event per BYTES on average (default\n"
      "1048576) and PATH.truth (event count, victim pids, where each event is).\n"
      "STYLE: dmesg, dmesg-T, syslog, journal, iso, kmsg, or mixed (all of them; a style per\n"
      "block of noise + event). --hosts interleaves N hosts in the styles that name one\n"
      "(syslog, journal, iso). Same arguments, same bytes.\n",
      f);
}

bool parse_u64(const char* s, uint64_t& v) {
  const char* end = s + std::strlen(s);
  return *s && std::from_chars(s, end, v).ptr == end;
}

bool parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    uint64_t n = 0;
    if (a == "-o") {
      o.out = v;
    } else if (a == "--size-mb" && parse_u64(v, n) && n > 0) {
      o.size_mb = n;
    } else if (a == "--event-every" && parse_u64(v, n) && n >= 1024) {
      o.every = n;
    } else if (a == "--hosts" && parse_u64(v, n) && n >= 1 && n <= 64) {
      o.hosts = static_cast<int>(n);
    } else if (a == "--seed" && parse_u64(v, n)) {
      o.seed = n;
    } else if (a == "--prefix") {
      o.styles_arg = v;
    } else {
      return false;
    }
  }
  std::string_view s = o.styles_arg;
  while (!s.empty()) {
    size_t c = s.find(',');
    std::string_view name = s.substr(0, c);
    s.remove_prefix(c == std::string_view::npos ? s.size() : c + 1);
    if (name == "mixed") {
      for (int st = 0; st < kStyleCount; ++st) o.styles.push_back(static_cast<Style>(st));
      continue;
    }
    bool found = false;
    for (int st = 0; st < kStyleCount; ++st) {
      if (kStyleNames[st] == name) {
        o.styles.push_back(static_cast<Style>(st));
        found = true;
      }
    }
    if (!found) {
      std::fprintf(stderr, "gen_kernel_log: unknown prefix style '%.*s'\n", static_cast<int>(name.size()), name.data());
      return false;
    }
  }
  return !o.out.empty() && o.size_mb > 0 && !o.styles.empty();
}

std::vector<Host> make_hosts(Rng& rng, int n, uint64_t start_us) {
  static constexpr const char* kPatterns[] = {"aks-nodepool1-24207654-vmss00000", "ip-10-0-3-", "worker-",
                                              "db-", "harvester-node-"};
  std::vector<Host> hosts;
  for (int i = 0; i < n; ++i) {
    Host h;
    h.name = std::string(kPatterns[i % 5]) + std::to_string(i < 5 ? rng.range(1, 9) : i);
    if (i % 5 == 1) h.name = "ip-10-0-" + std::to_string(rng.range(1, 9)) + "-" + std::to_string(rng.range(2, 250));
    h.boot_us = start_us - rng.range(60, 30 * 86400) * 1000000;
    h.kmsg_seq = rng.range(1000, 40000000);
    hosts.push_back(std::move(h));
  }
  return hosts;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, o)) {
    usage(stderr);
    return 2;
  }
  FILE* f = std::fopen(o.out.c_str(), "wb");
  if (!f) {
    std::perror(o.out.c_str());
    return 2;
  }
  Rng rng(o.seed);
  const std::vector<Shape> shapes = make_shapes();
  int total_weight = 0;
  for (const auto& s : shapes) total_weight += s.weight;
  std::vector<std::vector<Segment>> noise_kernel, noise_user;
  for (const char* n : kNoise) {
    if (n[0] == '!') noise_user.push_back(parse_segments(n + 1));
    else noise_kernel.push_back(parse_segments(n));
  }

  const uint64_t start_us = 1794614400ULL * 1000000;  // 2026-11-14 00:00:00 UTC
  Writer w(f, make_hosts(rng, o.hosts, start_us), start_us);
  EventMaker maker(rng);
  std::vector<Truth> truth;
  std::string text;

  auto pick_host = [&](Style style) { return has_host(style) ? static_cast<int>(rng.below(w.host_count())) : 0; };
  auto noise = [&](Style style, int host, uint32_t dt_us) {
    text.clear();
    const bool user = has_host(style) && rng.chance(0.25);
    const auto& pool = user ? noise_user : noise_kernel;
    maker.render(pool[rng.below(pool.size())], text, w.now_us());
    static constexpr uint8_t kLevels[] = {6, 6, 6, 6, 6, 6, 4, 4, 5, 3};
    w.record(style, host, dt_us, rng.pick(kLevels), user, text);
  };
  auto pick_shape = [&]() -> const Shape& {
    int r = static_cast<int>(rng.below(total_weight));
    for (const auto& s : shapes) {
      if ((r -= s.weight) < 0) return s;
    }
    return shapes.back();
  };
  // emit(): the records of one or two events (two hosts OOMing at once, lines interleaved as
  // a syslog aggregator writes them), with foreign lines now and then in between.
  auto emit = [&](Style style, std::vector<Event>& evs) {
    std::vector<size_t> next(evs.size(), 0);
    std::vector<size_t> truth_at(evs.size());
    for (size_t i = 0; i < evs.size(); ++i) {
      truth_at[i] = truth.size();
      const Event& ev = evs[i];
      truth.push_back({ev.victim_pid, ev.shape->name, ev.victim_comm, ev.trigger_comm, ev.oom_memcg, ev.anon_rss_kb,
                       ev.task_rows, style, has_host(style) ? ev.host : -1, 0, 0, 0});
    }
    while (true) {
      std::vector<size_t> open;
      for (size_t i = 0; i < evs.size(); ++i) if (next[i] < evs[i].recs.size()) open.push_back(i);
      if (open.empty()) break;
      const size_t e = open[rng.below(open.size())];
      const Rec& r = evs[e].recs[next[e]];
      if (r.user && !has_host(style)) {
        ++next[e];
        continue;
      }
      if (r.gap) {
        for (uint64_t k = rng.below(4); k > 0; --k) noise(style, pick_host(style), static_cast<uint32_t>(rng.range(1000, 30000)));
      } else if (next[e] > 0 && rng.chance(0.01)) {
        noise(style, pick_host(style), static_cast<uint32_t>(rng.range(1, 50)));  // another CPU or host
      }
      Truth& t = truth[truth_at[e]];
      if (next[e] == 0) {
        t.line = w.lines() + 1;
        t.offset = w.offset();
      }
      w.record(style, evs[e].host, r.dt_us, r.level, r.user, r.text);
      t.end_offset = w.offset();
      ++next[e];
    }
  };

  const uint64_t size = o.size_mb << 20;
  const uint64_t n_events = std::max<uint64_t>(1, (size + o.every / 2) / o.every);
  for (uint64_t k = 0; k < n_events;) {
    const Style style = o.styles[rng.below(o.styles.size())];
    const double jitter = (rng.unit() - 0.5) * 0.8;
    const uint64_t target = static_cast<uint64_t>((static_cast<double>(k) + 0.5 + jitter) * static_cast<double>(o.every));
    do {
      noise(style, pick_host(style), static_cast<uint32_t>(rng.range(1000, 100000)));
    } while (w.offset() < target);
    std::vector<Event> evs;
    evs.push_back(maker.make(pick_shape(), pick_host(style)));
    if (has_host(style) && w.host_count() > 1 && k + 1 < n_events && rng.chance(1.0 / 16)) {
      int other = static_cast<int>(rng.below(w.host_count() - 1));
      if (other >= evs[0].host) ++other;
      evs.push_back(maker.make(pick_shape(), other));
    }
    k += evs.size();
    emit(style, evs);
    if (!w.flush()) break;
  }
  const Style last = o.styles[rng.below(o.styles.size())];
  while (w.offset() < size) noise(last, pick_host(last), static_cast<uint32_t>(rng.range(1000, 100000)));
  if (!w.flush() || std::fclose(f) != 0) {
    std::perror(o.out.c_str());
    return 2;
  }

  std::stable_sort(truth.begin(), truth.end(), [](const Truth& a, const Truth& b) { return a.offset < b.offset; });
  const std::string tpath = o.out + ".truth";
  FILE* t = std::fopen(tpath.c_str(), "w");
  if (!t) {
    std::perror(tpath.c_str());
    return 2;
  }
  std::fprintf(t, "# gen_kernel_log truth: one `event` line per OOM event, in file order of first line\n");
  std::fprintf(t, "# args: --size-mb %llu --event-every %llu --prefix %s --hosts %d --seed %llu\n",
               static_cast<unsigned long long>(o.size_mb), static_cast<unsigned long long>(o.every),
               o.styles_arg.c_str(), o.hosts, static_cast<unsigned long long>(o.seed));
  std::fprintf(t, "bytes %llu\nlines %llu\nevents %zu\n", static_cast<unsigned long long>(w.offset()),
               static_cast<unsigned long long>(w.lines()), truth.size());
  std::fprintf(t,
               "# event <n> <victim_pid> <shape> <prefix> <host|-> <first_line> <first_offset> <end_offset>"
               " comm=<victim> anon_rss_kb=<N> trigger=<comm> oom_memcg=<path|-> rows=<task rows>\n"
               "# (blanks and %% in values are percent-encoded; - is empty/null)\n");
  for (size_t i = 0; i < truth.size(); ++i) {
    const Truth& e = truth[i];
    std::fprintf(t, "event %zu %llu %s %s %s %llu %llu %llu comm=%s anon_rss_kb=%llu trigger=%s oom_memcg=%s rows=%zu\n",
                 i + 1, static_cast<unsigned long long>(e.victim_pid), e.shape,
                 std::string(kStyleNames[e.style]).c_str(), e.host < 0 ? "-" : w.host(e.host).name.c_str(),
                 static_cast<unsigned long long>(e.line), static_cast<unsigned long long>(e.offset),
                 static_cast<unsigned long long>(e.end_offset), encode(e.victim_comm).c_str(),
                 static_cast<unsigned long long>(e.anon_rss_kb), encode(e.trigger_comm).c_str(),
                 encode(e.oom_memcg).c_str(), e.task_rows);
  }
  if (std::fclose(t) != 0) {
    std::perror(tpath.c_str());
    return 2;
  }
  return 0;
}
