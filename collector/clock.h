// clock.h: the collector's view of time, injectable so names and meta rows are testable.
//
// Example:
//   FixedClock c(1763767800'000000, 42'000000);  // 2025-11-21T23:30:00Z, 42 s after boot
//   format_utc_usec(c.utc_now_usec())   == "2025-11-21T23:30:00.000000Z"
//   format_utc_compact(c.utc_now_usec()) == "20251121T233000Z"
#pragma once

#include <cstdint>
#include <string>

namespace oomscope::collector {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t utc_now_usec() const = 0;    // CLOCK_REALTIME, microseconds since the epoch
  virtual int64_t monotonic_usec() const = 0;  // CLOCK_MONOTONIC, microseconds since boot
};

class SystemClock : public Clock {
 public:
  int64_t utc_now_usec() const override;
  int64_t monotonic_usec() const override;
};

class FixedClock : public Clock {
 public:
  FixedClock(int64_t utc_usec, int64_t mono_usec) : utc_(utc_usec), mono_(mono_usec) {}
  int64_t utc_now_usec() const override { return utc_; }
  int64_t monotonic_usec() const override { return mono_; }

 private:
  int64_t utc_, mono_;
};

// format_utc_usec(): ISO-8601 UTC with microseconds, "2025-11-21T23:30:00.000000Z".
std::string format_utc_usec(int64_t epoch_usec);
// format_utc_usec_slow(): the same through gmtime_r and snprintf (the reference in tests, and
// the path for years outside 0000-9999).
std::string format_utc_usec_slow(int64_t epoch_usec);
// format_utc_compact(): "20251121T233000Z" (for file names).
std::string format_utc_compact(int64_t epoch_usec);

}  // namespace oomscope::collector
