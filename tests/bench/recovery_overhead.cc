// recovery_overhead: how long RecoverCatastrophic, RecoverNormal and
// VerifyDatabases take on a small real environment (200 committed
// transactions, two databases), median of REPS calls each. Evidence for the
// cost of running recovery in the bdbackup-recover helper process; not part of
// the CMake build. Build against a build directory B (RelWithDebInfo):
//   g++ -O2 -std=c++20 -I. -IB/generated tests/bench/recovery_overhead.cc \
//     B/libtest_support.a B/libsimulator.a B/libengine.a -lfmt -lxxhash -ldb-5.3 -lfiu -lpthread
//   BDBACKUP_RECOVER_HELPER=B/bin/bdbackup-recover ./a.out [REPS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "engine/recovery/recovery.h"
#include "tests/support/test_env.h"

namespace {

double MedianMs(int reps, const std::function<bdb::Status()>& call) {
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    bdb::Status s = call();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!s.ok()) {
      std::fprintf(stderr, "failed: %s\n", s.message().c_str());
      std::exit(1);
    }
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 30;
  bdb::TempDir tmp("bdbackup-recovery-bench");
  const std::string home = tmp.Sub("env");
  if (!bdb::CreateTestEnvironment(home).ok()) return 1;
  {
    std::unique_ptr<bdb::TestWriter> writer;
    if (!bdb::TestWriter::Open(home, &writer).ok() || !writer->Commit(200).ok()) return 1;
  }
  std::printf("catastrophic recovery: %.2f ms\n",
              MedianMs(reps, [&] { return bdb::RecoverCatastrophic(home, std::nullopt); }));
  std::printf("normal recovery:       %.2f ms\n", MedianMs(reps, [&] { return bdb::RecoverNormal(home); }));
  std::printf("verify a.db, b.db:     %.2f ms\n",
              MedianMs(reps, [&] { return bdb::VerifyDatabases(home, {"a.db", "b.db"}); }));
  return 0;
}
