/* example-orders: a small order-keeping application on Berkeley DB 5.3,
 * written as an application would be, to be run by bdbsim as a trial's
 * workload (workload.command) and judged by its exact prefix oracle.
 *
 * Its environment: its own DB_CONFIG (databases in data/, logs in logs/,
 * small log files, a small cache, DB_LOG_AUTO_REMOVE unless told otherwise),
 * three databases (orders.db a btree, stock.db a hash, audit.db a recno) and
 * a lock file beside them (orders.lock, held with flock while it runs).
 *
 * Operation n (n = 1, 2, 3, ...) is one transaction, decided by n alone:
 * place an order (orders.db gets order n, its item's stock goes down), ship
 * any earlier order again (its record updated, wherever it is in the file),
 * cancel a recent order (deleted, its stock back), or restock an item;
 * each also appends line n to audit.db. So the state after n operations is
 * the same whoever builds it, and audit.db's last record number is how many
 * operations a state holds.
 *
 *   example-orders run    --home DIR --ack FILE [--pace-us N] [--checkpoint-every N]
 *                         [--log-auto-remove on|off] [--ops N]
 *   example-orders replay --dest DIR --n N     the state after operations 1..N, in an empty DIR
 *   example-orders dump   --home DIR           every record of the three databases, in key order
 *   example-orders count  --home DIR           how many operations the state holds
 *
 * run commits each operation (synchronously: the default durability), then
 * appends "ack <n>" to FILE with one write(2); it runs until killed, or for
 * --ops operations. It is single-threaded, so operations, commits and acks
 * are in one order. Exit 0 on success, 1 on a Berkeley DB failure, 2 on bad
 * usage, 3 when another process holds the lock file. */
#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ITEMS 64
#define INITIAL_STOCK 1000

struct App {
  DB_ENV *env;
  DB *orders, *stock, *audit;
};

static void Die(const char *what, int ret) {
  fprintf(stderr, "example-orders: error: %s: %s\n", what, db_strerror(ret));
  exit(1);
}

static void Usage(const char *why) {
  fprintf(stderr, "example-orders: error: %s\n", why);
  exit(2);
}

/* splitmix64: every choice of operation n comes from Mix(n). */
static uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static void MakeDir(const char *home, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", home, name);
  if (mkdir(path, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "example-orders: error: unable to create directory '%s': %s\n", path, strerror(errno));
    exit(1);
  }
}

/* The application's DB_CONFIG, written once (fsynced) when the home has none. */
static void WriteConfig(const char *home, int auto_remove) {
  char path[4096];
  snprintf(path, sizeof path, "%s/DB_CONFIG", home);
  MakeDir(home, "logs");
  MakeDir(home, "data");
  if (access(path, F_OK) == 0) return;
  char text[512];
  int n = snprintf(text, sizeof text,
                   "# example-orders\nset_data_dir data\nset_lg_dir logs\nset_lg_max 131072\n"
                   "set_cachesize 0 131072 1\n%s",
                   auto_remove ? "log_set_config DB_LOG_AUTO_REMOVE\n" : "");
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || write(fd, text, (size_t)n) != n || fsync(fd) != 0 || close(fd) != 0) {
    fprintf(stderr, "example-orders: error: unable to write '%s': %s\n", path, strerror(errno));
    exit(1);
  }
}

static DB *OpenDb(DB_ENV *env, const char *file, DBTYPE type, int readonly) {
  DB *db = NULL;
  int ret = db_create(&db, env, 0);
  if (ret != 0) Die("db_create", ret);
  if ((ret = db->set_flags(db, DB_CHKSUM)) != 0) Die("DB->set_flags", ret);
  u_int32_t flags = readonly ? DB_RDONLY : DB_CREATE | DB_AUTO_COMMIT;
  if ((ret = db->open(db, NULL, file, NULL, type, flags, 0600)) != 0) Die(file, ret);
  return db;
}

/* mode: 'r' run (recovery at open, as a restarted application runs it),
 * 'w' replay (no sync: nothing here needs to survive a crash), 'q' query
 * (read-only, no logging, nothing written). Every handle is private: no
 * region files are left behind but run's. */
static void OpenApp(struct App *a, const char *home, char mode) {
  int ret = db_env_create(&a->env, 0);
  if (ret != 0) Die("db_env_create", ret);
  a->env->set_errfile(a->env, stderr);
  a->env->set_errpfx(a->env, "example-orders");
  u_int32_t flags = DB_CREATE | DB_INIT_MPOOL;
  if (mode != 'q') flags |= DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_TXN;
  if (mode == 'r') flags |= DB_RECOVER;
  if (mode != 'r') flags |= DB_PRIVATE;
  if (mode == 'w' && (ret = a->env->set_flags(a->env, DB_TXN_NOSYNC, 1)) != 0) Die("DB_ENV->set_flags", ret);
  if ((ret = a->env->open(a->env, home, flags, 0600)) != 0) Die(home, ret);
  a->orders = OpenDb(a->env, "orders.db", DB_BTREE, mode == 'q');
  a->stock = OpenDb(a->env, "stock.db", DB_HASH, mode == 'q');
  a->audit = OpenDb(a->env, "audit.db", DB_RECNO, mode == 'q');
}

