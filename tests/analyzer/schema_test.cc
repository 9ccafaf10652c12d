// schema_test.cc: schema/analyze-output.schema.json stays true to the code.
//
// Runs every corpus log through the JSON renderer and checks that every key the output has
// is declared in the schema (following $ref, items and oneOf), that every required key is
// there, and that declared types match (null allowed only where the schema says so).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analyzer/analyze.h"
#include "analyzer/findings/kubernetes.h"
#include "analyzer/findings/pack_evidence.h"
#include "analyzer/findings/report.h"
#include "analyzer/render.h"

namespace oomscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json load(const fs::path& p) {
  std::ifstream f(p);
  return json::parse(f);
}

class SchemaChecker {
 public:
  explicit SchemaChecker(json schema) : root_(std::move(schema)) {}

  const json& resolve(const json& node) const {
    if (node.contains("$ref")) {
      std::string ref = node["$ref"];  // "#/$defs/name"
      return root_["$defs"][ref.substr(ref.rfind('/') + 1)];
    }
    return node;
  }

  bool type_ok(const json& schema, const json& v) const {
    if (!schema.contains("type")) return true;
    auto one = [&](const std::string& t) {
      if (t == "null") return v.is_null();
      if (t == "object") return v.is_object();
      if (t == "array") return v.is_array();
      if (t == "string") return v.is_string();
      if (t == "integer") return v.is_number_integer();
      if (t == "number") return v.is_number();
      if (t == "boolean") return v.is_boolean();
      return false;
    };
    const json& t = schema["type"];
    if (t.is_string()) return one(t);
    for (const auto& x : t)
      if (one(x)) return true;
    return false;
  }

  void check(const json& schema_in, const json& v, const std::string& path, std::vector<std::string>& errors) const {
    const json& schema = resolve(schema_in);
    if (schema.contains("oneOf")) {
      for (const auto& alt : schema["oneOf"]) {
        std::vector<std::string> e;
        check(alt, v, path, e);
        if (e.empty()) return;
      }
      errors.push_back(path + ": matches no oneOf alternative");
      return;
    }
    if (!type_ok(schema, v)) {
      errors.push_back(path + ": type " + std::string(v.type_name()) + " not allowed by " + schema["type"].dump());
      return;
    }
    if (v.is_object() && schema.contains("properties")) {
      for (const auto& req : schema.value("required", json::array()))
        if (!v.contains(req.get<std::string>())) errors.push_back(path + ": missing required " + req.get<std::string>());
      for (auto& [k, child] : v.items()) {
        if (!schema["properties"].contains(k)) {
          errors.push_back(path + "." + k + ": not declared in the schema");
          continue;
        }
        check(schema["properties"][k], child, path + "." + k, errors);
      }
    }
    if (v.is_array() && schema.contains("items"))
      for (size_t i = 0; i < v.size() && i < 3; ++i) check(schema["items"], v[i], path + "[" + std::to_string(i) + "]", errors);
  }

  const json& root() const { return root_; }

 private:
  json root_;
};

TEST(SchemaTest, EveryCorpusEventConforms) {
  SchemaChecker checker(load(OOMSCOPE_SOURCE_DIR "/schema/analyze-output.schema.json"));
  size_t events = 0;
  for (const auto& e : fs::directory_iterator(OOMSCOPE_TEST_DATA "/kernel-logs")) {
    if (e.path().extension() != ".log") continue;
    std::ifstream f(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::ostringstream out;
    JsonRenderer r(out);
    struct Sink : EventSink {
      explicit Sink(Renderer& r) : r(r) {}
      void on_event(OomEvent&& ev) override { r.event(ev); }
      Renderer& r;
    } sink(r);
    r.begin();
    AnalyzeStats st = analyze_string(ss.str(), e.path().filename().string(), {}, sink);
    r.end(st.lines, st.bytes);
    json doc = json::parse(out.str());
    std::vector<std::string> errors;
    checker.check(checker.root(), doc, e.path().filename().string(), errors);
    events += doc["events"].size();
    for (const auto& err : errors) ADD_FAILURE() << err;
  }
  EXPECT_GT(events, 25u);
}

// The findings about the whole input (top-level "findings"), from a real pack whose log lacks
// its report and kubectl JSON with an exit code 137, an eviction and an OOMKilled container.
TEST(SchemaTest, ReportFindingsConform) {
  SchemaChecker checker(load(OOMSCOPE_SOURCE_DIR "/schema/analyze-output.schema.json"));
  const std::string data = OOMSCOPE_SOURCE_DIR "/tests/analyzer/findings/data/";
  auto pe = load_pack_evidence(data + "nolog-memcg-oom-cgroupv1-6.18.oompack");
  ASSERT_TRUE(pe.ok()) << pe.error().message;
  std::ifstream pf(data + "pods-report-findings.json");
  std::stringstream ps;
  ps << pf.rdbuf();
  auto pods = PodIndex::parse(ps.str());
  ASSERT_TRUE(pods.ok());
  RenderOptions opts;
  opts.findings.pack = &*pe;
  opts.findings.pods = &*pods;
  std::ostringstream out, err;
  JsonRenderer r(out, opts);
  ReportFacts facts;
  struct Sink : EventSink {
    explicit Sink(Renderer& r) : r(r) {}
    void on_event(OomEvent&& ev) override { r.event(ev); }
    Renderer& r;
  } sink(r);
  ReportRecorder rec(sink, facts);
  r.begin();
  AnalyzeStats st = analyze_pack_kernel_log(*pe, {}, rec, err);
  r.report(find_report(facts, opts.findings));
  r.end(st.lines, st.bytes);
  json doc = json::parse(out.str());
  std::vector<std::string> errors;
  checker.check(checker.root(), doc, "report", errors);
  for (const auto& e : errors) ADD_FAILURE() << e;
  EXPECT_EQ(doc["findings"].size(), 5u) << doc["findings"].dump();
}

}  // namespace
}  // namespace oomscope
