// libbdbsim-listing-shim.so: preloaded (LD_PRELOAD) into an external backup
// program by the harness. Two jobs, both for the trial's verdict:
//  1. Directory order is part of the fault model. Every listing of a
//     directory inside the live environment's home is served in the order
//     the trial's plan drew (BDBSIM_SHIM_ORDER): "logs_first:<seed>" (log
//     files and the log directory, "log" or the name DB_CONFIG's set_lg_dir
//     gives, before anything else, the rest shuffled) or
//     "shuffle:<seed>" (a seeded shuffle), whatever file system the sandbox is on.
//  2. The copy window: every open and close of a file in the home that is not
//     a log, a region file or DB_CONFIG (a database file) is noted with the
//     time, so the harness counts the commits acknowledged while the program
//     read database files.
//  3. With BDBSIM_SHIM_HOLD=1, the first open of a database file waits
//     (at most 2 s) until the live log grows (in DB_CONFIG's set_lg_dir,
//     home/log or the home), and 20 ms more, so a commit is
//     acknowledged while the program copies however fast it is.
// Both are appended as lines to BDBSIM_SHIM_LOG (O_APPEND, one write(2) a
// line, so processes of a script share it): "list <n> <dir>", "open <ms>
// <path>", "close <ms> <path>". Without BDBSIM_SHIM_HOME the shim does nothing.
// Static programs and programs that sort names themselves are not affected
// by (1); the harness reports when no listing was seen.
// Thread-safe: one mutex guards the shim's tables.
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/random.h"

enum { kMaxDirs = 64, kMaxFds = 4096, kMaxEntries = 65536 };

