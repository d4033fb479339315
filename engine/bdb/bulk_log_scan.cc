// FindUnloggedBulkInserts: a DB_LOGC pass over a backup's log files.
//
// Record layouts read here (BDB 5.3 btree.src / db.src / txn.src; every
// record starts with rectype u32, txnid u32, prev_lsn 8 bytes):
//   __db_pg_alloc (49): fileid@16 ... pgno@40 ptype@44 next@48 last_pgno@52
//   __db_addrem   (41): opcode@16 (mode << 8 | page type) fileid@20 pgno@24
//                       indx@28 nbytes@32 hdr DBT@36, dbt DBT, pagelsn
//   __bam_repl    (58): fileid@16 pgno@20 lsn@24 (the page's before)
//   __bam_split   (62): fileid@16 opflags@20 left@24 llsn@28 right@36
//                       rlsn@40 indx@48 (entries left on the left half)
//                       npgno@52 nlsn@56 (the next leaf, restamped) ...
//                       pg DBT (size u32, bytes) @80: the image of the page
//                       before the split, whose header holds its pgno@8,
//                       entries@20 (u16) and type@25 (a root split keeps the root's pgno and moves
//                       its entries to two new pages, left and right)
//   __txn_regop   (10): opcode@16 (1 = commit) timestamp@20 (int32 seconds)
//   __txn_child   (12): child@16 (the committing child's txnid; the record's is its parent's)
//   __txn_recycle (14): txnids are given out again
// A transaction's first record has prev_lsn [0][0]; BDB 5.3 logs nothing when
// it aborts an unprepared transaction and reuses its id.
// Other records (overflow pages of the insert a split made room for, record
// counts, cursor adjustments) are not read.
#include "engine/bdb/bulk_log_scan.h"

#include <db.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "engine/bdb/bdb_environment.h"
#include "engine/bdb/database_file.h"
#include "engine/bdb/environment_password.h"
#include "base/file_io.h"
#include "engine/bdb/log_names.h"
#include "engine/bdb/log_record_reader.h"
#include "engine/repository/stored_file.h"

