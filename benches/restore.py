#!/usr/bin/env python3
"""Accent restoration side by side: `ykien restore` and pyvi's `ViUtils.add_accents` on the
same sentences typed without diacritics (UD Vietnamese VTB dev, held out from ykien's model),
scored alike: syllable accuracy over tokens with letters, tone placement ignored ("hoà" =
"hòa"), case kept. Speed is each one's whole run over the file, one process.

    python3 benches/restore.py [../shared/data/ud-vtb/vi_vtb-ud-dev.conllu]

Needs pyvi (`pip install pyvi`) and a release build (`cargo build --release`); YKIEN names
another binary.
"""
import os
import subprocess
import sys
import time
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "ud-vtb", "vi_vtb-ud-dev.conllu")
YKIEN = os.environ.get("YKIEN", os.path.join(ROOT, "target", "release", "ykien"))
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def sentences(path):
    out, cur = [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            if cur:
                out.append(" ".join(cur))
                cur = []
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if "-" in cols[0] or "." in cols[0]:
            continue
        cur.append(cols[1])
    if cur:
        out.append(" ".join(cur))
    return out


def strip(s):
    s = s.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn"))


def key(syl):
    """A syllable whatever its tone placement: letters with shape marks, and the tone."""
    d = unicodedata.normalize("NFD", syl)
    tone = "".join(c for c in d if c in TONES)
    return unicodedata.normalize("NFC", "".join(c for c in d if c not in TONES)), tone


def score(gold, got):
    right = total = 0
    for g, r in zip(gold, got):
        gs, rs = g.split(" "), r.split(" ")
        for i, x in enumerate(gs):
            if not any(c.isalpha() for c in x):
                continue
            total += 1
            right += i < len(rs) and key(rs[i]) == key(x)
    return right, total


def main():
    gold = [unicodedata.normalize("NFC", s) for s in sentences(GOLD)]
    typed = [strip(s) for s in gold]
    syllables = sum(len(s.split(" ")) for s in typed)
    data = ("\n".join(typed) + "\n").encode("utf-8")

    t = time.perf_counter()
    run = subprocess.run([YKIEN, "restore"], input=data, capture_output=True, check=True)
    yk_s = time.perf_counter() - t
    yk = run.stdout.decode("utf-8").split("\n")[: len(typed)]

    t = time.perf_counter()
    from pyvi import ViUtils  # noqa: E402 (its import is part of its cost)

    imp = time.perf_counter() - t
    t = time.perf_counter()
    pv, failed = [], 0
    for s in typed:
        try:
            p = ViUtils.add_accents(s)
            pv.append(p if isinstance(p, str) else p.decode("utf-8"))
        except Exception:  # pyvi raises on some inputs (a KeyError): the line stays as typed
            failed += 1
            pv.append(s)
    pv_s = time.perf_counter() - t

    print(f"{GOLD}: {len(gold)} sentences, {syllables} tokens typed without diacritics")
    print("| restorer | syllable accuracy | whole run | tokens/s |")
    print("| --- | --- | --- | --- |")
    for name, got, secs in (("ykien restore", yk, yk_s), ("pyvi ViUtils.add_accents", pv, pv_s + imp)):
        r, n = score(gold, got)
        print(f"| {name} | {r / n:.4f} ({r} of {n}) | {secs:.2f} s | {syllables / secs:,.0f} |")
    print(f"(pyvi: {pv_s:.2f} s restoring after {imp:.2f} s importing, {failed} sentences raised and count as typed;"
          " ykien's run includes loading its model)")


if __name__ == "__main__":
    main()