static void CloseApp(struct App *a, int checkpoint) {
  int ret;
  if (checkpoint && (ret = a->env->txn_checkpoint(a->env, 0, 0, DB_FORCE)) != 0) Die("DB_ENV->txn_checkpoint", ret);
  a->orders->close(a->orders, 0);
  a->stock->close(a->stock, 0);
  a->audit->close(a->audit, 0);
  if ((ret = a->env->close(a->env, 0)) != 0) Die("DB_ENV->close", ret);
}

static void SetText(DBT *d, const char *text) {
  memset(d, 0, sizeof *d);
  d->data = (void *)text;
  d->size = (u_int32_t)strlen(text);
}

/* Reads key (a string) into buf as a string; 0, DB_NOTFOUND or an error. */
static int GetText(DB *db, DB_TXN *txn, const char *key, char *buf, size_t size) {
  DBT k, v;
  SetText(&k, key);
  memset(&v, 0, sizeof v);
  v.data = buf;
  v.ulen = (u_int32_t)size - 1;
  v.flags = DB_DBT_USERMEM;
  int ret = db->get(db, txn, &k, &v, DB_RMW);
  if (ret == 0) buf[v.size] = '\0';
  return ret;
}

static int PutText(DB *db, DB_TXN *txn, const char *key, const char *value) {
  DBT k, v;
  SetText(&k, key);
  SetText(&v, value);
  return db->put(db, txn, &k, &v, 0);
}

/* stock[item] += delta (missing = INITIAL_STOCK; restocked by 500 below zero). */
static int AddStock(struct App *a, DB_TXN *txn, unsigned item, long delta) {
  char key[16], value[32];
  snprintf(key, sizeof key, "item%02u", item);
  int ret = GetText(a->stock, txn, key, value, sizeof value);
  if (ret != 0 && ret != DB_NOTFOUND) return ret;
  long level = ret == 0 ? strtol(value, NULL, 10) : INITIAL_STOCK;
  level += delta;
  if (level < 0) level += 500;
  snprintf(value, sizeof value, "%ld", level);
  return PutText(a->stock, txn, key, value);
}

/* Cancels order `target` if it is still there: deleted, its quantity back in stock. */
static int Cancel(struct App *a, DB_TXN *txn, uint64_t target, char *what, size_t size) {
  char key[32], value[1100];
  snprintf(key, sizeof key, "o%08" PRIu64, target);
  int ret = GetText(a->orders, txn, key, value, sizeof value);
  if (ret == DB_NOTFOUND) {
    snprintf(what, size, "cancel o%08" PRIu64 " (gone)", target);
    return 0;
  }
  unsigned item = 0, qty = 0;
  if (ret != 0 || sscanf(value, "item=%u qty=%u", &item, &qty) != 2) return ret != 0 ? ret : EINVAL;
  DBT k;
  SetText(&k, key);
  if ((ret = a->orders->del(a->orders, txn, &k, 0)) != 0) return ret;
  snprintf(what, size, "cancel o%08" PRIu64 " item=%u qty=%u", target, item, qty);
  return AddStock(a, txn, item, (long)qty);
}

/* Ships order `target` again if it is still there: its ship count goes up
 * (an update anywhere in orders.db, as an old record's status changes). */
static int Ship(struct App *a, DB_TXN *txn, uint64_t target, char *what, size_t size) {
  char key[32], value[1100], updated[1100];
  snprintf(key, sizeof key, "o%08" PRIu64, target);
  int ret = GetText(a->orders, txn, key, value, sizeof value);
  if (ret == DB_NOTFOUND) {
    snprintf(what, size, "ship o%08" PRIu64 " (gone)", target);
    return 0;
  }
  unsigned item = 0, qty = 0, shipped = 0;
  const char *note = strstr(value, " note=");
  if (ret != 0 || note == NULL || sscanf(value, "item=%u qty=%u ship=%u", &item, &qty, &shipped) != 3)
    return ret != 0 ? ret : EINVAL;
  snprintf(updated, sizeof updated, "item=%02u qty=%u ship=%u%s", item, qty, shipped + 1, note);
  snprintf(what, size, "ship o%08" PRIu64 " #%u", target, shipped + 1);
  return PutText(a->orders, txn, key, updated);
}