namespace bdb {
namespace {

constexpr uint32_t kPgAlloc = 49, kAddrem = 41, kRepl = 58, kSplit = 62, kRegop = kTxnRegopRecord;
constexpr uint32_t kChild = 12, kRecycle = 14;
constexpr uint32_t kCommit = kTxnRegopCommit;
constexpr uint32_t kAddDup = 1, kRemDup = 2;  // __db_addrem modes (DB_ADD_DUP, DB_REM_DUP)
constexpr uint32_t kLeafBtree = 5, kLeafRecno = 6;

uint32_t U32(const DBT& rec, size_t at) {
  return LogRecordU32(rec, at);
}

std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(out.data(), out.size() + 1, format, again);
  va_end(again);
  return out;
}

using Page = std::pair<uint32_t, uint32_t>;  // fileid, pgno

// A logged change of one entry of a page (__db_addrem or __bam_repl).
struct PageChange {
  Page page;
  ManifestLsn before;        // the page's LSN before it ([0][0] when the record is too short to tell)
  bool replacement = false;  // __bam_repl (else __db_addrem)
  uint32_t mode = 0;         // __db_addrem's (kAddDup, kRemDup, ...)
  uint32_t indx = 0;
};
bool DecodePageChange(const DBT& rec, PageChange* c) {
  const uint32_t type = U32(rec, 0);
  if (type == kRepl) {
    *c = PageChange{Page{U32(rec, 16), U32(rec, 20)}, ManifestLsn{U32(rec, 24), U32(rec, 28)}, true, 0, 0};
    return true;
  }
  if (type != kAddrem) return false;
  *c = PageChange{Page{U32(rec, 20), U32(rec, 24)}, ManifestLsn{}, false, U32(rec, 16) >> 8, U32(rec, 28)};
  // hdr DBT @36, dbt DBT after it, then pagelsn
  const size_t hdr = U32(rec, 36);
  if (40 + hdr + 4 > rec.size) return true;
  const size_t dbt = U32(rec, 40 + hdr);
  if (44 + hdr + dbt + 8 > rec.size) return true;
  c->before = ManifestLsn{U32(rec, 44 + hdr + dbt), U32(rec, 48 + hdr + dbt)};
  return true;
}

// A __txn_regop committing after `after` and not past until_unix_seconds.
bool CommittedInRange(const DBT& rec, const DB_LSN& lsn, ManifestLsn after, int64_t until_unix_seconds) {
  const bool later = lsn.file > after.file || (lsn.file == after.file && lsn.offset >= after.offset);
  const bool in_time = until_unix_seconds < 0 || static_cast<int32_t>(U32(rec, 20)) <= until_unix_seconds;
  return U32(rec, 0) == kRegop && U32(rec, 16) == kCommit && later && in_time;
}

struct TxnTrace {
  std::set<Page> allocated;  // leaf pages it allocated by extension (and its committed children did)
  // A leaf split onto a page allocated by extension waits for the insert that
  // caused it: BDB retries that insert right after the split (after further
  // splits of the same halves and the allocations they need), on one of the
  // halves, and logs it unless the transaction is an unannounced bulk one
  // and the half is one it added to the file.
  bool awaiting = false;
  Page awaited_split;       // the page split (its pgno in the file)
  std::set<Page> halves;    // left and right of that split and of re-splits of them
  std::vector<size_t> new_pages;  // pages its leaf splits moved entries onto, allocated by extension (in Scan::pages)
  bool suspect = false;
  bool split_trace = false;  // which trace: a split awaiting its insert, or a page filled unlogged
  Page page;
};

void Suspect(TxnTrace* t, Page page, bool split_trace) {
  if (t->suspect) return;
  t->suspect = true;
  t->page = page;
  t->split_trace = split_trace;
}

// A committed child's trace becomes its parent's (the parent's commit commits it).
void MergeChild(TxnTrace child, TxnTrace* parent) {
  // Committed before the insert its split made room for (BDB retries it within the child's put).
  if (child.awaiting) Suspect(&child, child.awaited_split, true);
  parent->allocated.insert(child.allocated.begin(), child.allocated.end());
  parent->new_pages.insert(parent->new_pages.end(), child.new_pages.begin(), child.new_pages.end());
  if (child.suspect) Suspect(parent, child.page, child.split_trace);
}

struct Scan {
  std::map<uint32_t, TxnTrace> txns;
  std::vector<SplitPage> pages;  // every new page of every transaction's splits, in log order (txnid 0: not committed in range)
  std::map<Page, size_t> latest;  // page -> its last entry in pages
};

// Follows a new page through the logged changes that start from its stamp
// (whichever transaction makes them): an insert adds one entry, a delete
// removes one, a replacement keeps the count, and each restamps the page. A
// change from another stamp, or of another kind, ends the following (the
// page then carries a stamp no longer tracked). An insert at an index past
// the entries the log put there proves entries the log never saw.
void Follow(const PageChange& c, const DB_LSN& lsn, Scan* scan) {
  auto it = scan->latest.find(c.page);
  if (it == scan->latest.end()) return;
  SplitPage& page = scan->pages[it->second];
  if (c.before == ManifestLsn{} || !(c.before == page.stamp) || page.unlogged_proof != ManifestLsn{}) return;
  if (c.replacement) {
    // the count stays
  } else if (c.mode == kAddDup) {
    if (c.indx > page.entries) {
      page.unlogged_proof = ManifestLsn{lsn.file, lsn.offset};
      return;
    }
    ++page.entries;
  } else if (c.mode == kRemDup && page.entries > 0) {
    --page.entries;
  } else {
    return;
  }
  page.stamp = ManifestLsn{lsn.file, lsn.offset};
}

// A __bam_split record of transaction t: the traces of an unlogged bulk
// insert it leaves (a followed page split with more entries than the log put
// there; a split of a page the transaction allocated, before the insert that
// needed the room), and the halves it allocated, followed from here on.
void ApplySplit(const DBT& rec, const DB_LSN& lsn, TxnTrace& t, Scan* scan) {
  const uint32_t image_size = U32(rec, 80);
  if (image_size < 26 || 84 + image_size > rec.size) return;
  const auto* image = static_cast<const unsigned char*>(rec.data) + 84;
  if (image[25] != kLeafBtree && image[25] != kLeafRecno) return;  // internal splits come and go in between
  uint32_t pgno = 0;
  std::memcpy(&pgno, image + 8, sizeof(pgno));
  ManifestLsn image_lsn;
  std::memcpy(&image_lsn.file, image, 4);
  std::memcpy(&image_lsn.offset, image + 4, 4);
  uint16_t entries = 0;
  std::memcpy(&entries, image + 20, sizeof(entries));
  const uint32_t fileid = U32(rec, 16);
  // The split restamps the next leaf (npgno@52, its LSN before @56) with its
  // own LSN, changing only its prev pointer: a page still as its split left
  // it stays so.
  auto next = scan->latest.find(Page{fileid, U32(rec, 52)});
  if (U32(rec, 52) != 0 && next != scan->latest.end() &&
      scan->pages[next->second].stamp == ManifestLsn{U32(rec, 56), U32(rec, 60)})
    scan->pages[next->second].stamp = ManifestLsn{lsn.file, lsn.offset};
  const Page p{fileid, pgno}, left{fileid, U32(rec, 24)}, right{fileid, U32(rec, 36)};
  // The first trace: a split of a followed page, still stamped as the log
  // left it, whose image holds more entries than the log put there. (A
  // page the transaction allocated may hold entries no insert of it logged
  // and still be exact: one-sided splits leave one nearly full.)
  auto followed = scan->latest.find(p);
  if (followed != scan->latest.end()) {
    SplitPage& page = scan->pages[followed->second];
    if (page.stamp == image_lsn && page.unlogged_proof == ManifestLsn{} && entries > page.entries) {
      if (t.allocated.count(p) != 0) {
        Suspect(&t, p, false);
      } else {  // filled unlogged by the transaction that made it, before this one split it
        page.unlogged_proof = ManifestLsn{lsn.file, lsn.offset};
        page.proof_entries = entries;
      }
    }
  }
  // What the split left on each half it allocated (a re-split's too): entries [0, indx) went left, the rest right.
  const uint32_t indx = U32(rec, 48);
  if (indx <= entries) {
    for (const auto& [half, half_entries] : {std::pair{left, indx}, std::pair{right, entries - indx}}) {
      if (t.allocated.count(half) == 0) continue;
      SplitPage page;
      page.fileid = half.first;
      page.pgno = half.second;
      page.stamp = ManifestLsn{lsn.file, lsn.offset};
      page.entries = half_entries;
      scan->latest[half] = scan->pages.size();
      t.new_pages.push_back(scan->pages.size());
      scan->pages.push_back(page);
    }
  }
  if (t.awaiting) {
    if (t.halves.count(p) != 0) {  // the retried insert still did not fit: a half splits again
      t.halves.insert(left);
      t.halves.insert(right);
      return;
    }
    Suspect(&t, t.awaited_split, true);  // another leaf split before the insert the first one made room for
    t.awaiting = false;
  }
  if (t.allocated.count(left) != 0 || t.allocated.count(right) != 0) {
    t.awaiting = true;
    t.awaited_split = p;
    t.halves = {left, right};
  }
}

void Apply(const DBT& rec, const DB_LSN& lsn, Scan* scan) {
  const uint32_t type = U32(rec, 0), txnid = U32(rec, 4);
  PageChange change;
  const bool is_change = DecodePageChange(rec, &change);
  if (is_change) Follow(change, lsn, scan);
  if (type == kRecycle) {  // ids of transactions no longer running are given out again
    scan->txns.clear();
    return;
  }
  if (txnid == 0) return;
  TxnTrace& t = scan->txns[txnid];
  // A transaction's first record: whatever an earlier (aborted) holder of the id left is not its.
  if (U32(rec, 8) == 0 && U32(rec, 12) == 0) t = TxnTrace{};
  if (type == kChild) {
    auto child = scan->txns.find(U32(rec, 16));
    if (child != scan->txns.end() && child->first != txnid) {
      TxnTrace c = std::move(child->second);
      scan->txns.erase(child);
      MergeChild(std::move(c), &t);
    }
  } else if (type == kPgAlloc) {
    const uint32_t ptype = U32(rec, 44);
    if (U32(rec, 40) > U32(rec, 52) && (ptype == kLeafBtree || ptype == kLeafRecno))
      t.allocated.insert({U32(rec, 16), U32(rec, 40)});
  } else if (is_change) {
    if (t.awaiting) {
      // The first insert after the split must be the one that caused it.
      if (t.halves.count(change.page) == 0) Suspect(&t, t.awaited_split, true);
      t.awaiting = false;
    }
  } else if (type == kSplit) {
    ApplySplit(rec, lsn, t, scan);
  }
}

Status ScanLogDir(const std::string& log_dir, ManifestLsn after, std::string* found, int64_t until_unix_seconds,
                  std::vector<SplitPage>* new_pages) {
  std::unique_ptr<LogRecordReader> reader;
  BDB_RETURN_IF_ERROR(LogRecordReader::Open(log_dir, &reader));
  Scan scan;
  std::map<uint32_t, TxnTrace>& txns = scan.txns;
  DB_LSN lsn;
  DBT rec;
  std::memset(&rec, 0, sizeof(rec));
  for (uint32_t flag = DB_FIRST; reader->Get(flag, &lsn, &rec); flag = DB_NEXT) {
    Apply(rec, lsn, &scan);
    if (U32(rec, 0) != kRegop) continue;
    const uint32_t txnid = U32(rec, 4);
    auto it = txns.find(txnid);
    if (it == txns.end()) continue;
    const bool committed = CommittedInRange(rec, lsn, after, until_unix_seconds);
    TxnTrace& t = it->second;
    if (t.awaiting) Suspect(&t, t.awaited_split, true);  // committed before the insert its split made room for
    if (t.suspect && committed) {
      *found = t.split_trace
                   ? Format("transaction %x committed at [%u][%u] split page %u of file id %u onto a page it added "
                            "to the file without logging the insert that made the split",
                            txnid, lsn.file, lsn.offset, t.page.second, t.page.first)
                   : Format("transaction %x committed at [%u][%u] filled page %u of file id %u without logging it",
                            txnid, lsn.file, lsn.offset, t.page.second, t.page.first);
      break;
    }
    if (committed) {
      for (size_t i : t.new_pages) {
        scan.pages[i].txnid = txnid;
        scan.pages[i].commit_lsn = ManifestLsn{lsn.file, lsn.offset};
      }
    }
    txns.erase(it);  // a txnid may be reused after its commit or abort
  }
  for (const SplitPage& p : scan.pages) {
    if (!found->empty() || p.txnid == 0 || p.unlogged_proof == ManifestLsn{}) continue;
    if (p.proof_entries != 0) {
      *found = Format(
          "transaction %x committed at [%u][%u] made page %u of file id %u by a split, and a split at [%u][%u] "
          "found %u entries on it, still stamped as the log left it holding %u: inserts no log record made",
          p.txnid, p.commit_lsn.file, p.commit_lsn.offset, p.pgno, p.fileid, p.unlogged_proof.file,
          p.unlogged_proof.offset, p.proof_entries, p.entries);
    } else {
      *found = Format(
          "transaction %x committed at [%u][%u] made page %u of file id %u by a split, and the insert at [%u][%u] "
          "went to an index past the %u entries the log put there: inserts no log record made",
          p.txnid, p.commit_lsn.file, p.commit_lsn.offset, p.pgno, p.fileid, p.unlogged_proof.file,
          p.unlogged_proof.offset, p.entries);
    }
  }
  if (new_pages != nullptr && found->empty()) {
    for (const SplitPage& p : scan.pages) {
      if (p.txnid != 0) new_pages->push_back(p);
    }
  }
  return reader->status();
}

}  // namespace

