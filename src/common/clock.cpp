#include "common/clock.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace brainstem {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string iso8601(int64_t unix_ms) {
  time_t secs = static_cast<time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string iso8601_micros(int64_t unix_us) {
  time_t secs = static_cast<time_t>(unix_us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(unix_us % 1000000));
  return buf;
}

std::optional<int64_t> parse_iso8601_ms(std::string_view text) {
  int y, mo, d, h = 0, mi = 0, s = 0;
  std::string t(text);
  int consumed = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3) return std::nullopt;
  size_t pos = consumed;
  int64_t frac_ms = 0;
  int offset_s = 0;
  if (pos < t.size()) {
    if (t[pos] != 'T' && t[pos] != ' ') return std::nullopt;
    int c2 = 0;
    if (std::sscanf(t.c_str() + pos + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &c2) != 3) return std::nullopt;
    pos += 1 + c2;
    if (pos < t.size() && t[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
        if (digits < 3) frac_ms = frac_ms * 10 + (t[pos] - '0');
        ++digits;
        ++pos;
      }
      for (int i = digits; i < 3; ++i) frac_ms *= 10;
    }
    if (pos < t.size()) {
      if (t[pos] == 'Z' && pos + 1 == t.size()) {
      } else if ((t[pos] == '+' || t[pos] == '-') && t.size() - pos == 6 && t[pos + 3] == ':' &&
                 std::isdigit(static_cast<unsigned char>(t[pos + 1])) && std::isdigit(static_cast<unsigned char>(t[pos + 2])) &&
                 std::isdigit(static_cast<unsigned char>(t[pos + 4])) && std::isdigit(static_cast<unsigned char>(t[pos + 5]))) {
        int oh = (t[pos + 1] - '0') * 10 + (t[pos + 2] - '0'), om = (t[pos + 4] - '0') * 10 + (t[pos + 5] - '0');
        if (oh > 23 || om > 59) return std::nullopt;
        offset_s = (oh * 3600 + om * 60) * (t[pos] == '+' ? 1 : -1);
      } else {
        return std::nullopt;
      }
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  int64_t secs = timegm(&tm) - offset_s;
  return secs * 1000 + frac_ms;
}

}  // namespace brainstem
