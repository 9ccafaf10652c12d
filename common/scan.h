// scan.h: byte-level scanning primitives for the streaming log pipeline.
//
// The analyzer must read a kernel log about as fast as grep finds a word in it, so lines
// that cannot start an OOM report are skipped without being split, prefix-parsed or
// classified. These helpers work on whole buffers, 16 (SSE2) or 32 (AVX2) bytes at a time,
// with a scalar fallback on other architectures.
//
// Example:
//   count_newlines("a\nb\n", 4) == 2
//   find_either("a#b\\c", 5, '\\', '#') == 1
#pragma once

#include <cstddef>

namespace oomscope {

// count_newlines(): the number of '\n' bytes in [p, p + n).
size_t count_newlines(const char* p, size_t n);

// find_either(): the offset of the first byte in [p, p + n) that is `a` or `b`; n if none.
size_t find_either(const char* p, size_t n, char a, char b);

}  // namespace oomscope