/* Operation n inside txn: its changes, then audit line n. */
static int Operation(struct App *a, DB_TXN *txn, uint64_t n) {
  const uint64_t h = Mix(n);
  const unsigned kind = (unsigned)(h % 10), item = (unsigned)((h >> 8) % ITEMS), qty = 1 + (unsigned)((h >> 16) % 5);
  char what[160];
  int ret = 0;
  if (kind <= 3) {
    char key[32], value[1100], note[1001];
    const size_t pad = (size_t)((h >> 24) % 1000);
    memset(note, 'a' + (int)(n % 26), pad);
    note[pad] = '\0';
    snprintf(key, sizeof key, "o%08" PRIu64, n);
    snprintf(value, sizeof value, "item=%02u qty=%u ship=0 note=%s", item, qty, note);
    if ((ret = PutText(a->orders, txn, key, value)) == 0) ret = AddStock(a, txn, item, -(long)qty);
    snprintf(what, sizeof what, "order o%08" PRIu64 " item=%02u qty=%u", n, item, qty);
  } else if (kind <= 6) {
    if (n > 1) {
      ret = Ship(a, txn, 1 + (h >> 24) % (n - 1), what, sizeof what);
    } else {
      snprintf(what, sizeof what, "ship nothing");
    }
  } else if (kind <= 8) {
    const uint64_t back = 1 + (h >> 24) % 20;
    if (n > back) {
      ret = Cancel(a, txn, n - back, what, sizeof what);
    } else {
      snprintf(what, sizeof what, "cancel nothing");
    }
  } else {
    ret = AddStock(a, txn, item, 100);
    snprintf(what, sizeof what, "restock item%02u +100", item);
  }
  if (ret != 0) return ret;
  char line[200];
  snprintf(line, sizeof line, "%" PRIu64 " %s", n, what);
  db_recno_t recno = 0;
  DBT k, v;
  memset(&k, 0, sizeof k);
  k.data = &recno;
  k.ulen = sizeof recno;
  k.flags = DB_DBT_USERMEM;
  SetText(&v, line);
  return a->audit->put(a->audit, txn, &k, &v, DB_APPEND);
}

static void RunOperation(struct App *a, uint64_t n) {
  DB_TXN *txn = NULL;
  int ret = a->env->txn_begin(a->env, NULL, &txn, 0);
  if (ret != 0) Die("DB_ENV->txn_begin", ret);
  if ((ret = Operation(a, txn, n)) != 0) {
    txn->abort(txn);
    Die("operation", ret);
  }
  if ((ret = txn->commit(txn, 0)) != 0) Die("DB_TXN->commit", ret);
}

/* audit.db's last record number: the operations the state holds. */
static uint64_t CountOperations(struct App *a) {
  DBC *cursor = NULL;
  int ret = a->audit->cursor(a->audit, NULL, &cursor, 0);
  if (ret != 0) Die("DB->cursor", ret);
  DBT k, v;
  memset(&k, 0, sizeof k);
  memset(&v, 0, sizeof v);
  ret = cursor->get(cursor, &k, &v, DB_LAST);
  uint64_t n = 0;
  if (ret == 0) {
    db_recno_t recno;
    memcpy(&recno, k.data, sizeof recno);
    n = recno;
  } else if (ret != DB_NOTFOUND) {
    Die("audit.db", ret);
  }
  cursor->close(cursor);
  return n;
}

static void DumpDb(DB *db, const char *name, int recno_keys) {
  DBC *cursor = NULL;
  int ret = db->cursor(db, NULL, &cursor, 0);
  if (ret != 0) Die("DB->cursor", ret);
  DBT k, v;
  memset(&k, 0, sizeof k);
  memset(&v, 0, sizeof v);
  while ((ret = cursor->get(cursor, &k, &v, DB_NEXT)) == 0) {
    if (recno_keys) {
      db_recno_t recno;
      memcpy(&recno, k.data, sizeof recno);
      printf("%s %u %.*s\n", name, (unsigned)recno, (int)v.size, (const char *)v.data);
    } else {
      printf("%s %.*s %.*s\n", name, (int)k.size, (const char *)k.data, (int)v.size, (const char *)v.data);
    }
  }
  if (ret != DB_NOTFOUND) Die(name, ret);
  cursor->close(cursor);
}

/* Holds <home>/orders.lock (flock) and writes the pid into it. */
static void LockHome(const char *home) {
  char path[4096], pid[32];
  snprintf(path, sizeof path, "%s/orders.lock", home);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    fprintf(stderr, "example-orders: error: unable to open '%s': %s\n", path, strerror(errno));
    exit(1);
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    fprintf(stderr, "example-orders: error: '%s' is held by another process\n", path);
    exit(3);
  }
  int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
    fprintf(stderr, "example-orders: error: unable to write '%s': %s\n", path, strerror(errno));
    exit(1);
  }
  /* Kept open (and locked) until the process ends. */
}

