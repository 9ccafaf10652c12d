#include "collector/clock.h"

#include <time.h>

#include <cstdio>

namespace oomscope::collector {

namespace {
int64_t read_clock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

struct tm utc_tm(int64_t epoch_usec) {
  int64_t secs = epoch_usec / 1'000'000;
  if (epoch_usec < 0 && epoch_usec % 1'000'000 != 0) secs--;
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  return tm;
}
}  // namespace

int64_t SystemClock::utc_now_usec() const { return read_clock(CLOCK_REALTIME); }
int64_t SystemClock::monotonic_usec() const { return read_clock(CLOCK_MONOTONIC); }

std::string format_utc_usec(int64_t epoch_usec) {
  struct tm tm = utc_tm(epoch_usec);
  int64_t frac = epoch_usec % 1'000'000;
  if (frac < 0) frac += 1'000'000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(frac));
  return buf;
}

std::string format_utc_compact(int64_t epoch_usec) {
  struct tm tm = utc_tm(epoch_usec);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace oomscope::collector
