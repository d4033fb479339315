#!/usr/bin/python3
"""accounts.py: a small banking application on Berkeley DB 5.3, through
Debian's python3-bsddb3, written as an application would be, to be run by
bdbsim as a trial's workload (workload.command) and judged by its exact
prefix oracle.

Its environment is configured in code (no DB_CONFIG): logs and databases at
the top of the home, 256 KiB log files, a 128 KiB cache. Two databases:
accounts.db (a hash: account -> balance) and transfers.db (a queue of
256-byte records, one per operation).

Operation n (n = 1, 2, 3, ...) is one transaction, decided by n alone: move
an amount between two of 5000 accounts (declined when the balance is short;
an account starts at 1000) and append record n to transfers.db. So the state
after n operations is the same whoever builds it, and the number in the last
transfer record is how many operations a state holds.

  accounts.py run    --home DIR --ack FILE [--pace-ms MS] [--checkpoint-every N] [--ops N]
  accounts.py replay --dest DIR --n N     the state after operations 1..N, in an empty DIR
  accounts.py dump   --home DIR           every account and transfer, sorted
  accounts.py count  --home DIR           how many operations the state holds

run commits each operation (synchronously: the default durability), then
appends "ack <n>" to FILE with one os.write; it runs until killed, or for
--ops operations. One thread does everything, so operations, commits and
acks are in one order. Exit 0 on success, 1 on a Berkeley DB failure (the
traceback names it), 2 on bad usage.
"""
import argparse
import os
import sys
import time

from bsddb3 import db

ACCOUNTS = 5000
OPENING_BALANCE = 1000
RECORD_BYTES = 256
MASK = (1 << 64) - 1


def mix(x):
    """splitmix64: every choice of operation n comes from mix(n)."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


class Bank:
    """The environment and its two databases. mode: "run" (recovery at open,
    as a restarted application runs it), "replay" (no sync, private) or
    "query" (read-only, private, no logging)."""

    def __init__(self, home, mode):
        self.env = db.DBEnv()
        self.env.set_lg_max(256 * 1024)
        self.env.set_cachesize(0, 128 * 1024, 1)
        flags = db.DB_CREATE | db.DB_INIT_MPOOL
        if mode != "query":
            flags |= db.DB_INIT_LOCK | db.DB_INIT_LOG | db.DB_INIT_TXN
        if mode == "run":
            flags |= db.DB_RECOVER
        else:
            flags |= db.DB_PRIVATE
        if mode == "replay":
            self.env.set_flags(db.DB_TXN_NOSYNC, 1)
        self.env.open(home, flags, 0o600)
        open_flags = db.DB_RDONLY if mode == "query" else db.DB_CREATE | db.DB_AUTO_COMMIT
        self.accounts = db.DB(self.env)
        self.accounts.set_flags(db.DB_CHKSUM)
        self.accounts.open("accounts.db", dbtype=db.DB_HASH, flags=open_flags, mode=0o600)
        self.transfers = db.DB(self.env)
        self.transfers.set_flags(db.DB_CHKSUM)
        self.transfers.set_re_len(RECORD_BYTES)
        self.transfers.set_re_pad(ord(" "))
        self.transfers.open("transfers.db", dbtype=db.DB_QUEUE, flags=open_flags, mode=0o600)

    def close(self, checkpoint):
        if checkpoint:
            self.env.txn_checkpoint(0, 0, db.DB_FORCE)
        self.accounts.close()
        self.transfers.close()
        self.env.close()

    def balance(self, txn, account):
        value = self.accounts.get(b"acct%04d" % account, txn=txn, flags=db.DB_RMW)
        return OPENING_BALANCE if value is None else int(value.split()[0])

    def set_balance(self, txn, account, balance):
        # The balance, then the holder's name: about 100 bytes a record.
        holder = b"holder-%04d " % account * 8
        self.accounts.put(b"acct%04d" % account, b"%d %s" % (balance, holder.strip()), txn=txn)

    def operation(self, n):
        """Operation n, committed; returns when the commit returned."""
        h = mix(n)
        src = h % ACCOUNTS
        dst = (src + 1 + (h >> 8) % (ACCOUNTS - 1)) % ACCOUNTS
        amount = 1 + (h >> 16) % 50
        txn = self.env.txn_begin()
        try:
            have = self.balance(txn, src)
            if have < amount:
                amount = 0  # declined: recorded, nothing moves
            else:
                self.set_balance(txn, src, have - amount)
                self.set_balance(txn, dst, self.balance(txn, dst) + amount)
            self.transfers.append(b"%d %04d %04d %d" % (n, src, dst, amount), txn=txn)
        except BaseException:
            txn.abort()
            raise
        txn.commit()

    def count(self):
        cursor = self.transfers.cursor()
        last = cursor.last()
        cursor.close()
        return 0 if last is None else int(last[1].split()[0])

    def dump(self, out):
        cursor = self.accounts.cursor()
        rows = []
        record = cursor.first()
        while record is not None:
            rows.append(record)
            record = cursor.next()
        cursor.close()
        for key, value in sorted(rows):
            out.write("account %s %s\n" % (key.decode(), value.decode()))
        cursor = self.transfers.cursor()
        record = cursor.first()
        while record is not None:
            out.write("transfer %d %s\n" % (record[0], record[1].decode().rstrip(" ")))
            record = cursor.next()
        cursor.close()


def run(args):
    ack = os.open(args.ack, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    bank = Bank(args.home, "run")
    n = bank.count()
    while args.ops == 0 or n < args.ops:
        n += 1
        bank.operation(n)
        os.write(ack, b"ack %d\n" % n)
        if args.checkpoint_every and n % args.checkpoint_every == 0:
            bank.env.txn_checkpoint(0, 0, 0)
        if args.pace_ms:
            time.sleep(args.pace_ms / 1000.0)
    bank.close(True)


def replay(args):
    bank = Bank(args.dest, "replay")
    if bank.count() != 0:
        sys.exit("accounts.py: error: replay needs an empty --dest")
    for n in range(1, args.n + 1):
        bank.operation(n)
    bank.close(True)


def main():
    parser = argparse.ArgumentParser(prog="accounts.py")
    parser.add_argument("command", choices=["run", "replay", "dump", "count"])
    parser.add_argument("--home")
    parser.add_argument("--ack")
    parser.add_argument("--dest")
    parser.add_argument("--n", type=int, default=0)
    parser.add_argument("--pace-ms", type=float, default=1.0)
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    parser.add_argument("--ops", type=int, default=0)
    args = parser.parse_args()
    if args.command == "run" and (args.home is None or args.ack is None):
        parser.error("run needs --home DIR and --ack FILE")
    if args.command == "replay" and args.dest is None:
        parser.error("replay needs --dest DIR and --n N")
    if args.command in ("dump", "count") and args.home is None:
        parser.error("%s needs --home DIR" % args.command)
    if args.command == "run":
        run(args)
    elif args.command == "replay":
        replay(args)
    else:
        bank = Bank(args.home, "query")
        if args.command == "count":
            print(bank.count())
        else:
            bank.dump(sys.stdout)
        bank.close(False)


if __name__ == "__main__":
    main()
