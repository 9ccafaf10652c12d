#include "analyzer/event_json.h"

#include <algorithm>
#include <cmath>

#include "analyzer/findings/facts.h"
#include "analyzer/summary.h"

namespace oomscope {
namespace {

void write_killed(const Killed& k, JsonWriter& w) {
  w.begin_object();
  w.field("pid", k.pid);
  w.field("comm", k.comm);
  w.fields("total_vm_kb", k.total_vm_kb, "anon_rss_kb", k.anon_rss_kb, "file_rss_kb", k.file_rss_kb, "shmem_rss_kb",
           k.shmem_rss_kb, "uid", k.uid, "pgtables_kb", k.pgtables_kb, "oom_score_adj", k.oom_score_adj, "score",
           k.score);
  w.field("prefix", k.prefix);
  w.end_object();
}

void write_strings(JsonWriter& w, std::string_view key, const std::vector<std::string>& v) {
  w.key(key);
  w.begin_array();
  for (const auto& s : v) w.value(s);
  w.end_array();
}

void write_map(JsonWriter& w, const KeyedCounts& m) {
  w.begin_object();
  for (const auto& [k, v] : m) w.field(k, v);
  w.end_object();
}

// A finding's data is written as nlohmann's dump(-1, ' ', false, replace) writes it, without
// going through its serializer (which builds the text byte by byte): numbers, booleans and the
// strings and keys that need no escaping are written here; a string that does (a control byte,
// a quote, non-ASCII) is left to nlohmann, whose escaping ("\b", invalid UTF-8) differs from
// JsonWriter's.
using ojson = nlohmann::ordered_json;

std::string nlohmann_string(const std::string& s) {
  return ojson(s).dump(-1, ' ', false, ojson::error_handler_t::replace);
}

// write_key(), write_string(): as nlohmann's dump writes them.
void write_key(const std::string& k, JsonWriter& w) {
  if (!w.plain_key(k)) w.raw_key(nlohmann_string(k));
}

void write_string(const std::string& s, JsonWriter& w) {
  if (!w.plain_value(s)) w.raw(nlohmann_string(s));
}

// write_float(): nlohmann's own shortest round-trip form ("1.0", "0.8533401489257812", "1e-05").
void write_float(double x, JsonWriter& w) {
  if (!std::isfinite(x)) {
    w.null();
    return;
  }
  // At most 24 bytes, formatted in the writer's buffer. (Through a stack buffer and raw(), GCC
  // 12's -Warray-bounds misread the long-string branch of JsonWriter::put() in the -O1 ASan
  // build.)
  w.raw_in_place(64, [x](char* first, char* last) { return nlohmann::detail::to_chars(first, last, x); });
}

void write_data(const ojson& j, JsonWriter& w) {
  switch (j.type()) {
    case ojson::value_t::object:
      w.begin_object();
      for (const auto& [k, v] : j.get_ref<const ojson::object_t&>()) {
        write_key(k, w);
        write_data(v, w);
      }
      w.end_object();
      return;
    case ojson::value_t::array:
      w.begin_array();
      for (const ojson& v : j.get_ref<const ojson::array_t&>()) write_data(v, w);
      w.end_array();
      return;
    case ojson::value_t::string: write_string(j.get_ref<const std::string&>(), w); return;
    case ojson::value_t::number_unsigned: w.value(j.get<uint64_t>()); return;
    case ojson::value_t::number_integer: w.value(j.get<int64_t>()); return;
    case ojson::value_t::boolean: w.value(j.get<bool>()); return;
    case ojson::value_t::null: w.null(); return;
    case ojson::value_t::number_float: write_float(j.get<double>(), w); return;
    default: w.raw(j.dump(-1, ' ', false, ojson::error_handler_t::replace)); return;
  }
}

// write_data(): a finding's data object, its plain values written without an ordered_json.
void write_data(const FindingData& data, JsonWriter& w) {
  using Kind = FindingData::Value::Kind;
  w.begin_object();
  for (const auto& [k, v] : data) {
    write_key(k, w);
    switch (v.kind()) {
      case Kind::kNull: w.null(); break;
      case Kind::kUnsigned: w.value(v.as_unsigned()); break;
      case Kind::kInteger: w.value(v.as_integer()); break;
      case Kind::kFloat: write_float(v.as_float(), w); break;
      case Kind::kBool: w.value(v.as_bool()); break;
      case Kind::kString: write_string(v.as_string(), w); break;
      case Kind::kJson: write_data(v.as_json(), w); break;
    }
  }
  w.end_object();
}

std::optional<std::string> nonempty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

void write_findings_json(const std::vector<Finding>& findings, JsonWriter& w) {
  w.begin_array();
  for (const Finding& f : findings) {
    w.begin_object();
    w.field("id", f.id);
    w.field("severity", severity_name(f.severity));
    w.field("title", f.title);
    w.field("verdict", f.verdict);
    write_strings(w, "evidence", f.evidence);
    w.key("data");
    write_data(f.data, w);
    w.field("next_step", f.next_step);
    w.key("evidence_lines");
    w.begin_array();
    for (const EvidenceLine& l : f.evidence_lines) {
      w.begin_object();
      w.field("line", l.line);
      w.field("text", l.text);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
}

void write_event_json(const OomEvent& ev, JsonWriter& w, const std::vector<Finding>* findings,
                      const findings::EventFacts* facts) {
  std::optional<findings::EventFacts> own;
  if (!facts) facts = &own.emplace(findings::event_facts(ev));
  w.begin_object();
  w.key("source");
  w.begin_object();
  w.field("file", ev.source.file);
  w.field("first_line", ev.source.first_line);
  w.field("last_line", ev.source.last_line);
  w.end_object();
  w.field("host", ev.host);
  w.field("timestamp", ev.timestamp);
  w.field("monotonic_s", ev.monotonic_s);
  w.field("kernel", ev.kernel);
  w.field("hardware", ev.hardware);
  w.field("prefix_style", ev.prefix_style);
  w.field("complete", ev.complete);
  w.field("truncated", ev.truncated);
  write_strings(w, "missing", ev.missing);
  write_strings(w, "notes", ev.notes);
  w.key("trigger");
  w.begin_object();
  w.field("comm", ev.trigger.comm);
  w.field("pid", ev.trigger.pid);
  w.field("gfp_mask", ev.trigger.gfp_mask);
  w.field("gfp_flags", ev.trigger.gfp_flags);
  w.field("order", ev.trigger.order);
  w.field("oom_score_adj", ev.trigger.oom_score_adj);
  w.field("nodemask", ev.trigger.nodemask);
  w.end_object();
  w.field("constraint", ev.constraint);
  w.field("global_oom", ev.global_oom);
  w.field("cpuset", ev.cpuset);
  w.field("mems_allowed", ev.mems_allowed);
  w.key("memcg");
  if (ev.memcg) {
    const Memcg& m = *ev.memcg;
    w.begin_object();
    w.field("oom_memcg", m.oom_memcg);
    w.field("task_memcg", m.task_memcg);
    w.fields("usage_kb", m.usage_kb, "limit_kb", m.limit_kb, "failcnt", m.failcnt, "memsw_usage_kb", m.memsw_usage_kb,
             "memsw_limit_kb", m.memsw_limit_kb, "memsw_failcnt", m.memsw_failcnt, "kmem_usage_kb", m.kmem_usage_kb,
             "kmem_limit_kb", m.kmem_limit_kb, "swap_usage_kb", m.swap_usage_kb, "swap_limit_kb", m.swap_limit_kb);
    w.field("stats_path", m.stats_path);
    w.field("stats_format", nonempty(m.stats_format));
    w.key("stats");
    write_map(w, m.stats);
    if (!m.subtree_stats.empty()) {
      w.key("subtree_stats");
      w.begin_object();
      for (const auto& [p, kv] : m.subtree_stats) {
        w.key(p);
        write_map(w, kv);
      }
      w.end_object();
    }
    w.end_object();
  } else {
    w.null();
  }
  w.key("mem_info");
  if (ev.mem_info) {
    const MemInfo& mi = *ev.mem_info;
    w.begin_object();
    w.key("counters_pages");
    write_map(w, mi.counters_pages);
    w.key("zones");
    w.begin_array();
    for (const ZoneInfo& z : mi.zones) {
      w.begin_object();
      w.field("zone", z.node_zone);
      w.fields("free_kb", z.free_kb, "min_kb", z.min_kb, "low_kb", z.low_kb, "high_kb", z.high_kb, "present_kb",
               z.present_kb, "managed_kb", z.managed_kb);
      if (!z.free_by_order_kb.empty()) {
        w.key("free_by_order_kb");
        w.begin_object();
        for (const auto& [order, kb] : z.free_by_order_kb) w.numbered_field(order, kb);
        w.end_object();
      }
      w.end_object();
    }
    w.end_array();
    w.fields("free_swap_kb", mi.free_swap_kb, "total_swap_kb", mi.total_swap_kb, "pagecache_pages", mi.pagecache_pages,
             "ram_pages", mi.ram_pages, "reserved_pages", mi.reserved_pages, "hugepages_total", mi.hugepages_total,
             "hugepages_free", mi.hugepages_free, "hugepage_size_kb", mi.hugepage_size_kb);
    w.key("unreclaimable_slab_kb");
    w.begin_array();
    for (const auto& [name, kb] : mi.unreclaimable_slab_kb) {
      w.begin_object();
      w.field("name", name);
      w.field("used_kb", kb);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  } else {
    w.null();
  }
  w.field("page_size", ev.page_size);
  w.field("task_table", ev.has_task_table);
  write_strings(w, "task_columns", ev.task_columns);
  w.key("tasks");
  w.begin_array();
  for (const Task& t : ev.tasks) {
    w.begin_object();
    w.fields("pid", t.pid, "uid", t.uid, "tgid", t.tgid, "total_vm_pages", t.total_vm_pages, "rss_pages", t.rss_pages,
             "rss_anon_pages", t.rss_anon_pages, "rss_file_pages", t.rss_file_pages, "rss_shmem_pages",
             t.rss_shmem_pages, "pgtables_bytes", t.pgtables_bytes, "nr_ptes", t.nr_ptes, "swapents", t.swapents,
             "oom_score_adj", t.oom_score_adj);
    w.field("name", t.name);
    w.end_object();
  }
  w.end_array();
  w.key("killed");
  if (ev.killed) write_killed(*ev.killed, w);
  else w.null();
  if (ev.victims.size() > 1 || ev.oom_group) {
    w.field("oom_group", ev.oom_group);
    w.key("victims");
    w.begin_array();
    for (const Killed& k : ev.victims) write_killed(k, w);
    w.end_array();
  }
  w.key("reaped");
  w.begin_array();
  for (const Reaped& r : ev.reaped) {
    w.begin_object();
    w.field("pid", r.pid);
    w.field("comm", r.comm);
    w.fields("anon_rss_kb", r.anon_rss_kb, "file_rss_kb", r.file_rss_kb, "shmem_rss_kb", r.shmem_rss_kb);
    w.field("unable", r.unable);
    w.end_object();
  }
  w.end_array();
  write_strings(w, "call_trace", ev.call_trace);
  w.field("panic", ev.panic);
  w.field("end_reason", ev.end_reason);
  w.field("suppressed_callbacks", ev.suppressed_callbacks);
  const Composition& c = facts->composition;
  w.key("composition");
  w.begin_object();
  w.field("basis", nonempty(c.basis));
  w.fields("anon_bytes", c.anon_bytes, "file_bytes", c.file_bytes, "shmem_bytes", c.shmem_bytes, "kernel_bytes",
           c.kernel_bytes, "swap_bytes", c.swap_bytes, "limit_bytes", c.limit_bytes);
  w.field("limit_label", nonempty(c.limit_label));
  if (c.hugetlb_bytes && c.limit_label == "RAM outside hugepages") {  // only then: other events' JSON is unchanged
    w.field("ram_bytes", c.ram_bytes);
    w.field("hugepages_bytes", c.hugetlb_bytes);
  }
  w.end_object();
  w.key("culprit");
  if (const auto& cul = facts->culprit) {
    const Task& t = ev.tasks[cul->task_index];
    w.begin_object();
    w.field("pid", t.pid);
    w.field("name", t.name);
    w.field("rss_bytes", cul->rss_bytes);
    w.field("share_of_limit", cul->share);
    w.field("is_victim", cul->is_victim);
    w.field("reason", cul->reason);
    w.end_object();
  } else {
    w.null();
  }
  if (findings) {
    w.key("findings");
    write_findings_json(*findings, w);
  }
  w.end_object();
}

}  // namespace oomscope