struct Listing {
  DIR* dir;                // NULL: a free slot
  struct dirent64* items;  // the directory's entries, in the order served
  size_t count, next;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct Listing g_listings[kMaxDirs];
static unsigned char g_database_fd[kMaxFds];  // 1: the fd is a database file of the home
static char g_home[PATH_MAX];
static char g_log_dir_name[NAME_MAX + 1];  // DB_CONFIG's set_lg_dir, when a plain name other than "log"
static size_t g_home_len;
static int g_logs_first;
static uint64_t g_seed;
static int g_log_fd = -1;
static int g_ready;
static int g_hold;
static int g_held;

static struct dirent64* (*real_readdir64)(DIR*);
static int (*real_closedir)(DIR*);
static void (*real_rewinddir)(DIR*);
static int (*real_open)(const char*, int, ...);
static int (*real_open64)(const char*, int, ...);
static int (*real_openat)(int, const char*, int, ...);
static int (*real_openat64)(int, const char*, int, ...);
static int (*real_close)(int);
// The _FORTIFY_SOURCE entry points a program calls when its open flags are
// not known at compile time (GNU tar opens every file it archives so).
static int (*real_open_2)(const char*, int);
static int (*real_open64_2)(const char*, int);
static int (*real_openat_2)(int, const char*, int);
static int (*real_openat64_2)(int, const char*, int);

static int64_t NowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void LogLine(const char* fmt, ...) {
  if (g_log_fd < 0) return;
  char line[PATH_MAX + 128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n <= 0) return;
  if ((size_t)n >= sizeof line) n = sizeof line - 1;
  ssize_t ignored = write(g_log_fd, line, (size_t)n);
  (void)ignored;
}

static pthread_once_t g_resolved = PTHREAD_ONCE_INIT;

static void ResolveOnce(void) {
  real_readdir64 = (struct dirent64 * (*)(DIR*)) dlsym(RTLD_NEXT, "readdir64");
  real_closedir = (int (*)(DIR*))dlsym(RTLD_NEXT, "closedir");
  real_rewinddir = (void (*)(DIR*))dlsym(RTLD_NEXT, "rewinddir");
  real_open = (int (*)(const char*, int, ...))dlsym(RTLD_NEXT, "open");
  real_open64 = (int (*)(const char*, int, ...))dlsym(RTLD_NEXT, "open64");
  real_openat = (int (*)(int, const char*, int, ...))dlsym(RTLD_NEXT, "openat");
  real_openat64 = (int (*)(int, const char*, int, ...))dlsym(RTLD_NEXT, "openat64");
  real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
  real_open_2 = (int (*)(const char*, int))dlsym(RTLD_NEXT, "__open_2");
  real_open64_2 = (int (*)(const char*, int))dlsym(RTLD_NEXT, "__open64_2");
  real_openat_2 = (int (*)(int, const char*, int))dlsym(RTLD_NEXT, "__openat_2");
  real_openat64_2 = (int (*)(int, const char*, int))dlsym(RTLD_NEXT, "__openat64_2");
}

// The value of the home's DB_CONFIG "set_lg_dir DIR" line into dir; 0 if none.
static int ReadLogDirLine(char* dir, size_t size) {
  char path[PATH_MAX + 16], line[PATH_MAX + 32], value[PATH_MAX];
  snprintf(path, sizeof path, "%s/DB_CONFIG", g_home);
  FILE* f = fopen(path, "re");
  int found = 0;
  while (f != NULL && !found && fgets(line, sizeof line, f) != NULL) found = sscanf(line, " set_lg_dir %4095s", value) == 1;
  if (f != NULL) fclose(f);
  if (!found) return 0;
  const int n = snprintf(dir, size, "%s", value);
  return n > 0 && (size_t)n < size;
}

// The log directory DB_CONFIG names (relative to the home, or absolute) into out; 0 if none.
static int ConfiguredLogDir(char* out, size_t size) {
  char dir[PATH_MAX];
  if (!ReadLogDirLine(dir, sizeof dir)) return 0;
  const int n = dir[0] == '/' ? snprintf(out, size, "%s", dir) : snprintf(out, size, "%s/%s", g_home, dir);
  return n > 0 && (size_t)n < size;
}

// Every wrapper calls this first: a library's constructor may open a file
// before the shim's own constructor ran.
static void Resolve(void) { pthread_once(&g_resolved, ResolveOnce); }

__attribute__((constructor)) static void ShimInit(void) {
  Resolve();
  const char* home = getenv("BDBSIM_SHIM_HOME");
  const char* order = getenv("BDBSIM_SHIM_ORDER");
  const char* log = getenv("BDBSIM_SHIM_LOG");
  if (home == NULL || order == NULL || log == NULL || realpath(home, g_home) == NULL) return;
  g_home_len = strlen(g_home);
  if (strncmp(order, "logs_first:", 11) == 0) {
    g_logs_first = 1;
    g_seed = strtoull(order + 11, NULL, 10);
  } else if (strncmp(order, "shuffle:", 8) == 0) {
    g_seed = strtoull(order + 8, NULL, 10);
  } else {
    return;
  }
  // A log directory DB_CONFIG names by a plain name (set_lg_dir logs) ranks as "log" does.
  char dir[PATH_MAX];
  if (ReadLogDirLine(dir, sizeof dir) && strchr(dir, '/') == NULL && strlen(dir) < sizeof g_log_dir_name)
    strcpy(g_log_dir_name, dir);
  const char* hold = getenv("BDBSIM_SHIM_HOLD");
  g_hold = hold != NULL && strcmp(hold, "1") == 0;
  g_log_fd = real_open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  g_ready = g_log_fd >= 0;
}

// True when `path` (absolute, resolved) is the home or below it.
static int InHome(const char* path) {
  return strncmp(path, g_home, g_home_len) == 0 && (path[g_home_len] == '\0' || path[g_home_len] == '/');
}

static int IsLogName(const char* name) {
  if (strcmp(name, "log") == 0 || (g_log_dir_name[0] != '\0' && strcmp(name, g_log_dir_name) == 0)) return 1;
  if (strncmp(name, "log.", 4) != 0 || strlen(name) != 14) return 0;
  for (const char* c = name + 4; *c; ++c)
    if (*c < '0' || *c > '9') return 0;
  return 1;
}

// A database file of the home: not a log, a region file, DB_CONFIG or a directory.
static int IsDatabasePath(const char* path) {
  if (!InHome(path)) return 0;
  const char* name = strrchr(path, '/');
  name = name == NULL ? path : name + 1;
  if (IsLogName(name) || strcmp(name, "DB_CONFIG") == 0 || strncmp(name, "__db.", 5) == 0) return 0;
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int Rank(const struct dirent64* e) {
  if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) return 0;
  return g_logs_first && IsLogName(e->d_name) ? 1 : 2;
}

// Seeded shuffle, then a stable pass that puts ranks in order.
static void Order(struct dirent64* items, size_t n, uint64_t seed) {
  bdb::SeededRng rng(seed);
  for (size_t i = n; i > 1; --i) {
    size_t j = static_cast<size_t>(rng.Below(i));
    struct dirent64 t = items[i - 1];
    items[i - 1] = items[j];
    items[j] = t;
  }
  for (size_t i = 1; i < n; ++i) {
    struct dirent64 t = items[i];
    size_t j = i;
    while (j > 0 && Rank(&items[j - 1]) > Rank(&t)) {
      items[j] = items[j - 1];
      --j;
    }
    items[j] = t;
  }
}

// Reads the whole directory and orders it, when it lies in the home.
static struct Listing* Slurp(DIR* dir) {
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd(dir));
  ssize_t len = readlink(link, path, sizeof path - 1);
  if (len <= 0) return NULL;
  path[len] = '\0';
  if (!InHome(path)) return NULL;
  struct Listing* slot = NULL;
  for (int i = 0; i < kMaxDirs && slot == NULL; ++i)
    if (g_listings[i].dir == NULL) slot = &g_listings[i];
  if (slot == NULL) return NULL;
  size_t cap = 64, n = 0;
  struct dirent64* items = static_cast<struct dirent64*>(malloc(cap * sizeof *items));
  struct dirent64* e;
  while (items != NULL && (e = real_readdir64(dir)) != NULL && n < kMaxEntries) {
    if (n == cap) {
      struct dirent64* grown = static_cast<struct dirent64*>(realloc(items, 2 * cap * sizeof *items));
      if (grown == NULL) break;
      items = grown;
      cap *= 2;
    }
    items[n++] = *e;
  }
  if (items == NULL) return NULL;
  Order(items, n, g_seed ^ bdb::Fnv1a64(path));
  slot->dir = dir;
  slot->items = items;
  slot->count = n;
  slot->next = 0;
  LogLine("list %zu %s\n", n, path);
  return slot;
}

