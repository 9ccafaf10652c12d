// parallel.h: one large log file parsed by several threads, with exactly the events (and in
// the order) that a single OomParser reading it from the start emits.
//
// The file is cut into segments at line starts. A job parses from the start of its
// segment with an empty parser and records checkpoints (OomParser::Checkpoint) at a few
// anchored lines of it. The job before it, having parsed its own segment, reads on into the
// next one and compares its own state with those checkpoints. At the first one where
// OomParser::continues_as() holds, both parsers will emit the same events from that line on:
// the earlier job stops there, and hands over the events it closed but still holds back for
// an older open one (OomParser::take_held()); they are passed on right after that open event.
// The later job's events count from the checkpoint (what it emitted before, or held there,
// came from starting in the middle and is dropped). When none of a job's checkpoints match
// (a report printed across all of them; one host's finished event still waiting for its
// reaper line), the job before takes its segment over; a job that reaches a segment no one has
// started simply reads on. Either way the output is the single parser's.
//
// When the sink prepares events (EventSink::prepare(): PipelinedSink renders them, JSON or
// text, and digests them for the report findings), each job prepares its own events on its
// thread: only the rendered text crosses threads, and the merger writes it out in order.
//
// Why: on an OOM storm (one report every few KiB) parsing and rendering cost many times grep's
// time per byte; jobs let every core parse and render.
//
// Memory: jobs start at most `threads` segments beyond the job whose events are being passed
// on, a job waiting to be passed on stops once it holds kMaxOutBytes of events (2 MiB as
// approx_event_bytes() counts them; of prepared ones 32 MiB / threads, 8 to 16 MiB, about a
// segment's rendered text on an OOM storm in the buffers holding it), and each thread reads
// its jobs' lines with pread() into one buffer of its own (256 KiB blocks, plus room for one
// line of up to 1 MiB): a few segments' worth of events and a few MiB of buffers, whatever the
// file size.
//
// Example:
//   CollectingSink sink;
//   auto st = analyze_parallel(fd, size, "kern.log", {}, sink);  // nullopt: an empty file
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "analyzer/analyze.h"
#include "analyzer/oom_parser.h"

namespace oomscope {

struct ParallelOptions {
  unsigned threads = 0;                 // parser threads; 0: one per CPU, at most kMaxThreads
  uint64_t segment_bytes = 8ULL << 20;  // a job's share of the file
  size_t max_checkpoints = 16;          // checkpoints a job records for the job before it
  uint64_t checkpoint_every = 64 << 10; // bytes between them (the first anchored line after)
  static constexpr unsigned kMaxThreads = 8;
};

// ParallelStats: how the work was split (tests, benchmarks).
struct ParallelStats {
  size_t segments = 0;
  size_t handovers = 0;  // jobs whose events count from a checkpoint
  size_t absorbed = 0;   // segments read by the job before them, no other job started there
  size_t abandoned = 0;  // jobs started, then taken over by the job before (no checkpoint matched)
};

// parallel_threads(): the parser threads analyze_fd() would use for a file (1: no point).
unsigned parallel_threads(const ParallelOptions& popts = {});

// analyze_parallel(): analyze_fd() for a regular file of `size` bytes open on `fd`, parsed by
// several threads. The events reach `sink` from the calling thread, in the single parser's
// order. nullopt for an empty file (the caller then reads it as a stream). A read error
// throws std::runtime_error.
std::optional<AnalyzeStats> analyze_parallel(int fd, uint64_t size, const std::string& name,
                                             const ParserOptions& opts, EventSink& sink,
                                             const ParallelOptions& popts = {},
                                             ParallelStats* stats = nullptr);

}  // namespace oomscope