Status FindUnloggedBulkInserts(const std::string& log_dir, ManifestLsn after, std::string* found,
                               int64_t until_unix_seconds, std::vector<SplitPage>* new_pages) {
  found->clear();
  if (new_pages != nullptr) new_pages->clear();
  // With no log file there, opening the log subsystem would create one.
  std::vector<std::string> names, logs;
  BDB_RETURN_IF_ERROR(DefaultFileIO()->ListDir(log_dir, &names));
  uint32_t number = 0;
  bool compressed = false;
  for (const std::string& n : names) {
    if (!ParseLogFileName(n, &number)) continue;
    logs.push_back(n);
    bool container = false;
    BDB_RETURN_IF_ERROR(IsStoredContainer(DefaultFileIO(), JoinPath(log_dir, n), &container));
    compressed = compressed || container;
  }
  if (logs.empty()) return Status::OK();
  if (!compressed) return ScanLogDir(log_dir, after, found, until_unix_seconds, new_pages);
  // Compressed copies (stored_file.h): BDB reads the original bytes from a scratch directory.
  std::string scratch;
  BDB_RETURN_IF_ERROR(MakeScratchDir("", "bdbackup-logscan", &scratch));
  Status s;
  for (const std::string& n : logs) {
    s = CopyDecoded(JoinPath(log_dir, n), JoinPath(scratch, n));
    if (!s.ok()) break;
  }
  if (s.ok()) s = ScanLogDir(scratch, after, found, until_unix_seconds, new_pages);
  RemoveTree(DefaultFileIO(), scratch);  // best effort
  return s;
}

