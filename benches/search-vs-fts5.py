#!/usr/bin/env python3
"""ykien's search index against SQLite FTS5, on the same generated corpus and queries.

Run from the project root:  python3 benches/search-vs-fts5.py [--n 1000000] [--queries 1200]

In one run it: builds ykien (release); writes N generated submissions with `ykien gen`
(the bundled corpus varied: see corpus/gen-variations.toml); makes varied queries from
them (see make_queries); indexes with `ykien index` and with SQLite FTS5
(tokenize='unicode61 remove_diacritics 2', Python's sqlite3), timing each with peak
memory; runs every query on both (top 10 hits with their text) and reports p50/p90/p99
latency; then counts what each finds and prints examples where they differ.
Everything goes to target/search-bench/. Only the standard library is needed.
"""
import argparse, csv, json, os, random, re, sqlite3, subprocess, sys, time, unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "target", "search-bench")
YKIEN = os.path.join(ROOT, "target", "release", "ykien")


def fold(s):
    """Diacritics removed and đ to d: how people type without a Vietnamese keyboard."""
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return s.replace("đ", "d").replace("Đ", "D")


def make_queries(texts, n, rng):
    """Varied queries from random submissions: one to three syllables as typed (40 %),
    quoted phrases of two or three syllables (20 %), A OR B (10 %), A NOT b (10 %),
    a word and a prefix (10 %), three syllables (10 %); half of all folded (no diacritics).
    Each query has a ykien form and an FTS5 form that mean the same."""
    out = []
    while len(out) < n:
        words = re.findall(r"\w+", rng.choice(texts).lower())
        if len(words) < 6:
            continue
        i = rng.randrange(len(words) - 4)
        kind = rng.random()
        folded = rng.random() < 0.5
        f = fold if folded else (lambda s: s)
        w = [f(x) for x in words[i:i + 4]]
        other = [f(x) for x in re.findall(r"\w+", rng.choice(texts).lower())]
        if not other:
            continue
        q = lambda ws: " ".join('"%s"' % x for x in ws)
        if kind < 0.4:
            k = rng.choice([1, 2, 2, 3])
            out.append((" ".join(w[:k]), q(w[:k]), "words"))
        elif kind < 0.6:
            k = rng.choice([2, 3])
            out.append(('"%s"' % " ".join(w[:k]), '"%s"' % " ".join(w[:k]), "phrase"))
        elif kind < 0.7:
            b = rng.choice(other)
            out.append(("%s OR %s" % (" ".join(w[:2]), b), "(%s) OR %s" % (q(w[:2]), q([b])), "or"))
        elif kind < 0.8:
            b = rng.choice(other)
            if b in w[:2]:
                continue
            out.append(("%s NOT %s" % (" ".join(w[:2]), b), "(%s) NOT %s" % (q(w[:2]), q([b])), "not"))
        elif kind < 0.9:
            p = w[1][: rng.choice([1, 2, 3])]
            out.append(("%s %s*" % (w[0], p), '%s "%s"*' % (q([w[0]]), p), "prefix"))
        else:
            out.append((" ".join(w[:3]), q(w[:3]), "words"))
        out[-1] = out[-1] + ("folded" if folded else "accented",)
    return out


def timed(cmd):
    """Runs cmd under /usr/bin/time -v: (stdout, wall seconds, peak RSS in MB)."""
    t0 = time.time()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    wall = time.time() - t0
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr[-2000:]))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return p.stdout, wall, rss


def dir_size(p):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(p) for f in fs)


