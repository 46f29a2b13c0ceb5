// libFuzzer target: nlohmann::json parsing of manifest-like input (run manifests, configs),
// and a dump/parse round trip, which must reproduce the same value.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(data, data + size);
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  std::string text;
  try {
    text = j.dump();
  } catch (const nlohmann::json::exception&) {
    return 0;  // e.g. invalid UTF-8 inside a string cannot be dumped strictly
  }
  nlohmann::json again = nlohmann::json::parse(text);
  // NaN never parses from JSON, so values compare equal unless a number lost precision, which
  // dump() promises not to do (it prints doubles round-trippably).
  if (again != j) __builtin_trap();
  return 0;
}