Status FindPagesFilledAfterTheirSplit(FileIO* io, const std::vector<std::string>& database_paths,
                                      const std::vector<SplitPage>& new_pages, std::string* found) {
  found->clear();
  if (new_pages.empty()) return Status::OK();
  // Only the last split of a page can still stamp it.
  std::map<std::pair<uint32_t, uint32_t>, const SplitPage*> last;
  for (const SplitPage& p : new_pages) last[{p.fileid, p.pgno}] = &p;
  for (const std::string& path : database_paths) {
    DatabaseFileInfo info;
    Status read = ReadDatabaseFileInfo(io, path, &info);
    // Removed since it was listed, or too short to be a database (InvalidArgument): no page of it to check.
    if (read.IsNotFound() || read.code() == Status::Code::kInvalidArgument) continue;
    BDB_RETURN_IF_ERROR(read);
    if (info.byte_swapped || info.access_method != "btree" || info.page_size < 512)
      continue;  // not a btree file this host's byte order reads: no leaf of it was split
    std::unique_ptr<ReadableFile> file;
    Status s = io->OpenForRead(path, &file);
    if (s.IsNotFound()) continue;  // removed since it was listed
    BDB_RETURN_IF_ERROR(s);
    std::string page(info.page_size, '\0');
    // The header, read twice when it disagrees (a page BDB was writing meanwhile).
    auto read_header = [&](uint32_t pgno, ManifestLsn* lsn, uint16_t* entries, bool* whole) -> Status {
      size_t got = 0;
      BDB_RETURN_IF_ERROR(file->Pread(static_cast<uint64_t>(pgno) * info.page_size, 26, page.data(), &got));
      *whole = got == 26;
      std::memcpy(&lsn->file, page.data(), 4);
      std::memcpy(&lsn->offset, page.data() + 4, 4);
      uint32_t on_page = 0;
      std::memcpy(&on_page, page.data() + 8, 4);
      *whole = *whole && on_page == pgno;
      std::memcpy(entries, page.data() + 20, 2);
      return Status::OK();
    };
    for (const auto& [key, p] : last) {
      bool differs = true;
      ManifestLsn lsn;
      uint16_t entries = 0;
      for (int attempt = 0; attempt < 2 && differs; ++attempt) {
        bool whole = false;
        BDB_RETURN_IF_ERROR(read_header(p->pgno, &lsn, &entries, &whole));
        differs = whole && lsn == p->stamp && entries != p->entries;
      }
      if (!differs) continue;
      *found = Format(
          "transaction %x committed at [%u][%u] made page %u of '%s' by a split; the log put %u entries there, and "
          "the page, still stamped [%u][%u] as the log left it, holds %u: inserts no log record made",
          p->txnid, p->commit_lsn.file, p->commit_lsn.offset, p->pgno, path.c_str(), p->entries, lsn.file, lsn.offset,
          entries);
      return Status::OK();
    }
  }
  return Status::OK();
}

Status CheckChainForUnloggedBulkInserts(Repository* repo, const std::vector<Manifest>& chain) {
  for (size_t i = 1; i < chain.size(); ++i) {
    const Manifest& parent = chain[i - 1];
    std::string found;
    BDB_RETURN_IF_ERROR(
        FindUnloggedBulkInserts(JoinPath(repo->BackupDir(chain[i].id), chain[i].log_dir_rel), parent.end_lsn, &found));
    if (!found.empty()) {
      return Status::CheckFailed("backup '" + chain[i].id + "' cannot be restored: its logs since backup '" +
                                 parent.id + "' show a DB_TXN_BULK transaction BDB did not fully log (" + found +
                                 "); restore backup '" + parent.id + "' instead, and take a hot backup");
    }
  }
  return Status::OK();
}

}  // namespace bdb