def pct(xs, p):
    xs = sorted(xs)
    return xs[max(0, min(len(xs) - 1, int(-(-p * len(xs) // 1)) - 1))]


FTS5_CHILD = r'''
import csv, sqlite3, sys, time, json
csv.field_size_limit(1 << 30)
src, db, qfile, res = sys.argv[1:5]
t0 = time.time()
con = sqlite3.connect(db)
con.execute("PRAGMA journal_mode=WAL")
con.execute("CREATE VIRTUAL TABLE s USING fts5(id UNINDEXED, text, locality UNINDEXED, tokenize='unicode61 remove_diacritics 2')")
with open(src, newline="", encoding="utf-8-sig") as f:
    rows = ((r["id"], r["text"], r.get("locality", "")) for r in csv.DictReader(f))
    with con:
        con.executemany("INSERT INTO s(id, text, locality) VALUES (?, ?, ?)", rows)
with con:
    con.execute("INSERT INTO s(s) VALUES('optimize')")
index_s = time.time() - t0
queries = [json.loads(l) for l in open(qfile, encoding="utf-8")]
lat, out = [], []
for q in queries[:50]:
    con.execute("SELECT id, text FROM s WHERE s MATCH ? ORDER BY rank LIMIT 10", (q["fts5"],)).fetchall()
for q in queries:
    t = time.perf_counter()
    hits = con.execute("SELECT id, text FROM s WHERE s MATCH ? ORDER BY rank LIMIT 10", (q["fts5"],)).fetchall()
    lat.append((time.perf_counter() - t) * 1e3)
    out.append({"query": q["ykien"], "ids": [h[0] for h in hits]})
for q, o in zip(queries, out):
    o["total"] = con.execute("SELECT count(*) FROM s WHERE s MATCH ?", (q["fts5"],)).fetchone()[0]
json.dump({"index_s": index_s, "lat": lat, "results": out}, open(res, "w"))
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    corpus = os.path.join(OUT, "gen-%d.csv" % a.n)
    if not os.path.exists(corpus):
        subprocess.run([YKIEN, "gen", "--n", str(a.n), "--seed", str(a.seed), "--out", corpus], check=True)
    csv.field_size_limit(1 << 30)
    with open(corpus, newline="", encoding="utf-8-sig") as f:
        texts = [r["text"] for _, r in zip(range(200_000), csv.DictReader(f))]
    rng = random.Random(a.seed)
    queries = make_queries(texts, a.queries, rng)
    del texts
    qfile = os.path.join(OUT, "queries.jsonl")
    with open(qfile, "w", encoding="utf-8") as f:
        for yk, ft, kind, fo in queries:
            f.write(json.dumps({"ykien": yk, "fts5": ft, "kind": kind, "typed": fo}, ensure_ascii=False) + "\n")
    with open(os.path.join(OUT, "queries.txt"), "w", encoding="utf-8") as f:
        f.write("".join(q[0] + "\n" for q in queries))

    # ykien
    data = os.path.join(OUT, "ykien-data-%d" % a.n)
    subprocess.run(["rm", "-rf", data], check=True)
    _, y_wall, y_rss = timed([YKIEN, "index", corpus, "--data-dir", data])
    y_size = dir_size(data)
    bench = lambda extra: timed([YKIEN, "bench-search", os.path.join(OUT, "queries.txt"), "--data-dir", data] + extra)
    y_out, _, y_q_rss = bench(["--results", os.path.join(OUT, "ykien-results.jsonl")])
    y_fac, _, _ = bench(["--facets"])
    nums = lambda s: [float(x) for x in re.findall(r"p50 ([\d.]+) ms, p90 ([\d.]+) ms, p99 ([\d.]+) ms", s)[0]]
    y50, y90, y99 = nums(y_out)
    f50, f90, f99 = nums(y_fac)

    # SQLite FTS5, in a child process so its memory is measured alone
    db = os.path.join(OUT, "fts5-%d.db" % a.n)
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            os.remove(db + ext)
    child = os.path.join(OUT, "fts5_child.py")
    open(child, "w").write(FTS5_CHILD)
    res = os.path.join(OUT, "fts5-results.json")
    _, s_wall, s_rss = timed([sys.executable, child, corpus, db, qfile, res])
    fr = json.load(open(res))
    s_size = sum(os.path.getsize(db + e) for e in ("", "-wal") if os.path.exists(db + e))
    s50, s90, s99 = pct(fr["lat"], 0.5), pct(fr["lat"], 0.9), pct(fr["lat"], 0.99)
    sqlite_version = sqlite3.sqlite_version

    print("\n%d generated submissions, %d queries (half typed without diacritics), 2 cores" % (a.n, len(queries)))
    print("| | ykien (tantivy) | SQLite %s FTS5 unicode61 remove_diacritics 2 |" % sqlite_version)
    print("| --- | --- | --- |")
    print("| indexing, wall (incl. reading the CSV) | %.1f s (%.0f docs/s)* | %.1f s (%.0f docs/s) |" % (y_wall, a.n / y_wall, fr["index_s"], a.n / fr["index_s"]))
    print("| peak memory while indexing | %.0f MB | %.0f MB (whole child: index + queries) |" % (y_rss, s_rss))
    print("| index size on disk | %.0f MB | %.0f MB |" % (y_size / 1e6, s_size / 1e6))
    print("| query latency top 10, p50 / p90 / p99 | %.2f / %.2f / %.2f ms | %.2f / %.2f / %.2f ms |" % (y50, y90, y99, s50, s90, s99))
    print("| same with facet counts (topic, department, locality) | %.2f / %.2f / %.2f ms | (not offered) |" % (f50, f90, f99))
    print("* ykien's indexing also suggests a topic and a department for every submission.")

    # What each finds
    yr = [json.loads(l) for l in open(os.path.join(OUT, "ykien-results.jsonl"), encoding="utf-8")]
    by_kind = {}
    for q, y, s in zip(queries, yr, fr["results"]):
        d = by_kind.setdefault((q[2], q[3]), [0, 0, 0, 0, 0, 0, 0])
        d[0] += 1
        d[1] += y["total"] > 0
        d[2] += s["total"] > 0
        d[3] += y["total"]
        d[4] += s["total"]
        d[5] += y["total"] > s["total"]
        d[6] += y["total"] < s["total"]
    print("\n| query kind | queries | with hits: ykien / FTS5 | mean hits: ykien / FTS5 | ykien finds more / fewer |")
    print("| --- | --- | --- | --- | --- |")
    for k in sorted(by_kind):
        d = by_kind[k]
        print("| %s, %s | %d | %d / %d | %.0f / %.0f | %d / %d |" % (k[0], k[1], d[0], d[1], d[2], d[3] / d[0], d[4] / d[0], d[5], d[6]))
    print("\nExamples where the two differ (query: ykien total / FTS5 total):")
    shown = 0
    for q, y, s in zip(queries, yr, fr["results"]):
        if (y["total"] > 0) != (s["total"] > 0) or (q[2] in ("words", "phrase") and abs(y["total"] - s["total"]) > max(50, s["total"] // 2)):
            print("  %-40s %8d / %d   [%s, %s]" % (q[0], y["total"], s["total"], q[2], q[3]))
            shown += 1
            if shown >= 15:
                break


if __name__ == "__main__":
    main()
