// report_shapes.h: OOM report templates for gen_kernel_log, each copied from a real report in
// tests/data/kernel-logs/ (the file is named above each template) with its prefixes stripped.
//
// The templates keep the real text: header lines, stack frames, Mem-Info and zone lines, memcg
// stats keys, task-table headers and row formats, victim lines. Only the facts that differ from
// one incident to the next are placeholders, filled per event by gen_kernel_log.cc.
//
// Template language (one template line per output line):
//   plain line          a new printk record
//   >text               a continuation line of the previous record: one printk record with an
//                       embedded newline (Mem-Info's indented block, the 5.3-6.4 memory.stat
//                       dump). Rendered per prefix style: bare in dmesg, re-prefixed in syslog,
//                       indented in journalctl, `\x0a`-escaped in /dev/kmsg.
//   !tag[pid]: text     a userspace line (systemd after a memcg kill); only in syslog-like styles
//   @level N            printk level of the records that follow (for the /dev/kmsg prefix)
//   @table              the task-table rows (format from the shape's TableFormat)
//   @gap                the next record comes later (oom_reaper): noise lines may come first
//   {name}              a per-event fact (see kVarNames in gen_kernel_log.cc)
//   {~1234}             a number near 1234 (x0.5 .. x1.5; 0 stays 0)
//   {h16}               N random lowercase hex digits
// Any other `{...}` is literal text.
//
// Example: the line `memory: usage {usage}kB, limit {lim}kB, failcnt {failcnt}` becomes
// `memory: usage 65536kB, limit 65536kB, failcnt 245`.
#pragma once

