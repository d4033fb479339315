// Names of Berkeley DB log files: "log." followed by the file number as ten
// decimal digits ("log.0000000001"). Every piece of the engine that lists,
// copies or archives logs goes through these two functions.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace bdb {

// 1 -> "log.0000000001".
std::string LogFileName(uint32_t number);

// True and *number set only for exactly "log." + 10 digits with a value in
// 1..UINT32_MAX (BDB numbers logs from 1); false for anything else.
bool ParseLogFileName(const std::string& name, uint32_t* number);

}  // namespace bdb
