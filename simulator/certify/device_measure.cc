#include "simulator/certify/device_measure.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace bdb::sim::certify {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::string FilesystemName(const std::string& dir) {
  struct statfs fs {};
  if (::statfs(dir.c_str(), &fs) != 0) return "unknown";
  switch (static_cast<unsigned long>(fs.f_type)) {
    case EXT4_SUPER_MAGIC: return "ext4";
    case XFS_SUPER_MAGIC: return "xfs";
    case BTRFS_SUPER_MAGIC: return "btrfs";
    case TMPFS_MAGIC: return "tmpfs";
    case 0x2011BAB0: return "exfat";
    case 0x5346544e: return "ntfs";
    case 0xf2f52010: return "f2fs";
    case 0x2fc12fc1: return "zfs";
    case NFS_SUPER_MAGIC: return "nfs";
    case OVERLAYFS_SUPER_MAGIC: return "overlayfs";
  }
  return fmt::format("0x{:x}", static_cast<unsigned long>(fs.f_type));
}

Status WriteAll(int fd, const char* data, size_t n, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    ssize_t w = ::write(fd, data + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return Status::FromErrno(errno, fmt::format("unable to write file '{}'", path));
    done += static_cast<size_t>(w);
  }
  return Status::OK();
}

// Opens path for writing, runs body, closes and removes it whatever happens.
template <typename Body>
Status WithScratchFile(const std::string& path, Body body) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, fmt::format("unable to create file '{}'", path));
  Status s = body(fd);
  ::close(fd);
  ::unlink(path.c_str());
  return s;
}

}  // namespace

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * sorted.size()));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

nlohmann::json DeviceMeasurement::ToJson() const {
  return {{"fsync_samples", fsync_samples},   {"fsync_p50_ms", fsync_p50_ms},
          {"fsync_p99_ms", fsync_p99_ms},     {"fsync_max_ms", fsync_max_ms},
          {"sequential_bytes", sequential_bytes}, {"sequential_mib_per_s", sequential_mib_per_s},
          {"filesystem", filesystem}};
}

DeviceMeasurement DeviceMeasurement::FromJson(const nlohmann::json& j) {
  DeviceMeasurement m;
  m.fsync_samples = j.value("fsync_samples", 0u);
  m.fsync_p50_ms = j.value("fsync_p50_ms", 0.0);
  m.fsync_p99_ms = j.value("fsync_p99_ms", 0.0);
  m.fsync_max_ms = j.value("fsync_max_ms", 0.0);
  m.sequential_bytes = j.value("sequential_bytes", uint64_t{0});
  m.sequential_mib_per_s = j.value("sequential_mib_per_s", 0.0);
  m.filesystem = j.value("filesystem", std::string());
  return m;
}

Status MeasureDevice(const std::string& dir, const MeasureOptions& options, DeviceMeasurement* out) {
  *out = DeviceMeasurement();
  out->filesystem = FilesystemName(dir);
  std::vector<double> latencies;
  const std::string fsync_path = dir + "/.certify-fsync.tmp";
  BDB_RETURN_IF_ERROR(WithScratchFile(fsync_path, [&](int fd) {
    std::string block(4096, 'f');
    for (uint32_t i = 0; i < options.fsync_samples; ++i) {
      block[0] = static_cast<char>(i);
      BDB_RETURN_IF_ERROR(WriteAll(fd, block.data(), block.size(), fsync_path));
      const auto t = Clock::now();
      if (::fdatasync(fd) != 0) return Status::FromErrno(errno, fmt::format("unable to fsync file '{}'", fsync_path));
      latencies.push_back(MsSince(t));
    }
    return Status::OK();
  }));
  std::sort(latencies.begin(), latencies.end());
  out->fsync_samples = options.fsync_samples;
  out->fsync_p50_ms = Quantile(latencies, 0.50);
  out->fsync_p99_ms = Quantile(latencies, 0.99);
  out->fsync_max_ms = latencies.empty() ? 0 : latencies.back();
  const std::string seq_path = dir + "/.certify-bandwidth.tmp";
  return WithScratchFile(seq_path, [&](int fd) {
    std::string chunk(1 << 20, '\0');
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>((i * 2654435761u) >> 13);  // not zeros
    const auto t = Clock::now();
    for (uint32_t i = 0; i < options.write_mib; ++i) {
      chunk[0] = static_cast<char>(i);
      BDB_RETURN_IF_ERROR(WriteAll(fd, chunk.data(), chunk.size(), seq_path));
    }
    if (::fsync(fd) != 0) return Status::FromErrno(errno, fmt::format("unable to fsync file '{}'", seq_path));
    const double ms = MsSince(t);
    out->sequential_bytes = uint64_t{options.write_mib} << 20;
    out->sequential_mib_per_s = ms > 0 ? options.write_mib / (ms / 1000) : 0;
    return Status::OK();
  });
}

}  // namespace bdb::sim::certify
