// A deliberately UNSAFE database copier for negative controls: it maps the
// source (PROT_READ, MAP_SHARED) and memcpys it out in 4096-byte chunks with
// no verification, as naive backup tools do. It has CopyDatabaseFile's
// signature so the engine can take it as a pluggable copier. A real mmap tear
// is rare on Linux, so a ChunkFaultHook may rewrite each chunk before it is
// stored; ChunkTearHook plugs the 4 KiB TornPageInjector into that hook.
// Thread-safety: functions; a hook is used by one copy at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/file_io.h"
#include "engine/copy/verified_copy.h"
#include "simulator/faults/torn_read_file_io.h"

namespace bdb::sim {

inline constexpr size_t kMmapChunkBytes = 4096;

// Called for every chunk after it was copied out of the mapping and before it
// is written to dst; may change the n bytes at chunk (n < 4096 only at the end).
using ChunkFaultHook = std::function<void(const std::string& path, uint64_t offset, char* chunk, size_t n)>;

// A copier with CopyDatabaseFile's signature.
using DatabaseCopier = std::function<Status(FileIO* io, const std::string& src, const std::string& dst,
                                            const CopyOptions& options, CopyResult* result)>;

// Maps src and copies it to dst (created 0600 through io, fsynced) in 4096-byte
// chunks; options.verification is ignored (result->verification is kNone).
// The source is read with mmap(2) directly, bypassing io: that is the point.
// Errors (dst removed): IOError "unable to open file '<src>': <why>",
// "unable to map file '<src>': <why>", and io's errors writing dst.
Status CopyDatabaseFileWithMmap(FileIO* io, const std::string& src, const std::string& dst,
                                const CopyOptions& options, CopyResult* result);
// Same, calling hook (if set) on every chunk.
Status CopyDatabaseFileWithMmapHook(FileIO* io, const std::string& src, const std::string& dst,
                                    const CopyOptions& options, const ChunkFaultHook& hook, CopyResult* result);
// The mmap copier with hook bound, for the engine's pluggable copier.
DatabaseCopier MmapCopierWithHook(ChunkFaultHook hook);

// A hook that tears the injector's target pages: at the first chunk of each page
// it reads the whole page through io (counting it as one page read) and, if the
// injector tears it, stores the spliced page's bytes in that page's chunks.
// REQUIRES: injector and io outlive the hook; use MmapStyleFaultOptions for 4 KiB tears.
ChunkFaultHook ChunkTearHook(TornPageInjector* injector, FileIO* io);

}  // namespace bdb::sim
