#!/usr/bin/env python3
"""Routing accuracy before and after learning from reviewed decisions.

Run from the project root:  python3 benches/review-learning.py [--profile lang-son-2024]

The bundled corpus's test split (never used to train the router) is analysed into a
fresh data directory; reviewers' decisions are simulated by recording each submission's
gold department in the review database (what the desk writes when a reviewer accepts or
reassigns); then `ykien eval --data-dir` measures, by 5-fold cross-validation over those
decisions, the router that never saw them against routers that learned from the other
folds. Only the standard library is needed.
"""
import argparse, csv, os, sqlite3, subprocess, sys, tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "target", "review-learning")
YKIEN = os.path.join(ROOT, "target", "release", "ykien")

ap = argparse.ArgumentParser()
ap.add_argument("--profile", default="lang-son-2024")
a = ap.parse_args()
subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
os.makedirs(OUT, exist_ok=True)
rows = list(csv.DictReader(open(os.path.join(ROOT, "corpus", "submissions.csv"), encoding="utf-8-sig")))
test = [r for r in rows if r["split"] == "test"]
src = os.path.join(OUT, "test.csv")
with open(src, "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=["id", "text", "locality", "submitted_at"])
    w.writeheader()
    for r in test:
        w.writerow({k: r[k] for k in ["id", "text", "locality", "submitted_at"]})
data = os.path.join(OUT, "data-" + a.profile)
subprocess.run(["rm", "-rf", data], check=True)
subprocess.run([YKIEN, "analyze", src, "--data-dir", data, "--out", os.path.join(OUT, "out"), "--profile", a.profile], check=True, capture_output=True)
# The gold department in the profile's codes: the 2025 profile maps 2024 codes by its successor rules,
# which ykien applies itself when it learns; the database keeps what reviewers chose.
profile = tomllib.load(open(os.path.join(ROOT, "models", "routing", a.profile + ".toml"), "rb"))
codes = {d["code"] for d in profile["department"]}
def gold(r):
    for s in profile.get("successor", []):
        if s["from"] == r["department"] and (not s.get("topics") or r["topic"] in s["topics"]):
            return s["to"]
    assert r["department"] in codes, r
    return r["department"]
db = sqlite3.connect(os.path.join(data, "review.db"))
with db:
    for r in test:
        db.execute("UPDATE submissions SET status='decided', department=?, decided_by='gold', decided_at='-', version=version+1 WHERE id=?", (gold(r), r["id"]))
n = db.execute("SELECT count(*) FROM submissions WHERE status='decided'").fetchone()[0]
print("%d decisions recorded (%s)" % (n, a.profile))
out = subprocess.run([YKIEN, "eval", "--data-dir", data, "--profile", a.profile], capture_output=True, text=True, check=True).stdout
print([l for l in out.splitlines() if "learning from reviewed decisions" in l][0])