static struct Listing* Find(DIR* dir) {
  for (int i = 0; i < kMaxDirs; ++i)
    if (g_listings[i].dir == dir) return &g_listings[i];
  return NULL;
}

struct dirent64* readdir64(DIR* dir) {
  Resolve();
  if (!g_ready) return real_readdir64(dir);
  pthread_mutex_lock(&g_mu);
  struct Listing* l = Find(dir);
  if (l == NULL) l = Slurp(dir);
  struct dirent64* out = NULL;
  if (l == NULL) {
    out = real_readdir64(dir);
  } else if (l->next < l->count) {
    out = &l->items[l->next++];
  }
  pthread_mutex_unlock(&g_mu);
  return out;
}

// On LP64 glibc, struct dirent and struct dirent64 have the same layout.
struct dirent* readdir(DIR* dir) { return (struct dirent*)readdir64(dir); }

void rewinddir(DIR* dir) {
  Resolve();
  pthread_mutex_lock(&g_mu);
  struct Listing* l = Find(dir);
  if (l != NULL) l->next = 0;
  pthread_mutex_unlock(&g_mu);
  real_rewinddir(dir);
}

int closedir(DIR* dir) {
  Resolve();
  pthread_mutex_lock(&g_mu);
  struct Listing* l = Find(dir);
  if (l != NULL) {
    free(l->items);
    memset(l, 0, sizeof *l);
  }
  pthread_mutex_unlock(&g_mu);
  return real_closedir(dir);
}

