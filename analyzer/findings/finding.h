// finding.h: what an OOM event means, as findings an on-call engineer can act on.
//
// A Finding is the product of one small pure rule (one file each in analyzer/findings/): an
// id, a severity, a one-line verdict with the numbers in it, the evidence (as sentences and
// as structured key -> value), the next step, and the report lines that prove it (quoted
// from OomEvent::lines when the parser kept them). find_all() runs every rule on one event;
// rules that do not apply return nothing, so an event can have no finding at all.
//
// Example (tests/data/kernel-logs/035, a Rust gateway killed at a 256 MiB pod limit):
//   std::vector<Finding> f = find_all(ev);
//   // f[0].id == "anon_blowup", f[0].severity == Severity::kCritical,
//   // f[0].verdict == "Anonymous memory filled the 256.0 MiB memcg limit: anon 254.5 MiB (99%);
//   //                  engine-gateway (pid 1974310) is the largest process (rss 300.4 MiB,
//   //                  anon 254.4 MiB = 100% of the anon)"
//   // f[0].data["anon_bytes"] == 266821632
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzer/event.h"

namespace oomscope {

enum class Severity { kCritical = 0, kWarning = 1, kInfo = 2 };

// severity_name(): "critical", "warning", "info".
std::string_view severity_name(Severity s);

// EvidenceLine: a line of the kernel log that proves a finding.
struct EvidenceLine {
  uint64_t line = 0;   // 1-based line number in the event's source file
  std::string text;    // the kernel's message, without the log prefix
};

// FindingData: a finding's numbers as key -> value, in the order the rule wrote them (the
// `data` object of docs/findings.md). A rule writes `f.data["anon_bytes"] = x`: a number, a
// bool or a string is kept as such, anything else (arrays, objects, null) as an
// nlohmann::ordered_json, and the JSON is written straight from that (write_findings_json()) as
// ordered_json wrote it. A DOM per finding cost an OOM storm ~5% of its rendering: an
// allocation per key and value, and a tree to walk and free per finding.
// As with ordered_json, data["key"] on a key not written yet adds it, as null.
class FindingData {
 public:
  class Value {
   public:
    enum class Kind : uint8_t { kNull, kUnsigned, kInteger, kFloat, kBool, kString, kJson };

    // Each type goes where ordered_json's constructor puts it: unsigned and signed integers,
    // floating point, bool, strings; other types (vectors, ordered_json itself…) as kJson.
    template <typename T>
    Value& operator=(T&& v) {
      using D = std::remove_cvref_t<T>;
      if (kind_ == Kind::kJson) j_ = nullptr;
      if constexpr (std::is_same_v<D, bool>) {
        kind_ = Kind::kBool;
        b_ = v;
      } else if constexpr (std::is_same_v<D, unsigned> || std::is_same_v<D, unsigned long> ||
                           std::is_same_v<D, unsigned long long>) {
        kind_ = Kind::kUnsigned;
        u_ = v;
      } else if constexpr (std::is_same_v<D, int> || std::is_same_v<D, long> || std::is_same_v<D, long long>) {
        kind_ = Kind::kInteger;
        i_ = v;
      } else if constexpr (std::is_same_v<D, double>) {
        kind_ = Kind::kFloat;
        d_ = v;
      } else if constexpr (std::is_same_v<D, std::string> || std::is_same_v<D, std::string_view> ||
                           std::is_same_v<std::decay_t<D>, const char*> || std::is_same_v<std::decay_t<D>, char*>) {
        kind_ = Kind::kString;
        s_ = std::forward<T>(v);
      } else {
        kind_ = Kind::kJson;
        j_ = nlohmann::ordered_json(std::forward<T>(v));
      }
      return *this;
    }

    Kind kind() const { return kind_; }
    uint64_t as_unsigned() const { return u_; }
    int64_t as_integer() const { return i_; }
    double as_float() const { return d_; }
    bool as_bool() const { return b_; }
    const std::string& as_string() const { return s_; }
    const nlohmann::ordered_json& as_json() const { return j_; }
    // to_json(): the value as ordered_json held it.
    nlohmann::ordered_json to_json() const;
    // Read as ordered_json reads (tests: data["anon_share"].get<double>(), data["top"][0]["name"]).
    template <typename T>
    T get() const {
      return to_json().get<T>();
    }
    size_t size() const { return to_json().size(); }
    bool is_null() const { return kind_ == Kind::kNull || (kind_ == Kind::kJson && j_.is_null()); }
    template <typename K>
    nlohmann::ordered_json operator[](const K& k) const {
      nlohmann::ordered_json j = to_json();
      return j[k];
    }

    // Compared and printed as their JSON (tests: EXPECT_EQ(f.data["pid"], 46452)).
    template <typename T>
    friend bool operator==(const Value& a, const T& b) {
      return a.to_json() == b;
    }
    friend std::ostream& operator<<(std::ostream& os, const Value& v) { return os << v.to_json(); }

   private:
    Kind kind_ = Kind::kNull;
    union {
      uint64_t u_ = 0;
      int64_t i_;
      double d_;
      bool b_;
    };
    std::string s_;             // kString
    nlohmann::ordered_json j_;  // kJson
  };
  using Entry = std::pair<std::string, Value>;

  // operator[](): the value of `key`, added (null, after the others) when not there yet.
  Value& operator[](std::string_view key);
  // operator[]() const, contains(): reading it as an ordered_json is read (tests); a key that
  // is not there reads as null.
  nlohmann::ordered_json operator[](std::string_view key) const;
  bool contains(std::string_view key) const;
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }
  // to_json(): the object, as ordered_json.
  nlohmann::ordered_json to_json() const;

 private:
  std::vector<Entry> entries_;
};

struct Finding {
  std::string id;                  // stable identifier, documented in docs/findings.md
  Severity severity = Severity::kInfo;
  // A few words: "Anonymous memory blowup". Always a string literal (every rule's titles are),
  // so no finding allocates and frees one.
  std::string_view title;
  std::string verdict;             // one line, with the numbers
  std::vector<std::string> evidence;   // the numbers as sentences
  FindingData data;                // the numbers as key -> value
  std::string next_step;           // what to do about it
  std::vector<EvidenceLine> evidence_lines;  // quoted report lines (empty when none were kept)
};

class PodIndex;
struct PackEvidence;
namespace findings {
struct EventFacts;
}

// FindingContext: facts from outside the kernel log that some rules use when present.
struct FindingContext {
  const PodIndex* pods = nullptr;       // `--pods FILE`: a `kubectl get pods -A -o json` dump
  const PackEvidence* pack = nullptr;   // the tables of an evidence pack (analyze PACK)
  // The figures derived from the event itself (composition, culprit, memory breakdown;
  // findings/facts.h), when the caller computed them already for this same event: the
  // renderers need them too. find_all() computes them once when this is null.
  const findings::EventFacts* facts = nullptr;
};

// find_all(): every finding of `ev`, most severe first (rule order within a severity).
std::vector<Finding> find_all(const OomEvent& ev, const FindingContext& ctx = {});

// findings_to_json(): the findings as a JSON array (schema: docs/findings.md).
nlohmann::ordered_json findings_to_json(const std::vector<Finding>& findings);

}  // namespace oomscope