static void Ack(int fd, uint64_t n) {
  char line[32];
  int len = snprintf(line, sizeof line, "ack %" PRIu64 "\n", n);
  if (write(fd, line, (size_t)len) != len) {
    fprintf(stderr, "example-orders: error: unable to write an ack: %s\n", strerror(errno));
    exit(1);
  }
}

struct Options {
  const char *home, *ack, *dest;
  uint64_t n, pace_us, checkpoint_every, ops;
  int auto_remove;
};

static uint64_t Number(const char *flag, const char *text) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-') {
    char why[160];
    snprintf(why, sizeof why, "%s must be a whole number, got '%s'", flag, text);
    Usage(why);
  }
  return (uint64_t)v;
}

static void ParseOptions(int argc, char **argv, struct Options *o) {
  o->pace_us = 1000;
  o->checkpoint_every = 1000;
  o->auto_remove = 1;
  for (int i = 2; i < argc; i += 2) {
    const char *flag = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (value == NULL) Usage("every option takes a value");
    if (strcmp(flag, "--home") == 0) o->home = value;
    else if (strcmp(flag, "--ack") == 0) o->ack = value;
    else if (strcmp(flag, "--dest") == 0) o->dest = value;
    else if (strcmp(flag, "--n") == 0) o->n = Number(flag, value);
    else if (strcmp(flag, "--pace-us") == 0) o->pace_us = Number(flag, value);
    else if (strcmp(flag, "--checkpoint-every") == 0) o->checkpoint_every = Number(flag, value);
    else if (strcmp(flag, "--ops") == 0) o->ops = Number(flag, value);
    else if (strcmp(flag, "--log-auto-remove") == 0 && (strcmp(value, "on") == 0 || strcmp(value, "off") == 0))
      o->auto_remove = strcmp(value, "on") == 0;
    else {
      char why[160];
      snprintf(why, sizeof why, "unknown option or value '%s %s'", flag, value);
      Usage(why);
    }
  }
}

static int Run(const struct Options *o) {
  if (o->home == NULL || o->ack == NULL) Usage("run needs --home DIR and --ack FILE");
  WriteConfig(o->home, o->auto_remove);
  LockHome(o->home);
  const int ack = open(o->ack, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (ack < 0) {
    fprintf(stderr, "example-orders: error: unable to open '%s': %s\n", o->ack, strerror(errno));
    return 1;
  }
  struct App a;
  OpenApp(&a, o->home, 'r');
  const uint64_t first = CountOperations(&a) + 1;
  for (uint64_t n = first; o->ops == 0 || n < first + o->ops; ++n) {
    RunOperation(&a, n);
    Ack(ack, n);
    if (o->checkpoint_every != 0 && n % o->checkpoint_every == 0) {
      int ret = a.env->txn_checkpoint(a.env, 0, 0, 0);
      if (ret != 0) Die("DB_ENV->txn_checkpoint", ret);
    }
    if (o->pace_us != 0) usleep((useconds_t)o->pace_us);
  }
  CloseApp(&a, 1);
  return 0;
}

static int Replay(const struct Options *o) {
  if (o->dest == NULL) Usage("replay needs --dest DIR and --n N");
  WriteConfig(o->dest, 1);
  struct App a;
  OpenApp(&a, o->dest, 'w');
  if (CountOperations(&a) != 0) Usage("replay needs an empty --dest");
  for (uint64_t n = 1; n <= o->n; ++n) RunOperation(&a, n);
  CloseApp(&a, 1);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) Usage("usage: example-orders run|replay|dump|count [options]");
  struct Options o;
  memset(&o, 0, sizeof o);
  ParseOptions(argc, argv, &o);
  const char *command = argv[1];
  if (strcmp(command, "run") == 0) return Run(&o);
  if (strcmp(command, "replay") == 0) return Replay(&o);
  if (strcmp(command, "dump") != 0 && strcmp(command, "count") != 0) Usage("unknown command (run, replay, dump, count)");
  if (o.home == NULL) Usage("dump and count need --home DIR");
  struct App a;
  OpenApp(&a, o.home, 'q');
  if (strcmp(command, "count") == 0) {
    printf("%" PRIu64 "\n", CountOperations(&a));
  } else {
    DumpDb(a.orders, "orders", 0);
    DumpDb(a.stock, "stock", 0);
    DumpDb(a.audit, "audit", 1);
  }
  CloseApp(&a, 0);
  return fflush(stdout) == 0 ? 0 : 1;
}
