-- pack.sql: the evidence pack written by `oomscope collect` (schema version 1).
--
-- A pack is one SQLite file. PRAGMA application_id = 0x4F4F4D50 ('OOMP') says "this is an
-- oomscope pack"; PRAGMA user_version is the schema version below. Readers check both before
-- anything else and refuse packs with a newer user_version (see schema/README.md).
--
-- Conventions:
--   * Every table is STRICT. Sizes are in bytes (`_bytes`), times carry their unit in the name
--     (`_usec`, `_utc` = ISO-8601 UTC text), counters are plain integers.
--   * A missing fact is NULL, never 0 (a file that could not be read, a field an old kernel
--     does not have). Why it is missing is in collection_errors.
--   * `sample` is the snapshot number, 1..N (`--samples N`); facts read once (the kernel log)
--     belong to sample 1.
--   * Every file the collector read is also kept verbatim in raw_files, so any parse can be
--     redone later. Parsed tables are conveniences over raw_files.
--
-- This file is embedded into the oomscope binary at build time; it is the single source of
-- truth for the pack layout.

PRAGMA application_id = 1330597200;  -- 0x4F4F4D50, 'OOMP'
PRAGMA user_version = 1;

-- meta: facts about the collection as key/value rows. Keys:
--   tool_version, schema_version, command_line (redacted), root ('/' or --root DIR);
--   hostname, kernel_release, kernel_version, boot_id, uptime_sec (from the root's /proc);
--   boot_time_utc, boot_time_source ('clock_realtime-clock_monotonic' live, 'proc/stat btime' under --root);
--   collected_utc, collected_monotonic_usec, finished_utc, duration_usec (this collection);
--   page_size_bytes, clock_ticks_per_sec (of the collecting host);
--   cgroup_mode (v1|v2|hybrid|none), memory_cgroup_root, memory_cgroup_version (1|2|0),
--   path_resolution (how paths below root were resolved, see collector/sys_root.h),
--   cgroups_with_oom_kill (whole-host collections: cgroups whose oom_kill > 0, read first);
--   samples, interval_sec, smaps_mode (top|targets|all|none), smaps_top_n;
--   redaction (on|off), redacted_values; kernel_log_source (kmsg|files|none),
--   kernel_log_records, kernel_log_gaps.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,  -- name of the fact (see the list above)
  value TEXT               -- its value as text; NULL when unknown
) STRICT;

-- samples: one row per snapshot.
CREATE TABLE samples (
  sample          INTEGER PRIMARY KEY,  -- snapshot number, 1..N
  started_utc     TEXT NOT NULL,        -- wall-clock start of the snapshot, ISO-8601 UTC with microseconds
  monotonic_usec  INTEGER NOT NULL,     -- CLOCK_MONOTONIC at the start of the snapshot, microseconds since boot
  duration_usec   INTEGER               -- how long the snapshot took to read, microseconds
) STRICT;

-- targets: what the user asked for (--pid/--cgroup/--pod/--container) and what it resolved to.
CREATE TABLE targets (
  kind    TEXT NOT NULL,  -- pid | cgroup | pod | container | host (no target given)
  value   TEXT NOT NULL,  -- the value as given on the command line
  cgroup  TEXT,           -- the memory cgroup it resolved to, relative to the memory cgroup root ("/kubepods.slice/…"); NULL if not found
  status  TEXT NOT NULL   -- 'ok' or why it could not be resolved
) STRICT;

-- raw_files: the verbatim bytes of every file the collector read (redacted cmdline, see meta.redaction).
CREATE TABLE raw_files (
  id         INTEGER PRIMARY KEY,  -- row id
  sample     INTEGER NOT NULL,     -- snapshot number
  path       TEXT NOT NULL,        -- path relative to the root, e.g. 'proc/1234/status', 'sys/fs/cgroup/memory/memory.stat'
  size_bytes INTEGER NOT NULL,     -- number of bytes stored in `content`
  truncated  INTEGER NOT NULL,     -- 1 if the file was larger than the per-file cap (16 MiB; 64 MiB for smaps) and `content` holds only the head
  content    BLOB NOT NULL         -- the bytes as read (cmdline: after redaction)
) STRICT;
CREATE INDEX raw_files_path ON raw_files(path, sample);

