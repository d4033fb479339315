#include "simulator/harness/argv_template.h"

namespace bdb::sim {

std::vector<std::string> ExpandArgv(const std::vector<std::string>& argv, const Placeholders& values) {
  std::vector<std::string> out;
  out.reserve(argv.size());
  for (std::string arg : argv) {
    for (const auto& [key, value] : values) {
      for (size_t at = arg.find(key); at != std::string::npos; at = arg.find(key, at + value.size()))
        arg.replace(at, key.size(), value);
    }
    out.push_back(std::move(arg));
  }
  return out;
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace bdb::sim
