#!/bin/bash
# Routing of text typed without diacritics against the same text accented (issue 31,
# item 4): each file's test-split texts with every diacritic removed (Python's
# unicodedata, đ → d), then `ykien eval` on both, in both profiles.
# Usage: bash benches/folded-routing.sh   (from the project's root; release build)
set -euo pipefail
bin=${YKIEN:-./target/release/ykien}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in corpus/submissions.csv corpus/heldout.csv corpus/heldout-fresh.csv; do
  python3 - "$f" "$tmp/$(basename "$f" .csv)-folded.csv" <<'PY'
import csv, sys, unicodedata
def fold(t):
    t = unicodedata.normalize("NFD", t)
    return "".join(c for c in t if unicodedata.category(c) != "Mn").replace("đ", "d").replace("Đ", "D")
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
with open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
    w = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
    w.writeheader()
    for r in rows:
        if r.get("split") == "test":
            r["text"] = fold(r["text"])
        w.writerow(r)
PY
  for p in lang-son-2024 lang-son-2025; do
    a=$("$bin" eval "$f" --profile $p 2>&1 | grep -A1 '^Routing with' | tail -1 | awk '{print $2}')
    b=$("$bin" eval "$tmp/$(basename "$f" .csv)-folded.csv" --profile $p 2>&1 | grep -A1 '^Routing with' | tail -1 | awk '{print $2}')
    echo "$f $p: accented $a, typed without diacritics $b"
  done
done
