#!/usr/bin/env python3
"""The power-cut figure of reports/reference/robustness.md from a bdbsim report.

Usage: tests/bench/power_cut_figure.py REPORT_DIR/report.json

Reads every trial of the power-cut-* scenarios and prints, per scenario, the
outcomes and the phases the agent's power cut landed in (the exercise hit
"phase=<phase>: ..."), then the totals: cuts per phase, logs lost, invalid
backups published (a listed backup that does not verify after the cut), and
published backups lost by the cut. A trial's detail names only its first worst
finding, so a trial counts once.
"""
import collections
import json
import re
import sys


def main(path):
    report = json.load(open(path))
    phases = collections.Counter()
    totals = collections.Counter()
    print(f"{'scenario':46} {'expect':7} {'trials':>6} {'PASS':>5} {'DET':>4} {'LOSS':>5} {'NOT_EX':>6}  phases")
    for sc in report["scenarios"]:
        if not sc["name"].startswith("power-cut"):
            continue
        outcomes = collections.Counter()
        mine = collections.Counter()
        for t in sc["trials"]:
            outcomes[t["outcome"]] += 1
            detail = t["detail"]
            if t["outcome"] == "LOSS":
                if "does not verify" in detail:
                    totals["invalid backups published"] += 1
                elif "log file" in detail or "does not match its sidecar" in detail:
                    totals["logs lost"] += 1
                elif "published" in detail and ("gone" in detail or "lost it" in detail):
                    totals["published backups lost"] += 1
                else:
                    totals["other losses"] += 1
                totals[f"LOSS in {sc['expect']} scenarios"] += 1
            for e in t["exercise"]:
                if e["kind"] != "agent_power_cut":
                    continue
                m = re.match(r"phase=([a-z_]+):", e["hit"])
                phase = m.group(1) if (e["fired"] and m) else "not fired"
                mine[phase] += 1
                phases[phase] += 1
        shown = ", ".join(f"{p} {n}" for p, n in sorted(mine.items()))
        print(f"{sc['name']:46} {sc['expect']:7} {len(sc['trials']):>6} {outcomes['PASS']:>5} "
              f"{outcomes['DETECTED']:>4} {outcomes['LOSS']:>5} {outcomes['NOT_EXERCISED']:>6}  {shown}")
    print()
    print("cuts per phase:", ", ".join(f"{p} {n}" for p, n in sorted(phases.items())))
    for key in ("logs lost", "invalid backups published", "published backups lost", "other losses",
                "LOSS in pass scenarios", "LOSS in caught scenarios"):
        print(f"{key}: {totals[key]}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "report.json")