namespace oomscope::bench {

// 036-local-python-cgroupv1-6.18-rss-anon-columns: cgroup v1 memcg on 6.18, v1 stats keys one
// record per line (6.5+), task table with rss_anon/rss_file/rss_shmem, `CPU: N UID: N PID:`.
inline constexpr const char* kShapeV1_618 = R"(@level 4
{comm} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj={adj}
CPU: {cpu} UID: {tuid} PID: {tpid} Comm: {comm} Not tainted 6.18.44-fc-v595 #1 PREEMPT(none) 
Call Trace:
 <TASK>
 dump_stack_lvl+0x57/0x80
 dump_header+0x43/0x1c0
 oom_kill_process.cold+0x8/0x8a
 out_of_memory+0x214/0x500
 mem_cgroup_out_of_memory+0xc0/0x110
 try_charge_memcg+0x422/0x6f0
 charge_memcg+0x2f/0x90
 __mem_cgroup_charge+0x2c/0x90
 do_anonymous_page+0x33c/0x880
 ? srso_alias_return_thunk+0x5/0xfbef5
 ? ___pte_offset_map+0x17/0x100
 __handle_mm_fault+0xa1e/0xf20
 ? vm_mmap_pgoff+0x160/0x210
 handle_mm_fault+0xd0/0x310
 exc_page_fault+0x176/0x770
 asm_exc_page_fault+0x22/0x30
RIP: 0033:0x7f{h10}
Code: 00 00 48 c7 c1 ff ff ff ff c4 e2 e8 f5 c9 c4 e1 fb 92 c9 62 e1 7f 49 7f 00 c3 66 0f 1f 44 00 00 40 0f b6 c6 48 89 d1 48 89 fa <f3> aa 48 89 d0 c3 48 3b 15 09 53 06 00 77 e7 62 e1 fe 48 7f 07 62
RSP: 002b:00007fff{h8} EFLAGS: 00010206
RAX: 0000000000000000 RBX: 00007f{h10} RCX: 0000000000041010
RDX: 00007f{h10} RSI: 0000000000000000 RDI: 00007f{h10}
RBP: 00007f{h10} R08: 00000000ffffffff R09: 0000000000000000
R10: 0000000000000022 R11: 0000000000000246 R12: 0000000000100000
R13: 0000000000000000 R14: 0000000000000000 R15: 00007f{h10}
 </TASK>
@level 6
memory: usage {usage}kB, limit {lim}kB, failcnt {failcnt}
memory+swap: usage {usage}kB, limit 9007199254740988kB, failcnt 0
kmem: usage {~228}kB, limit 9007199254740988kB, failcnt 0
Memory cgroup stats for {memcg}:
cache {file_b}
rss {anon_b}
rss_huge 0
shmem 0
mapped_file {~4096}
dirty 0
writeback 0
workingset_refault_anon 0
workingset_refault_file {~167}
swap 0
swapcached 0
pgpgin {~19558}
pgpgout {~3231}
pgfault {~23978}
pgmajfault {~1}
inactive_anon {anon_b}
active_anon {~4096}
inactive_file {~8192}
active_file 0
unevictable 0
hierarchical_memory_limit {lim_b}
hierarchical_memsw_limit 9223372036854771712
total_cache {file_b}
total_rss {anon_b}
total_rss_huge 0
total_shmem 0
total_mapped_file {~4096}
total_dirty 0
total_writeback 0
total_workingset_refault_anon 0
total_workingset_refault_file {~167}
total_swap 0
total_swapcached 0
total_pgpgin {~19558}
total_pgpgout {~3231}
total_pgfault {~23978}
total_pgmajfault {~1}
total_inactive_anon {anon_b}
total_active_anon {~4096}
total_inactive_file {~8192}
total_active_file 0
total_unevictable 0
Tasks state (memory values in pages):
[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name
@table
oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg={memcg},task_memcg={task_memcg},task={vcomm},pid={vpid},uid={vuid}
@level 3
Memory cgroup out of memory: Killed process {vpid} ({vcomm}) total-vm:{total_vm_kb}kB, anon-rss:{anon_kb}kB, file-rss:{file_kb}kB, shmem-rss:{shmem_kb}kB, UID:{vuid} pgtables:{pgt_kb}kB oom_score_adj:{vadj}
)";

// 001-aks-stress-ng-cgroupv2-syslog: AKS 5.15, cgroup v2 pod memcg, `swap:` line, the
// memory.stat dump as ONE multi-line record (5.3-6.4), 4.19+ table with pgtables_bytes.
inline constexpr const char* kShapeV2_515 = R"(@level 4
{comm} invoked oom-killer: gfp_mask=0x1100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj={adj}
CPU: {cpu} PID: {tpid} Comm: {comm} Not tainted 5.15.0-1041-azure #48-Ubuntu
Hardware name: Microsoft Corporation Virtual Machine/Virtual Machine, BIOS Hyper-V UEFI Release v4.1 05/09/2022
Call Trace:
 <TASK>
 show_stack+0x52/0x5c
 dump_stack_lvl+0x38/0x4d
 dump_stack+0x10/0x16
 dump_header+0x53/0x228
 oom_kill_process.cold+0xb/0x10
 out_of_memory+0x106/0x2e0
 mem_cgroup_out_of_memory+0x13f/0x160
 try_charge_memcg+0x6cd/0x790
 ? kernel_init_free_pages.part.0+0x4a/0x70
 ? get_page_from_freelist+0x353/0x540
 ? kernel_init_free_pages.part.0+0x4a/0x70
 charge_memcg+0x45/0xa0
 __mem_cgroup_charge+0x2d/0x90
 __add_to_page_cache_locked+0x2db/0x350
 ? scan_shadow_nodes+0x40/0x40
 add_to_page_cache_lru+0x4d/0xd0
 pagecache_get_page+0x192/0x590
 ? page_cache_ra_unbounded+0x166/0x210
 filemap_fault+0x441/0xa00
 ? filemap_map_pages+0x2e2/0x3f0
 __do_fault+0x3c/0x170
 do_read_fault+0xeb/0x190
 do_fault+0xa0/0x380
 handle_pte_fault+0x1ec/0x260
 __handle_mm_fault+0x409/0x760
 handle_mm_fault+0xc8/0x2a0
 do_user_addr_fault+0x1bc/0x660
 exc_page_fault+0x71/0x160
 asm_exc_page_fault+0x27/0x30
RIP: 0033:0x56{h10}
Code: Unable to access opcode bytes at RIP 0x56{h10}.
RSP: 002b:00007ffe{h8} EFLAGS: 00010206
RAX: 00007f{h10} RBX: 0000560f{h8} RCX: 0000000000{h6}
RDX: 00007f{h10} RSI: 00007f{h10} RDI: 0000000000{h6}
RBP: 00007ffe{h8} R08: 0000000000000000 R09: 0000000000000040
R10: 00007f{h10} R11: 000000000c8b8000 R12: 0000000000000000
R13: 0000000000000000 R14: 00007ffe{h8} R15: 0000560f{h8}
 </TASK>
@level 6
memory: usage {usage}kB, limit {lim}kB, failcnt {failcnt}
swap: usage 0kB, limit 9007199254740988kB, failcnt 0
Memory cgroup stats for {memcg}:
anon {anon_b}
>file {file_b}
>kernel_stack {~131072}
>pagetables {~851968}
>percpu {~11752}
>sock 0
>shmem {~2297856}
>file_mapped {~2310144}
>file_dirty 0
>file_writeback 0
>swapcached 0
>anon_thp 0
>file_thp 0
>shmem_thp 0
>inactive_anon {anon_b}
>active_anon {~28672}
>inactive_file {~86016}
>active_file {~73728}
>unevictable {~12288}
>slab_reclaimable {~2009104}
>slab_unreclaimable {~443144}
>slab {~2452248}
>workingset_refault_anon 0
>workingset_refault_file {~1190}
>workingset_activate_anon 0
>workingset_activate_file {~75}
>workingset_restore_anon 0
>workingset_restore_file 0
>workingset_nodereclaim 0
>pgfault {~286203}
>pgmajfault {~14}
>pgrefill 0
>pgscan {~1203}
>pgsteal {~1080}
>pgactivate {~212}
>pgdeactivate 0
>pglazyfree 0
>pglazyfreed 0
>thp_fault_alloc 0
>thp_collapse_alloc 0
Tasks state (memory values in pages):
[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
@table
oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset={cpuset},mems_allowed=0,oom_memcg={memcg},task_memcg={task_memcg},task={vcomm},pid={vpid},uid={vuid}
@level 3
Memory cgroup out of memory: Killed process {vpid} ({vcomm}) total-vm:{total_vm_kb}kB, anon-rss:{anon_kb}kB, file-rss:{file_kb}kB, shmem-rss:{shmem_kb}kB, UID:{vuid} pgtables:{pgt_kb}kB oom_score_adj:{vadj}
!systemd[1]: {cpuset}: A process of this unit has been killed by the OOM killer.
)";

// 016-harvester-memsw-limit-cpu-kvm-dmesg-elided: SLES 5.14 KubeVirt node, cgroup v1 with the
// memory+swap limit hit, v2-style memory.stat dump, container-scope oom_memcg, oom_reaper.
// The report's elided stack is filled with the 5.14 KVM fault path.
inline constexpr const char* kShapeMemcg514 = R"(@level 4
{comm} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj={adj}
CPU: {cpu} PID: {tpid} Comm: {comm} Not tainted 5.14.21-150400.24.116-default #1 SLE15-SP4 ff1e28259e46d1fe5c98a695c715341ba6a7fbe4
Hardware name: Supermicro SYS-1029P-WTR/X11DDW-L, BIOS 3.4 10/21/2020
Call Trace:
 <TASK>
 dump_stack_lvl+0x45/0x5b
 dump_header+0x4a/0x1f8
 oom_kill_process.cold+0xb/0x10
 out_of_memory+0x1bd/0x4f0
 mem_cgroup_out_of_memory+0x134/0x150
 try_charge_memcg+0x5f2/0x6d0
 obj_cgroup_charge_pages+0x4e/0xb0
 obj_cgroup_charge+0x89/0x110
 kmem_cache_alloc+0x8d/0x360
 ? mmu_topup_memory_cache+0x4d/0x70 [kvm]
 __kvm_mmu_topup_memory_cache+0x57/0x140 [kvm]
 mmu_topup_memory_caches+0x28/0x70 [kvm]
 direct_page_fault+0x138/0x9d0 [kvm]
 kvm_mmu_page_fault+0x82/0x6e0 [kvm]
 ? vmx_vmexit+0x9f/0x70d [kvm_intel]
 vcpu_enter_guest+0x87d/0x1590 [kvm]
 kvm_arch_vcpu_ioctl_run+0x104/0x620 [kvm]
 kvm_vcpu_ioctl+0x289/0x6e0 [kvm]
 __x64_sys_ioctl+0x8c/0xc0
 do_syscall_64+0x5b/0x80
 entry_SYSCALL_64_after_hwframe+0x61/0xcb
RIP: 0033:0x7f{h10}
Code: 00 48 81 c4 80 00 00 00 e9 f1 fe ff ff 66 0f 1f 84 00 00 00 00 00 b8 10 00 00 00 0f 05 <48> 3d 01 f0 ff ff 73 01 c3 48 8b 0d d1 0d 0c 00 f7 d8 64 89 01 48
RSP: 002b:00007f{h10} EFLAGS: 00000246 ORIG_RAX: 0000000000000010
RAX: ffffffffffffffda RBX: 000055{h10} RCX: 00007f{h10}
RDX: 0000000000000000 RSI: 000000000000ae80 RDI: 0000000000000017
RBP: 000055{h10} R08: 000055{h10} R09: 0000000000000000
R10: 0000000000000000 R11: 0000000000000246 R12: 0000000000000000
R13: 00007f{h10} R14: 0000000000000000 R15: 000055{h10}
 </TASK>
@level 6
memory: usage {usage}kB, limit {lim}kB, failcnt 0
memory+swap: usage {usage}kB, limit {lim}kB, failcnt {failcnt}
kmem: usage {~21292}kB, limit 9007199254740988kB, failcnt 0
Memory cgroup stats for {memcg}:
anon {anon_b}
>file {file_b}
>kernel_stack {~573440}
>pagetables {~9158656}
>percpu {~52704}
>sock 0
>shmem {~126976}
>file_mapped {~16384000}
>file_dirty 0
>file_writeback 0
>swapcached 0
>anon_thp {~1220542464}
>file_thp 0
>shmem_thp 0
>inactive_anon {anon_b}
>active_anon {~65536}
>inactive_file {~9535488}
>active_file {~12648448}
>unevictable 0
>slab_reclaimable {~2314560}
>slab_unreclaimable {~7129432}
>slab {~9443992}
>workingset_refault_anon 0
>workingset_refault_file {~5123}
>workingset_activate_anon 0
>workingset_activate_file {~311}
>workingset_restore_anon 0
>workingset_restore_file {~95}
>workingset_nodereclaim 0
>pgfault {~741562}
>pgmajfault {~387}
>pgrefill {~4431}
>pgscan {~70514}
>pgsteal {~60321}
>pgactivate {~3311}
>pgdeactivate {~4410}
>pglazyfree 0
>pglazyfreed 0
>thp_fault_alloc {~584}
>thp_collapse_alloc {~3}
Tasks state (memory values in pages):
[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
@table
oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset={cpuset},mems_allowed=0,oom_memcg={memcg},task_memcg={task_memcg},task={vcomm},pid={vpid},uid={vuid}
@level 3
Memory cgroup out of memory: Killed process {vpid} ({vcomm}) total-vm:{total_vm_kb}kB, anon-rss:{anon_kb}kB, file-rss:{file_kb}kB, shmem-rss:{shmem_kb}kB, UID:{vuid} pgtables:{pgt_kb}kB oom_score_adj:{vadj}
@gap
@level 6
oom_reaper: reaped process {vpid} ({vcomm}), now anon-rss:0kB, file-rss:{~20}kB, shmem-rss:0kB
)";

// 005-jvm-docker-cgroupv1-journalctl-4.13: Ubuntu 4.13, docker on cgroup v1, separate cpuset
// line, `Task in ... killed as a result of limit of ...`, v1 stats on one line (the pager-cut
// line is completed with the 4.13 key set), 4.0-4.14 table with nr_pmds, "or sacrifice child".
inline constexpr const char* kShapeDocker413 = R"(@level 4
{comm} invoked oom-killer: gfp_mask=0x14000c0(GFP_KERNEL), nodemask=(null),  order=0, oom_score_adj={adj}
{comm} cpuset={cid} mems_allowed=0
CPU: {cpu} PID: {tpid} Comm: {comm} Tainted: G           OE   4.13.0-32-generic #35~16.04.1-Ubuntu
Hardware name: Dell Inc. PowerEdge R630/02C2CP, BIOS 2.4.3 01/17/2017
Call Trace:
 dump_stack+0x63/0x8b
 dump_header+0x97/0x225
 ? mem_cgroup_scan_tasks+0xc4/0xf0
 oom_kill_process+0x219/0x420
 out_of_memory+0x11d/0x4b0
 mem_cgroup_out_of_memory+0x4b/0x80
 mem_cgroup_oom_synchronize+0x325/0x340
 ? get_mem_cgroup_from_mm+0xa0/0xa0
 pagefault_out_of_memory+0x36/0x7b
 mm_fault_error+0x8f/0x190
 ? handle_mm_fault+0xcc/0x1c0
 __do_page_fault+0x4c3/0x4f0
 do_page_fault+0x22/0x30
 ? page_fault+0x36/0x60
 page_fault+0x4c/0x60
RIP: 0033:0x7f{h10}
RSP: 002b:00007f{h10} EFLAGS: 00010206
RAX: 000000000001dff0 RBX: 00007f{h10} RCX: 00007f{h10}
RDX: 0000000000003bff RSI: 0000000000075368 RDI: 00007f{h10}
RBP: 00007f{h10} R08: 0000000000000000 R09: 0000000000000000
R10: 0000000000000022 R11: 0000000000000246 R12: 0000000000000000
R13: 00007f{h10} R14: 00007f{h10} R15: 0000000000075368
@level 6
Task in {task_memcg} killed as a result of limit of {memcg}
memory: usage {usage}kB, limit {lim}kB, failcnt {failcnt}
memory+swap: usage 0kB, limit 9007199254740988kB, failcnt 0
kmem: usage {~1560}kB, limit 9007199254740988kB, failcnt 0
Memory cgroup stats for {memcg}: cache:{file_kb}KB rss:{anon_kb}KB rss_huge:0KB shmem:{~144}KB mapped_file:{~88}KB dirty:0KB writeback:0KB swap:0KB inactive_anon:{~148}KB active_anon:{anon_kb}KB inactive_file:{~12}KB active_file:{~16}KB unevictable:0KB
[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name
@table
@level 3
Memory cgroup out of memory: Kill process {vpid} ({vcomm}) score {score} or sacrifice child
Killed process {vpid} ({vcomm}) total-vm:{total_vm_kb}kB, anon-rss:{anon_kb}kB, file-rss:{file_kb}kB, shmem-rss:{shmem_kb}kB
)";

// 027-baloo-global-5.13-next-journalctl-after-warn_alloc-meminfo: a 5.13 global OOM with the
// Mem-Info multi-line record, per-node and per-zone lines, 4.19+ table, global_oom summary,
// `Out of memory: Killed process`, oom_reaper.
inline constexpr const char* kShapeGlobal513 = R"(@level 4
{comm} invoked oom-killer: gfp_mask=0x1100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj={adj}
CPU: {cpu} PID: {tpid} Comm: {comm} Not tainted 5.13.0-rc5-next-20210611-llvm #1
Hardware name: Microsoft Corporation Virtual Machine/Virtual Machine, BIOS Hyper-V UEFI Release v4.0 11/01/2019
Call Trace:
 dump_stack_lvl+0x64/0x95
 dump_header+0x50/0x240
 oom_kill_process+0x126/0x230
 out_of_memory+0x2f7/0x410
 __alloc_pages_slowpath+0x6e2/0x930
 __alloc_pages+0x25d/0x350
 pagecache_get_page+0x2d5/0x530
 filemap_fault+0x1d3/0x360
 __xfs_filemap_fault+0x174/0x250 [xfs]
 __do_fault+0x46/0xa0
 do_fault+0x12b/0x440
 __handle_mm_fault+0x6db/0x880
 handle_mm_fault+0xe5/0x240
 do_user_addr_fault+0x25d/0x4f0
 ? asm_exc_page_fault+0x8/0x30
 exc_page_fault+0x75/0x190
 asm_exc_page_fault+0x1e/0x30
RIP: 0033:0x7f{h10}
Code: Unable to access opcode bytes at RIP 0x7f{h10}.
RSP: 002b:00007ffe{h8} EFLAGS: 00010206
RAX: 0000000000000400 RBX: 00007f{h10} RCX: 0000556a{h8}
RDX: 0000556a{h8} RSI: 0000000000000001 RDI: 0000000000000065
RBP: 0000000000000065 R08: 0000556a{h8} R09: 0000556a{h8}
R10: 00007f{h10} R11: 0000000000000000 R12: 0000000000000001
R13: 00007ffe{h8} R14: 00007ffe{h8} R15: 00007f{h10}
@level 6
Mem-Info:
active_anon:{~5909} inactive_anon:{~766016} isolated_anon:0
> active_file:{~29} inactive_file:{~5} isolated_file:0
> unevictable:8 dirty:0 writeback:0
> slab_reclaimable:{~25628} slab_unreclaimable:{~19193}
> mapped:{~12421} shmem:{~18267} pagetables:{~7166} bounce:0
> free:{~20288} free_pcp:{~407} free_cma:0
Node 0 active_anon:{~23636}kB inactive_anon:{~3064064}kB active_file:{~116}kB inactive_file:{~20}kB unevictable:32kB isolated(anon):0kB isolated(file):0kB mapped:{~49684}kB dirty:0kB writeback:0kB shmem:{~73068}kB shmem_thp: 0kB shmem_pmdmapped: 0kB anon_thp: 0kB writeback_tmp:0kB kernel_stack:{~7536}kB pagetables:{~28664}kB all_unreclaimable? yes
Node 0 DMA free:6344kB min:296kB low:368kB high:440kB reserved_highatomic:0KB active_anon:0kB inactive_anon:8676kB active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB present:15996kB managed:15360kB mlocked:0kB bounce:0kB free_pcp:0kB local_pcp:0kB free_cma:0kB
lowmem_reserve[]: 0 1390 3396 3396 3396
Node 0 DMA32 free:{~35512}kB min:27540kB low:34424kB high:41308kB reserved_highatomic:0KB active_anon:{~3744}kB inactive_anon:{~1122792}kB active_file:0kB inactive_file:{~776}kB unevictable:32kB writepending:0kB present:1555760kB managed:1423464kB mlocked:32kB bounce:0kB free_pcp:{~348}kB local_pcp:0kB free_cma:0kB
lowmem_reserve[]: 0 0 2006 2006 2006
Node 0 Normal free:{~39296}kB min:39744kB low:49680kB high:59616kB reserved_highatomic:0KB active_anon:{~19892}kB inactive_anon:{~1931836}kB active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB present:2097152kB managed:2054436kB mlocked:0kB bounce:0kB free_pcp:{~1280}kB local_pcp:{~356}kB free_cma:0kB
lowmem_reserve[]: 0 0 0 0 0
Node 0 DMA: 20*4kB (UM) 11*8kB (UM) 8*16kB (UM) 5*32kB (UME) 2*64kB (ME) 1*128kB (E) 2*256kB (ME) 2*512kB (UE) 2*1024kB (ME) 1*2048kB (E) 0*4096kB = 6344kB
Node 0 DMA32: {~1415}*4kB (UME) {~1175}*8kB (UME) {~754}*16kB (UME) {~219}*32kB (UME) {~56}*64kB (UM) 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = {~37716}kB
Node 0 Normal: {~1353}*4kB (UME) {~887}*8kB (UME) {~520}*16kB (UME) {~341}*32kB (UME) {~113}*64kB (UM) {~20}*128kB (UM) 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = {~41532}kB
Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=1048576kB
Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB
{~18401} total pagecache pages
0 pages in swap cache
Swap cache stats: add 0, delete 0, find 0/0
Free swap  = 0kB
Total swap = 0kB
917227 pages RAM
0 pages HighMem/MovableOnly
43985 pages reserved
0 pages cma reserved
0 pages hwpoisoned
Tasks state (memory values in pages):
[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
@table
oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg={task_memcg},task={vcomm},pid={vpid},uid={vuid}
@level 3
Out of memory: Killed process {vpid} ({vcomm}) total-vm:{total_vm_kb}kB, anon-rss:{anon_kb}kB, file-rss:{file_kb}kB, shmem-rss:{shmem_kb}kB, UID:{vuid} pgtables:{pgt_kb}kB oom_score_adj:{vadj}
@gap
@level 6
oom_reaper: reaped process {vpid} ({vcomm}), now anon-rss:0kB, file-rss:{~4}kB, shmem-rss:0kB
)";

// 019-sysrq-f-manual-oom-global-rhel7-3.10: RHEL 7 3.10, manual OOM via sysrq-f (kworker
// trigger, moom_callback), Mem-Info as one multi-line record whose continuation lines dmesg
// prints without a timestamp, 3.6+ table with nr_ptes, "Kill process ... or sacrifice child".
inline constexpr const char* kShapeSysrq310 = R"(@level 6
SysRq : Manual OOM execution
@level 4
{comm} invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj={adj}
{comm} cpuset=/ mems_allowed=0
CPU: {cpu} PID: {tpid} Comm: {comm} Not tainted 3.10.0-693.el7.x86_64.debug #1
Hardware name: LENOVO 90GH000GCD/3102, BIOS M16KT34A 05/25/2017
Workqueue: events moom_callback
Call Trace:
 [<ffffffff8178219b>] dump_stack+0x19/0x1b
 [<ffffffff8177cf5b>] dump_header+0x8e/0x2ab
 [<ffffffff81125e1d>] ? trace_hardirqs_on_caller+0xfd/0x1c0
 [<ffffffff81125eed>] ? trace_hardirqs_on+0xd/0x10
 [<ffffffff811ce4fe>] oom_kill_process+0x26e/0x3f0
 [<ffffffff810ec575>] ? local_clock+0x25/0x30
 [<ffffffff811ceeb1>] out_of_memory+0x601/0x670
 [<ffffffff8148b51d>] moom_callback+0x4d/0x50
 [<ffffffff810c5b66>] process_one_work+0x226/0x720
 [<ffffffff810c5afa>] ? process_one_work+0x1ba/0x720
 [<ffffffff810c6186>] worker_thread+0x126/0x3b0
 [<ffffffff810c6060>] ? process_one_work+0x720/0x720
 [<ffffffff810cec3d>] kthread+0xed/0x100
 [<ffffffff810ceb50>] ? insert_kthread_work+0x80/0x80
 [<ffffffff81797e5d>] ret_from_fork+0x5d/0xb0
 [<ffffffff810ceb50>] ? insert_kthread_work+0x80/0x80
@level 6
Mem-Info:
active_anon:{~26728} inactive_anon:{~2191} isolated_anon:0
> active_file:{~21362} inactive_file:{~46137} isolated_file:0
> unevictable:{~5409} dirty:{~24} writeback:0 unstable:0
> slab_reclaimable:{~16619} slab_unreclaimable:{~14290}
> mapped:{~15288} shmem:{~2373} pagetables:{~1969} bounce:0
> free:{~3870360} free_pcp:{~2330} free_cma:0
Node 0 DMA free:15872kB min:64kB low:80kB high:96kB active_anon:0kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB isolated(anon):0kB isolated(file):0kB present:15980kB managed:15896kB mlocked:0kB dirty:0kB writeback:0kB mapped:0kB shmem:0kB slab_reclaimable:0kB slab_unreclaimable:24kB kernel_stack:0kB pagetables:0kB unstable:0kB bounce:0kB free_pcp:0kB local_pcp:0kB free_cma:0kB writeback_tmp:0kB pages_scanned:0 all_unreclaimable? no
lowmem_reserve[]: 0 3269 15780 15780
Node 0 DMA32 free:{~3231692}kB min:13988kB low:17484kB high:20980kB active_anon:{~22544}kB inactive_anon:{~240}kB active_file:{~20476}kB inactive_file:{~39852}kB unevictable:{~4232}kB isolated(anon):0kB isolated(file):0kB present:3616468kB managed:3354772kB mlocked:{~4232}kB dirty:{~8}kB writeback:0kB mapped:{~10032}kB shmem:{~432}kB slab_reclaimable:{~11044}kB slab_unreclaimable:{~5940}kB kernel_stack:{~688}kB pagetables:{~1836}kB unstable:0kB bounce:0kB free_pcp:{~5024}kB local_pcp:{~652}kB free_cma:0kB writeback_tmp:0kB pages_scanned:0 all_unreclaimable? no
lowmem_reserve[]: 0 0 12511 12511
Node 0 Normal free:{~12233876}kB min:53528kB low:66908kB high:80292kB active_anon:{~84368}kB inactive_anon:{~8524}kB active_file:{~64972}kB inactive_file:{~144696}kB unevictable:{~17404}kB isolated(anon):0kB isolated(file):0kB present:13090816kB managed:12811508kB mlocked:{~17404}kB dirty:{~88}kB writeback:0kB mapped:{~51120}kB shmem:{~9060}kB slab_reclaimable:{~55432}kB slab_unreclaimable:{~51196}kB kernel_stack:{~3392}kB pagetables:{~6040}kB unstable:0kB bounce:0kB free_pcp:{~4296}kB local_pcp:{~296}kB free_cma:0kB writeback_tmp:0kB pages_scanned:0 all_unreclaimable? no
lowmem_reserve[]: 0 0 0 0
Node 0 DMA: 0*4kB 0*8kB 0*16kB 0*32kB 2*64kB (U) 1*128kB (U) 1*256kB (U) 0*512kB 1*1024kB (U) 1*2048kB (M) 3*4096kB (M) = 15872kB
Node 0 DMA32: {~569}*4kB (UEM) {~459}*8kB (UEM) {~325}*16kB (UEM) {~226}*32kB (UEM) {~128}*64kB (UEM) {~78}*128kB (UEM) {~35}*256kB (UM) {~21}*512kB (UEM) {~9}*1024kB (M) 0*2048kB {~773}*4096kB (M) = {~3231692}kB
Node 0 Normal: {~1509}*4kB (UEM) {~1740}*8kB (UEM) {~1028}*16kB (UEM) {~545}*32kB (UEM) {~445}*64kB (UEM) {~254}*128kB (UM) {~144}*256kB (UEM) {~76}*512kB (UM) {~53}*1024kB (UEM) {~68}*2048kB (UM) {~2893}*4096kB (UM) = {~12233876}kB
Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=1048576kB
Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB
{~71731} total pagecache pages
0 pages in swap cache
Swap cache stats: add {~156702}, delete {~156702}, find {~301}/{~390}
Free swap  = 8191996kB
Total swap = 8191996kB
4180816 pages RAM
0 pages HighMem/MovableOnly
135272 pages reserved
[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name
@table
@level 3
Out of memory: Kill process {vpid} ({vcomm}) score {score} or sacrifice child
Killed process {vpid} ({vcomm}) total-vm:{total_vm_kb}kB, anon-rss:{anon_kb}kB, file-rss:{file_kb}kB, shmem-rss:{shmem_kb}kB
)";

// 023-xfs_db-global-3.2-rc3-percpu-meminfo: 3.2 global OOM, `oom_adj=0, oom_score_adj=0`,
// `Pid: N, comm:` header, per-cpu hi/btch/usd lines, each Mem-Info line its own record,
// <=3.5 table with cpu/oom_adj columns, Killed line without shmem-rss.
inline constexpr const char* kShapeGlobal32 = R"(@level 4
{comm} invoked oom-killer: gfp_mask=0x280da, order=0, oom_adj=0, oom_score_adj={adj}
{comm} cpuset=/ mems_allowed=0
Pid: {tpid}, comm: {comm} Not tainted 3.2.0-rc3-dgc+ #114
Call Trace:
 [<ffffffff810debfd>] ? cpuset_print_task_mems_allowed+0x9d/0xb0
 [<ffffffff8111afae>] dump_header.isra.8+0x7e/0x1c0
 [<ffffffff816b56d0>] ? ___ratelimit+0xa0/0x120
 [<ffffffff8111b9c7>] out_of_memory+0x3b7/0x550
 [<ffffffff81120976>] __alloc_pages_nodemask+0x726/0x740
 [<ffffffff8115700a>] alloc_pages_vma+0x9a/0x150
 [<ffffffff81139e1a>] do_wp_page+0x3ca/0x740
 [<ffffffff8113b8bd>] handle_pte_fault+0x44d/0x8b0
 [<ffffffff81155183>] ? alloc_pages_current+0xa3/0x110
 [<ffffffff8113c035>] handle_mm_fault+0x155/0x250
 [<ffffffff81ac7021>] ? _cond_resched+0x1/0x40
 [<ffffffff81acc9c2>] do_page_fault+0x142/0x4f0
 [<ffffffff8107958d>] ? set_next_entity+0xad/0xd0
 [<ffffffff810796c7>] ? pick_next_task_fair+0xc7/0x110
 [<ffffffff81acc4c5>] do_async_page_fault+0x35/0x80
 [<ffffffff81ac9875>] async_page_fault+0x25/0x30
@level 6
Mem-Info:
Node 0 DMA per-cpu:
CPU    0: hi:    0, btch:   1 usd:   0
CPU    1: hi:    0, btch:   1 usd:   0
CPU    2: hi:    0, btch:   1 usd:   0
CPU    3: hi:    0, btch:   1 usd:   0
Node 0 DMA32 per-cpu:
CPU    0: hi:  186, btch:  31 usd:   0
CPU    1: hi:  186, btch:  31 usd:   {~6}
CPU    2: hi:  186, btch:  31 usd:   {~5}
CPU    3: hi:  186, btch:  31 usd:   0
Node 0 Normal per-cpu:
CPU    0: hi:  186, btch:  31 usd:  {~57}
CPU    1: hi:  186, btch:  31 usd: {~171}
CPU    2: hi:  186, btch:  31 usd:   {~3}
CPU    3: hi:  186, btch:  31 usd:   0
active_anon:{~790116} inactive_anon:{~198062} isolated_anon:0
 active_file:{~19} inactive_file:{~161} isolated_file:0
 unevictable:0 dirty:0 writeback:{~123} unstable:0
 free:{~6585} slab_reclaimable:{~2052} slab_unreclaimable:{~4014}
 mapped:{~64} shmem:{~11} pagetables:{~2741} bounce:0
Node 0 DMA free:15888kB min:28kB low:32kB high:40kB active_anon:0kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB isolated(anon):0kB isolated(file):0kB present:15664kB mlocked:0kB dirty:0kB writeback:0kB mapped:0kB shmem:0kB slab_reclaimable:0kB slab_unreclaimable:0kB kernel_stack:0kB pagetables:0kB unstable:0kB bounce:0kB writeback_tmp:0kB pages_scanned:0 all_unreclaimable? yes
lowmem_reserve[]: 0 3512 4017 4017
Node 0 DMA32 free:{~9072}kB min:7076kB low:8844kB high:10612kB active_anon:{~2960704}kB inactive_anon:{~592396}kB active_file:0kB inactive_file:0kB unevictable:0kB isolated(anon):0kB isolated(file):0kB present:3596500kB mlocked:0kB dirty:0kB writeback:{~480}kB mapped:{~4}kB shmem:0kB slab_reclaimable:{~4}kB slab_unreclaimable:{~620}kB kernel_stack:0kB pagetables:{~7692}kB unstable:0kB bounce:0kB writeback_tmp:0kB pages_scanned:{~10} all_unreclaimable? yes
lowmem_reserve[]: 0 0 505 505
Node 0 Normal free:{~1380}kB min:1016kB low:1268kB high:1524kB active_anon:{~199760}kB inactive_anon:{~199852}kB active_file:{~76}kB inactive_file:{~644}kB unevictable:0kB isolated(anon):0kB isolated(file):0kB present:517120kB mlocked:0kB dirty:0kB writeback:{~12}kB mapped:{~252}kB shmem:{~44}kB slab_reclaimable:{~8204}kB slab_unreclaimable:{~15436}kB kernel_stack:{~1184}kB pagetables:{~3272}kB unstable:0kB bounce:0kB writeback_tmp:0kB pages_scanned:{~1022} all_unreclaimable? no
lowmem_reserve[]: 0 0 0 0
Node 0 DMA: 0*4kB 0*8kB 1*16kB 0*32kB 2*64kB 1*128kB 1*256kB 0*512kB 1*1024kB 1*2048kB 3*4096kB = 15888kB
Node 0 DMA32: {~15}*4kB {~4}*8kB {~3}*16kB 1*32kB 1*64kB 0*128kB 1*256kB 2*512kB 2*1024kB 1*2048kB 1*4096kB = {~9708}kB
Node 0 Normal: {~305}*4kB {~17}*8kB {~4}*16kB 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = {~1420}kB
{~2722} total pagecache pages
{~2622} pages in swap cache
Swap cache stats: add {~124512}, delete {~121890}, find {~2}/{~4}
Free swap  = 0kB
Total swap = 497976kB
1048560 pages RAM
36075 pages reserved
{~595} pages shared
{~1003827} pages non-shared
[ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name
@table
@level 3
Out of memory: Kill process {vpid} ({vcomm}) score {score} or sacrifice child
Killed process {vpid} ({vcomm}) total-vm:{total_vm_kb}kB, anon-rss:{anon_kb}kB, file-rss:{file_kb}kB
)";

}  // namespace oomscope::bench
