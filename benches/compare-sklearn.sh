#!/usr/bin/env bash
# ykien against scikit-learn on the same generated submissions, in one run.
#
#   bash benches/compare-sklearn.sh [N ...]        (default: 100000 1000000)
#   RUNS=5 bash benches/compare-sklearn.sh 1000000  (repetitions per size; default 3)
#
# For each N: `ykien gen --n N --seed 1` writes N submissions (the bundled corpus varied:
# corpus/gen-variations.toml); then, on that same file,
#   ykien:        ykien analyze FILE --k 7 --method kmeans (read, normalise, segment, TF-IDF, k-means,
#                 labels, topics, routing, near-duplicates, every output file)
#   scikit-learn: read the CSV, TfidfVectorizer (syllable unigrams and bigrams, sublinear tf,
#                 min_df 2) + MiniBatchKMeans(k = 7), in a virtual environment made here
# each under /usr/bin/time -v, and prints wall time, peak memory and NMI against the
# generated gold topic (7 topics), with the ratios. The two run RUNS times, alternating
# (ykien, scikit-learn, ykien, ...), so that a shared machine's load, which here moves
# wall times by 20% or more from minute to minute, falls on both alike; the table gives
# the medians, and every run's figures follow it. Work files go to target/compare-sklearn/.
set -euo pipefail
RUNS=${RUNS:-3}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "compare-sklearn: RUNS must be a whole number from 1, not '$RUNS'" >&2; exit 2; }
cd "$(dirname "$0")/.."
OUT=target/compare-sklearn
VENV=$OUT/venv
mkdir -p "$OUT"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet scikit-learn
fi
cargo build --release --quiet
Y=target/release/ykien

cat > "$OUT/sk.py" <<'PY'
import csv, sys, time
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import normalized_mutual_info_score as nmi
csv.field_size_limit(1 << 30)
path, k = sys.argv[1], int(sys.argv[2])
texts, gold = [], []
with open(path, newline="", encoding="utf-8-sig") as f:
    for r in csv.DictReader(f):
        texts.append(r["text"]); gold.append(r["topic"])
x = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, token_pattern=r"(?u)\b\w+\b").fit_transform(texts)
labels = MiniBatchKMeans(n_clusters=k, random_state=0, n_init=3, batch_size=4096).fit_predict(x)
print("NMI %.4f" % nmi(gold, labels))
PY

cat > "$OUT/nmi.py" <<'PY'
import csv, json, sys
from sklearn.metrics import normalized_mutual_info_score as nmi
csv.field_size_limit(1 << 30)
gold = {}
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    for r in csv.DictReader(f):
        gold[r["id"]] = r["topic"]
g, p = [], []
for line in open(sys.argv[2], encoding="utf-8"):
    r = json.loads(line)
    g.append(gold[r["id"]]); p.append(-1 if r["cluster"] is None else r["cluster"])
print("NMI %.4f" % nmi(g, p))
PY

measure() { # label, command...: prints "wall_s peak_mb"
    local log="$OUT/time-$1.log"; shift
    /usr/bin/time -v "$@" > "$OUT/stdout.log" 2> "$log" || { cat "$log" >&2; exit 1; }
    awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; w=s}
                /Maximum resident set size/ {m=$2/1024} END {printf "%.1f %.0f\n", w, m}' "$log"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
runs_log=""

printf '\n| submissions | ykien wall | ykien peak | ykien NMI | scikit-learn wall | scikit-learn peak | scikit-learn NMI | ykien speed-up (sklearn time / ykien time) | ykien memory / sklearn memory |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
for N in "${@:-100000 1000000}"; do
    for n in $N; do
        F=$OUT/gen-$n.csv
        [ -f "$F" ] || $Y gen --n "$n" --seed 1 --out "$F" > /dev/null
        yws="" yms="" sws="" sms=""
        for r in $(seq "$RUNS"); do
            read -r yw ym < <(measure "ykien-$n" $Y analyze "$F" --k 7 --method kmeans --out "$OUT/out-$n")
            read -r sw sm < <(measure "sklearn-$n" "$VENV/bin/python" "$OUT/sk.py" "$F" 7)
            sn=$(awk '{print $2}' "$OUT/stdout.log")
            yws="$yws $yw" yms="$yms $ym" sws="$sws $sw" sms="$sms $sm"
        done
        yn=$("$VENV/bin/python" "$OUT/nmi.py" "$F" "$OUT/out-$n/submissions.jsonl" | awk '{print $2}')
        yw=$(echo "$yws" | median) ym=$(echo "$yms" | median) sw=$(echo "$sws" | median) sm=$(echo "$sms" | median)
        printf '| %s | %s s | %.0f MB | %s | %s s | %.0f MB | %s | %.2fx | %.2fx |\n' "$n" "$yw" "$ym" "$yn" "$sw" "$sm" "$sn" \
            "$(echo "$sw / $yw" | bc -l)" "$(echo "$ym / $sm" | bc -l)"
        runs_log="$runs_log"$(printf '\n%s submissions, %s runs each, alternating: ykien wall%s s, peak%s MB; scikit-learn wall%s s, peak%s MB' "$n" "$RUNS" "$yws" "$yms" "$sws" "$sms")
    done
done
printf '%s\n' "$runs_log"
