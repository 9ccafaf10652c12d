#!/bin/bash
# slowwrite_oom.sh: how tests/data/kernel-logs/045 was captured. Not run by any test.
# A real memcg OOM whose memory is page cache under writeback: a writer in a 48 MiB cgroup v1
# memcg writes a file on XFS on a loop device whose writes are throttled (root blkio cgroup,
# blkio.throttle.write_bps_device) to 1 MiB/s, so its page cache cannot be written back in time.
#
# Run as root on a machine with the v1 memory and blkio controllers, xfsprogs, a free loop
# device: tests/analyzer/findings/data/slowwrite_oom.sh OUT.log [BPS] [FILE_MIB] [LIMIT_MIB]
# It builds oom_scenarios.c, makes a 6 GiB sparse image in a temporary directory, and removes
# everything it made (throttle rule, mount, loop device, image, cgroup) on every exit path.
set -u
OUT=$1; BPS=${2:-1048576}; MIB=${3:-256}; LIM=${4:-48}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/oomscope-slowwrite.XXXXXX)
REL=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
CG=/sys/fs/cgroup/memory${REL%/}/oomscope-fixture-slowwrite
LOOP=""; MM=""
cleanup() {
  [ -n "$MM" ] && echo "$MM 0" > /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device
  mountpoint -q "$W/mnt" && umount "$W/mnt"
  [ -n "$LOOP" ] && losetup -d "$LOOP"
  [ -d "$CG" ] && rmdir "$CG"
  rm -rf "$W"
}
trap cleanup EXIT
gcc -O1 -pthread -o "$W/hog" "$HERE/oom_scenarios.c" || exit 1
truncate -s 6G "$W/xfs.img" && mkfs.xfs -q -f "$W/xfs.img" || exit 1
LOOP=$(losetup -f --show --direct-io=on "$W/xfs.img") || exit 1
MM=$(printf '%d:%d' $((0x$(stat -c %t "$LOOP"))) $((0x$(stat -c %T "$LOOP"))))
mkdir "$W/mnt" && mount "$LOOP" "$W/mnt" || exit 1
echo "$MM $BPS" > /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device || exit 1
T0=$(awk '{print $1}' /proc/uptime)
echo "loop $LOOP ($MM) throttled to $BPS B/s; start $(date -u +%FT%TZ), uptime $T0"
timeout 120 "$W/hog" slowwrite "$CG" "$LIM" "$W/mnt/ingest.dat" "$MIB"
echo "$MM 0" > /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device
# The kernel's records since the start, as plain dmesg prints them.
dmesg | awk -v t="$T0" '{ts = substr($1, 2) + 0} ts >= t' > "$OUT"
echo "end $(date -u +%FT%TZ): $(wc -l < "$OUT") lines in $OUT"