-- collection_errors: every file or action that failed. Never fatal; the pack holds the rest.
CREATE TABLE collection_errors (
  id       INTEGER PRIMARY KEY,  -- row id
  sample   INTEGER NOT NULL,     -- snapshot number (0: before the first snapshot, e.g. target resolution)
  path     TEXT NOT NULL,        -- path relative to the root, or what was attempted
  errno    INTEGER,              -- errno of the failure (13 EACCES, 2 ENOENT, 3 ESRCH…); NULL for parse errors
  error    TEXT,                 -- symbolic errno name ('EACCES'); NULL for parse errors
  message  TEXT NOT NULL         -- human-readable description
) STRICT;

-- kernel_log: the kernel ring buffer from /dev/kmsg (one row per record), or the lines of
-- --kernel-log files (one row per line).
CREATE TABLE kernel_log (
  id           INTEGER PRIMARY KEY,  -- order of reading; the reader returns rows in this order
  source       TEXT NOT NULL,        -- 'kmsg' or the --kernel-log file path as given
  seq          INTEGER,              -- kmsg sequence number; NULL for file lines
  facility     INTEGER,              -- syslog facility (0 = kern); NULL for file lines
  level        INTEGER,              -- syslog level 0 (emerg) .. 7 (debug); NULL for file lines
  mono_usec    INTEGER,              -- kmsg timestamp: microseconds since boot (printk clock); NULL for file lines
  wall_utc     TEXT,                 -- boot time + mono_usec as ISO-8601 UTC with microseconds (drifts after suspend); NULL for file lines
  flags        TEXT,                 -- kmsg flags field: '-' or 'c' (continuation fragment); NULL for file lines
  message      TEXT NOT NULL,        -- message text with the kernel's \xNN escapes DECODED (a multi-line record contains real newlines)
  raw          TEXT NOT NULL,        -- the record exactly as read: 'prio,seq,usec,flags;text' with escapes kept; for file lines, the line
  dict         TEXT                  -- kmsg continuation lines (' SUBSYSTEM=…', ' DEVICE=…') joined with '\n'; NULL if none
) STRICT;
CREATE INDEX kernel_log_seq ON kernel_log(seq);

-- kernel_log_gaps: records lost because the ring buffer wrapped while reading (EPIPE) or a seq jump.
CREATE TABLE kernel_log_gaps (
  after_seq    INTEGER,           -- last sequence number read before the gap; NULL at the start
  next_seq     INTEGER NOT NULL,  -- first sequence number read after the gap
  lost_records INTEGER           -- next_seq - after_seq - 1 when both are known
) STRICT;

-- sysctls: vm.* settings that matter for OOM (overcommit_memory, overcommit_ratio,
-- overcommit_kbytes, min_free_kbytes, panic_on_oom, oom_kill_allocating_task, oom_dump_tasks,
-- swappiness, nr_hugepages, watermark_scale_factor, admin_reserve_kbytes, user_reserve_kbytes).
CREATE TABLE sysctls (
  sample  INTEGER NOT NULL,  -- snapshot number
  name    TEXT NOT NULL,     -- dotted name, e.g. 'vm.overcommit_memory'
  value   TEXT NOT NULL,     -- the value as read, trimmed
  PRIMARY KEY (sample, name)
) STRICT;

