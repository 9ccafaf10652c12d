// anchor.h: find the next place in a buffer where an OOM report can start.
//
// Every kernel line that can open an OOM event contains one of a few words: "oom"
// (invoked oom-killer, oom-kill:, oom_reaper, oom_kill_process), "Kill" (Killed process,
// Kill process), "emory" (memory: usage, Memory cgroup …, Out of memory), "Task " / "Tasks"
// (Task in, Tasks state, Tasks in), "pid " (the "[ pid ]" table header), "Mem-I" (Mem-Info)
// "SysRq", "kmem:" and "swap:" (the memcg counter lines). The scan tests 32 (AVX2) or 16
// (SSE2) bytes at a time for the first and last byte of each word (W. Muła's "SIMD-friendly
// generic substring search"; AVX2 also the second byte, all three looked up in nibble tables
// of word classes), then confirms candidates against the words. False positives are fine
// (the line is then parsed and classified); a false negative would lose an event, so the word
// list must stay a superset of what classify()'s event-opening kinds need.
//
// Example:
//   find_anchor("eth0 up\n[1.0] Out of memory", 27) == 22   // at "emory"
#pragma once

#include <cstddef>
#include <string_view>

namespace oomscope {

// find_anchor(): offset of the first anchor word in [p, p + n), or n when there is none.
size_t find_anchor(const char* p, size_t n);

// The implementations find_anchor() chooses from: AVX2 (32 bytes a step) when the CPU has it,
// else SSE2 (16 bytes), with a scalar tail. Tests run each one against the scalar reference.
enum class AnchorImpl { kScalar, kSse2, kAvx2 };
bool anchor_impl_available(AnchorImpl impl);
size_t find_anchor_with(AnchorImpl impl, const char* p, size_t n);

inline bool has_anchor_fast(std::string_view s) { return find_anchor(s.data(), s.size()) != s.size(); }

}  // namespace oomscope
