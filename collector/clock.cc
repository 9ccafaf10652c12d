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

namespace {
// civil_from_days(): proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
// algorithm, exact for every int64 day count used here).
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

void put_digits(char* p, unsigned v, int n) {
  for (int i = n - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}
}  // namespace

// Called for every kernel log record and every process row: formatted by hand for years
// 0000-9999 (gmtime_r + snprintf cost ~1 us each); anything else through gmtime_r.
std::string format_utc_usec(int64_t epoch_usec) {
  int64_t secs = epoch_usec / 1'000'000;
  int64_t frac = epoch_usec % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    secs--;
  }
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days--;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  if (y >= 0 && y <= 9999) {
    std::string out(27, '\0');  // yyyy-mm-ddThh:mm:ss.uuuuuuZ
    char* p = out.data();
    put_digits(p, static_cast<unsigned>(y), 4);
    p[4] = '-';
    put_digits(p + 5, m, 2);
    p[7] = '-';
    put_digits(p + 8, d, 2);
    p[10] = 'T';
    put_digits(p + 11, static_cast<unsigned>(sod / 3600), 2);
    p[13] = ':';
    put_digits(p + 14, static_cast<unsigned>(sod / 60 % 60), 2);
    p[16] = ':';
    put_digits(p + 17, static_cast<unsigned>(sod % 60), 2);
    p[19] = '.';
    put_digits(p + 20, static_cast<unsigned>(frac), 6);
    p[26] = 'Z';
    return out;
  }
  return format_utc_usec_slow(epoch_usec);
}

std::string format_utc_usec_slow(int64_t epoch_usec) {
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