-- meminfo: /proc/meminfo, one row per field.
CREATE TABLE meminfo (
  sample  INTEGER NOT NULL,  -- snapshot number
  name    TEXT NOT NULL,     -- field name as in the file ('MemAvailable', 'AnonPages', 'HugePages_Total'…)
  value   INTEGER NOT NULL,  -- bytes when unit = 'bytes' (the file's kB * 1024), else the count
  unit    TEXT NOT NULL,     -- 'bytes' or 'count' (HugePages_* counts have no unit)
  PRIMARY KEY (sample, name)
) STRICT;

-- vmstat: /proc/vmstat, one row per counter (oom_kill, pgmajfault, allocstall_*…).
CREATE TABLE vmstat (
  sample  INTEGER NOT NULL,  -- snapshot number
  name    TEXT NOT NULL,     -- counter name
  value   INTEGER NOT NULL,  -- counter value (pages or events, as the kernel defines each)
  PRIMARY KEY (sample, name)
) STRICT;

-- pressure: PSI lines, for the system (/proc/pressure/memory) and for cgroups (memory.pressure).
CREATE TABLE pressure (
  sample      INTEGER NOT NULL,  -- snapshot number
  cgroup      TEXT,              -- memory cgroup path; NULL for the system-wide /proc/pressure/memory
  kind        TEXT NOT NULL,     -- 'some' or 'full'
  avg10       REAL NOT NULL,     -- % of wall time stalled, 10 s average
  avg60       REAL NOT NULL,     -- % of wall time stalled, 60 s average
  avg300      REAL NOT NULL,     -- % of wall time stalled, 300 s average
  total_usec  INTEGER NOT NULL   -- total stall time, microseconds
) STRICT;

-- cgroups: one row per memory cgroup read in a snapshot, with the headline numbers parsed.
-- In a whole-host collection the cgroups with oom_kill > 0 are read (and inserted) first.
-- Everything else the controller exposes is in cgroup_stats and raw_files.
CREATE TABLE cgroups (
  sample             INTEGER NOT NULL,  -- snapshot number
  path               TEXT NOT NULL,     -- cgroup path relative to the memory cgroup root ('/' is the root)
  version            INTEGER NOT NULL,  -- 1 (v1 memory controller) or 2 (unified)
  role               TEXT NOT NULL,     -- 'target', 'ancestor', 'descendant' or 'host' (whole-host walk)
  usage_bytes        INTEGER,           -- v2 memory.current / v1 memory.usage_in_bytes
  limit_bytes        INTEGER,           -- v2 memory.max / v1 memory.limit_in_bytes; NULL when unlimited ('max' on v2, >= 2^62 on v1) or unreadable
  high_bytes         INTEGER,           -- v2 memory.high; NULL when 'max', v1, or unreadable
  peak_bytes         INTEGER,           -- v2 memory.peak (5.19+) / v1 memory.max_usage_in_bytes
  swap_usage_bytes   INTEGER,           -- v2 memory.swap.current / v1 memory.memsw.usage_in_bytes (memory+swap on v1!)
  swap_limit_bytes   INTEGER,           -- v2 memory.swap.max / v1 memory.memsw.limit_in_bytes; NULL when unlimited
  failcnt            INTEGER,           -- v1 memory.failcnt (times the limit was hit); NULL on v2
  oom_events         INTEGER,           -- v2 memory.events 'oom' (limit hits that invoked the OOM killer); NULL on v1
  oom_kill           INTEGER,           -- v2 memory.events 'oom_kill' / v1 memory.oom_control 'oom_kill' (4.13+): kills (a group kill counts its first victim twice)
  oom_group_kill     INTEGER,           -- v2 memory.events 'oom_group_kill' (5.17+)
  under_oom          INTEGER,           -- v1 memory.oom_control 'under_oom' (1 = OOM in progress now)
  oom_kill_disable   INTEGER,           -- v1 memory.oom_control 'oom_kill_disable'
  oom_group          INTEGER,           -- v2 memory.oom.group (1 = kill the whole cgroup together)
  nr_procs           INTEGER,           -- number of pids in cgroup.procs
  PRIMARY KEY (sample, path)
) STRICT;

-- cgroup_stats: every keyed value of every memory-controller file read (memory.stat,
-- memory.events, memory.events.local, memory.swap.events, memory.oom_control, memory.numa_stat
-- 'total=' only) and every single-number file (memory.current, memory.failcnt… with key '').
CREATE TABLE cgroup_stats (
  sample  INTEGER NOT NULL,  -- snapshot number
  cgroup  TEXT NOT NULL,     -- cgroup path relative to the memory cgroup root
  file    TEXT NOT NULL,     -- file name, e.g. 'memory.stat'
  key     TEXT NOT NULL,     -- key within the file ('anon', 'oom_kill'…), '' for single-value files
  value   INTEGER NOT NULL,  -- the number as written by the kernel (bytes in memory.stat since 5.3, pages/events elsewhere as the kernel defines; 'max' is stored as -1)
  PRIMARY KEY (sample, cgroup, file, key)
) STRICT;

-- processes: one row per process per snapshot, from /proc/<pid>/{status,smaps_rollup,stat,
-- oom_score,oom_score_adj,cgroup,cmdline,exe}, all read through one /proc/<pid> directory fd
-- (so a recycled pid cannot mix two processes).
CREATE TABLE processes (
  sample              INTEGER NOT NULL,  -- snapshot number
  pid                 INTEGER NOT NULL,  -- process id (in the root's pid namespace)
  ppid                INTEGER,           -- parent pid (status PPid)
  comm                TEXT,              -- task name (status 'Name:', the same task->comm as /proc/<pid>/comm, 15 chars max)
  state               TEXT,              -- status State, e.g. 'S (sleeping)'
  uid                 INTEGER,           -- real uid (status Uid, first field)
  exe                 TEXT,              -- readlink /proc/<pid>/exe; NULL for kernel threads or when denied
  cmdline             TEXT,              -- arguments joined by spaces, secrets redacted unless --no-redact; '' for kernel threads
  cgroup              TEXT,              -- memory cgroup path (v1 'memory' line, or v2 '0::' line)
  start_time_ticks    INTEGER,           -- /proc/<pid>/stat field 22: start time in clock ticks after boot
  start_time_utc      TEXT,              -- boot time + start time, ISO-8601 UTC
  threads             INTEGER,           -- status Threads
  vm_size_bytes       INTEGER,           -- status VmSize
  vm_rss_bytes        INTEGER,           -- status VmRSS (= RssAnon + RssFile + RssShmem)
  vm_hwm_bytes        INTEGER,           -- status VmHWM: peak RSS
  rss_anon_bytes      INTEGER,           -- status RssAnon
  rss_file_bytes      INTEGER,           -- status RssFile
  rss_shmem_bytes     INTEGER,           -- status RssShmem
  vm_swap_bytes       INTEGER,           -- status VmSwap
  vm_pte_bytes        INTEGER,           -- status VmPTE: page tables
  pss_bytes           INTEGER,           -- smaps_rollup Pss
  pss_anon_bytes      INTEGER,           -- smaps_rollup Pss_Anon (5.7+)
  pss_file_bytes      INTEGER,           -- smaps_rollup Pss_File (5.7+)
  pss_shmem_bytes     INTEGER,           -- smaps_rollup Pss_Shmem (5.7+)
  shared_clean_bytes  INTEGER,           -- smaps_rollup Shared_Clean
  shared_dirty_bytes  INTEGER,           -- smaps_rollup Shared_Dirty
  private_clean_bytes INTEGER,           -- smaps_rollup Private_Clean
  private_dirty_bytes INTEGER,           -- smaps_rollup Private_Dirty
  swap_bytes          INTEGER,           -- smaps_rollup Swap
  swap_pss_bytes      INTEGER,           -- smaps_rollup SwapPss
  oom_score           INTEGER,           -- /proc/<pid>/oom_score (0..2000)
  oom_score_adj       INTEGER,           -- /proc/<pid>/oom_score_adj (-1000..1000)
  in_target           INTEGER NOT NULL,  -- 1 if the process is in a target cgroup (or no target was given)
  smaps_collected     INTEGER NOT NULL,  -- 1 if its full smaps is in `mappings` for this sample
  PRIMARY KEY (sample, pid)
) STRICT;

-- mappings: full /proc/<pid>/smaps (a pmap -x table) for the targets' processes and the top-N by RSS.
CREATE TABLE mappings (
  sample              INTEGER NOT NULL,  -- snapshot number
  pid                 INTEGER NOT NULL,  -- process id
  start_addr          TEXT NOT NULL,     -- start address, lowercase hex without 0x (64-bit addresses do not fit an INTEGER)
  end_addr            TEXT NOT NULL,     -- end address (exclusive), lowercase hex
  perms               TEXT NOT NULL,     -- 'rw-p' etc.
  file_offset         INTEGER NOT NULL,  -- file offset, bytes
  dev                 TEXT NOT NULL,     -- 'major:minor' of the backing file
  inode               INTEGER NOT NULL,  -- inode of the backing file, 0 if anonymous
  name                TEXT NOT NULL,     -- path or '[heap]', '[stack]', '[anon:…]'; '' for anonymous
  size_bytes          INTEGER,           -- Size
  rss_bytes           INTEGER,           -- Rss
  pss_bytes           INTEGER,           -- Pss
  shared_clean_bytes  INTEGER,           -- Shared_Clean
  shared_dirty_bytes  INTEGER,           -- Shared_Dirty
  private_clean_bytes INTEGER,           -- Private_Clean
  private_dirty_bytes INTEGER,           -- Private_Dirty
  anonymous_bytes     INTEGER,           -- Anonymous
  swap_bytes          INTEGER,           -- Swap
  swap_pss_bytes      INTEGER,           -- SwapPss
  locked_bytes        INTEGER            -- Locked
) STRICT;
CREATE INDEX mappings_pid ON mappings(pid, sample);

-- redactions: how many values each secret pattern replaced (all zero rows are omitted).
CREATE TABLE redactions (
  sample   INTEGER NOT NULL,  -- snapshot number
  pattern  TEXT NOT NULL,     -- pattern name, e.g. 'flag-value', 'key=value', 'bearer', 'aws-access-key', 'url-userinfo'
  count    INTEGER NOT NULL,  -- number of values replaced by '<redacted>'
  PRIMARY KEY (sample, pattern)
) STRICT;
