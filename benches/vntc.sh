#!/usr/bin/env bash
# Real text, in one run: VNTC news titles (the title field: a headline with its lead).
#  1. Clustering, k = 10, against the 10 gold topics: ykien k-means and GSDMM (seeds 42, 1, 2).
#  2. Supervised routing, 80/20 split: ykien's router against scikit-learn's LinearSVC
#     (TF-IDF syllable unigrams + bigrams, sublinear tf, min_df 2) on the same files.
# Needs ../shared; makes a Python venv in target/. Run from the project root: bash benches/vntc.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=../shared/data/vntc/vntc-train.tsv.gz
[ -f "$DATA" ] || { echo "skipped: $DATA is absent"; exit 0; }
W=target/vntc; mkdir -p "$W"
python3 - "$DATA" "$W" <<'PY'
import csv, gzip, hashlib, sys
data, w = sys.argv[1], sys.argv[2]
out = {s: csv.writer(open(f"{w}/{s}.csv", "w", encoding="utf-8", newline="")) for s in ("train", "test")}
for o in out.values(): o.writerow(["id", "text", "label"])
titles = csv.writer(open(f"{w}/titles.csv", "w", encoding="utf-8", newline=""))
titles.writerow(["id", "text", "topic"])
with gzip.open(data, "rt", encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        p = line.rstrip("\n").split("\t")
        if len(p) < 3 or not p[1].strip(): continue
        split = "test" if int(hashlib.md5(f"vntc-{n}".encode()).hexdigest(), 16) % 5 == 0 else "train"
        out[split].writerow([f"vntc-{n}", p[1].strip(), p[0]])
        titles.writerow([f"vntc-{n}", p[1].strip(), p[0]])
PY
cargo build --release -q
Y=target/release/ykien
echo "== clustering VNTC titles: k = 10 (the gold topics) and k found (--auto-k)"
for m in dmm kmeans; do
    for k in "--k 10" "--auto-k"; do
        for s in 42 1 2; do
            printf '%-7s %-9s seed %-3s' "$m" "$k" "$s"
            /usr/bin/time -f "  (%e s wall, %M KB peak)" $Y eval "$W/titles.csv" $k --method $m --seed $s 2>&1 | grep -E "clusters|NMI|wall" | tr '\n' ' '
            echo
        done
    done
done
echo "== ykien"
/usr/bin/time -f "train-router: %e s wall, %M KB peak" $Y train-router "$W/train.csv" --label-column label --model "$W/router.json"
$Y eval "$W/test.csv" --model "$W/router.json" --label-column label | head -3
echo "== scikit-learn LinearSVC"
[ -x "$W/venv/bin/python" ] || { python3 -m venv "$W/venv" && "$W/venv/bin/pip" -q install scikit-learn; }
/usr/bin/time -f "LinearSVC: %e s wall, %M KB peak" "$W/venv/bin/python" - "$W" <<'PY'
import csv, sys, time
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.metrics import accuracy_score, f1_score
w = sys.argv[1]
load = lambda s: list(zip(*[(r["text"], r["label"]) for r in csv.DictReader(open(f"{w}/{s}.csv", encoding="utf-8"))]))
(xtr, ytr), (xte, yte) = load("train"), load("test")
t = time.time()
vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
clf = LinearSVC().fit(vec.fit_transform(xtr), ytr)
pred = clf.predict(vec.transform(xte))
print(f"trained in {time.time() - t:.1f} s; test accuracy {accuracy_score(yte, pred):.3f}   macro-F1 {f1_score(yte, pred, average='macro'):.3f} ({len(yte)} titles)")
PY