// (newest log number << 40) + its size, in the configured log directory,
// home/log or the home; 0 if none.
static uint64_t NewestLogSize(void) {
  char dir_path[PATH_MAX];
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt == 0 && !ConfiguredLogDir(dir_path, sizeof dir_path)) continue;
    if (attempt > 0) snprintf(dir_path, sizeof dir_path, attempt == 1 ? "%s/log" : "%s", g_home);
    DIR* dir = opendir(dir_path);
    if (dir == NULL) continue;
    unsigned long newest = 0;
    struct dirent64* e;
    while ((e = real_readdir64(dir)) != NULL) {
      if (IsLogName(e->d_name) && strncmp(e->d_name, "log.", 4) == 0) {
        unsigned long n = strtoul(e->d_name + 4, NULL, 10);
        if (n > newest) newest = n;
      }
    }
    real_closedir(dir);
    if (newest == 0) continue;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/log.%010lu", dir_path, newest);
    struct stat st;
    if (stat(path, &st) == 0) return ((uint64_t)newest << 40) + (uint64_t)st.st_size;
  }
  return 0;
}

static void HoldForACommit(void) {
  const uint64_t before = NewestLogSize();
  const int64_t deadline = NowMs() + 2000;
  struct timespec ms = {0, 1000000};
  while (NewestLogSize() == before && NowMs() < deadline) nanosleep(&ms, NULL);
  struct timespec ack = {0, 20000000};
  nanosleep(&ack, NULL);
}

static void NoteOpen(int fd, int dirfd_arg, const char* path) {
  if (!g_ready || fd < 0 || fd >= kMaxFds) return;
  char resolved[PATH_MAX], link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t len = readlink(link, resolved, sizeof resolved - 1);
  (void)dirfd_arg;
  (void)path;
  if (len <= 0) return;
  resolved[len] = '\0';
  if (!IsDatabasePath(resolved)) return;
  pthread_mutex_lock(&g_mu);
  g_database_fd[fd] = 1;
  pthread_mutex_unlock(&g_mu);
  LogLine("open %lld %s\n", (long long)NowMs(), resolved);
  pthread_mutex_lock(&g_mu);
  const int hold = g_hold && !g_held;
  g_held = 1;
  pthread_mutex_unlock(&g_mu);
  if (hold) HoldForACommit();
}

static mode_t ModeArg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char* path, int flags, ...) {
  Resolve();
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  int fd = real_open(path, flags, mode);
  NoteOpen(fd, AT_FDCWD, path);
  return fd;
}

int open64(const char* path, int flags, ...) {
  Resolve();
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  int fd = real_open64(path, flags, mode);
  NoteOpen(fd, AT_FDCWD, path);
  return fd;
}

int openat(int dirfd_arg, const char* path, int flags, ...) {
  Resolve();
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  int fd = real_openat(dirfd_arg, path, flags, mode);
  NoteOpen(fd, dirfd_arg, path);
  return fd;
}

int openat64(int dirfd_arg, const char* path, int flags, ...) {
  Resolve();
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  int fd = real_openat64(dirfd_arg, path, flags, mode);
  NoteOpen(fd, dirfd_arg, path);
  return fd;
}

extern "C" int __open_2(const char* path, int flags) {
  Resolve();
  int fd = real_open_2(path, flags);
  NoteOpen(fd, AT_FDCWD, path);
  return fd;
}

extern "C" int __open64_2(const char* path, int flags) {
  Resolve();
  int fd = real_open64_2(path, flags);
  NoteOpen(fd, AT_FDCWD, path);
  return fd;
}

extern "C" int __openat_2(int dirfd_arg, const char* path, int flags) {
  Resolve();
  int fd = real_openat_2(dirfd_arg, path, flags);
  NoteOpen(fd, dirfd_arg, path);
  return fd;
}

extern "C" int __openat64_2(int dirfd_arg, const char* path, int flags) {
  Resolve();
  int fd = real_openat64_2(dirfd_arg, path, flags);
  NoteOpen(fd, dirfd_arg, path);
  return fd;
}

int close(int fd) {
  Resolve();
  if (g_ready && fd >= 0 && fd < kMaxFds) {
    pthread_mutex_lock(&g_mu);
    const int database = g_database_fd[fd];
    g_database_fd[fd] = 0;
    pthread_mutex_unlock(&g_mu);
    if (database) {
      char link[64], resolved[PATH_MAX];
      snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
      ssize_t len = readlink(link, resolved, sizeof resolved - 1);
      resolved[len > 0 ? len : 0] = '\0';
      LogLine("close %lld %s\n", (long long)NowMs(), resolved);
    }
  }
  return real_close(fd);
}
