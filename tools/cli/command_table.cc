#include "tools/cli/command_table.h"

#include "base/user_path.h"

namespace bdb::cli {

const char* ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kFlag:
      return "flag";
    case ValueType::kString:
      return "string";
    case ValueType::kPath:
      return "path";
    case ValueType::kInteger:
      return "integer";
    case ValueType::kNumber:
      return "number";
    case ValueType::kDuration:
      return "duration";
  }
  return "string";
}

namespace internal {

CLI::Validator FollowLinks(Links links) {
  return CLI::Validator(
      [links](std::string& value) {
        std::string resolved;
        const Status s =
            links == Links::kFollow ? ResolveUserPath(value, &resolved) : ResolveUserPathParent(value, &resolved);
        if (!s.ok()) return s.message();
        value = resolved;
        return std::string();
      },
      "", "follow symbolic links");
}

}  // namespace internal

std::string Command::name() const {
  const size_t space = path.rfind(' ');
  return space == std::string::npos ? path : path.substr(space + 1);
}

const OptionUse* Command::Find(const std::string& option_name) const {
  for (const OptionUse& use : options)
    if (use.def->name == option_name) return &use;
  return nullptr;
}

const Command* Program::Find(const std::string& path) const {
  for (const Command& c : commands)
    if (c.path == path) return &c;
  return nullptr;
}

}  // namespace bdb::cli
