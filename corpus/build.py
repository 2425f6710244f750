#!/usr/bin/env python3
"""Assemble corpus/submissions.csv from the hand-written sources in corpus/raw/.

Deterministic: the same raw files always give the same CSV (ids, dates, which
submissions lose their diacritics, and the train/test split all come from an
MD5 hash of the text). Run from anywhere: python3 corpus/build.py
"""
import csv, hashlib, os, unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DISTRICTS = {
    "TP": "Thành phố Lạng Sơn", "TD": "Tràng Định", "VLg": "Văn Lãng", "VQ": "Văn Quan",
    "BG": "Bình Gia", "BS": "Bắc Sơn", "HL": "Hữu Lũng", "CL": "Chi Lăng",
    "CLc": "Cao Lộc", "LB": "Lộc Bình", "DL": "Đình Lập",
}
GROUPS = {
    "hs": "học sinh", "sv": "sinh viên", "cn": "công nhân", "nd": "nông dân",
    "cc": "công chức, viên chức", "tn": "thanh niên", "dn": "doanh nhân trẻ",
    "bd": "quân nhân xuất ngũ", "gv": "giáo viên",
}
TOPICS = ["hoc-tap", "huong-nghiep", "dao-tao-nghe", "viec-lam", "vay-von", "khoi-nghiep", "khac"]
DEPARTMENTS = {"so-gddt", "so-ldtbxh", "so-noivu", "so-taichinh", "so-nnptnt", "so-khdt", "so-khcn",
               "so-tttt", "so-vhttdl", "so-congthuong", "so-yte", "cong-an", "bch-quansu", "nhcsxh",
               "tinh-doan", "ubnd-huyen"}
STRIP_PERCENT = 18  # on top of the submissions written without diacritics by hand


def h(text, salt):
    return int(hashlib.md5((salt + text).encode()).hexdigest(), 16)


def strip_diacritics(s):
    out = []
    for ch in unicodedata.normalize("NFD", s):
        if unicodedata.category(ch) == "Mn":
            continue
        out.append({"đ": "d", "Đ": "D"}.get(ch, ch))
    return unicodedata.normalize("NFC", "".join(out))


def rows():
    for name in sorted(os.listdir(os.path.join(HERE, "raw"))):
        path = os.path.join(HERE, "raw", name)
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                parts = line.rstrip("\n").split("\t")
                if name == "mixed.tsv":
                    topic, dept, district, group, text = parts[:5]
                    dept2 = parts[5] if len(parts) > 5 else ""
                else:
                    topic = name[:-4]
                    dept, district, group, text = parts
                    dept2 = ""
                assert topic in TOPICS, (path, n, topic)
                assert dept in DEPARTMENTS and (not dept2 or dept2 in DEPARTMENTS), (path, n)
                yield dict(text=text.strip(), topic=topic, department=dept, department2=dept2,
                           locality=DISTRICTS[district], group=GROUPS[group])


def main():
    data = list(rows())
    texts = [r["text"] for r in data]
    assert len(set(texts)) == len(texts), "duplicate submissions in raw/"
    data.sort(key=lambda r: h(r["text"], "order"))
    by_topic = {}
    for r in data:
        by_topic.setdefault(r["topic"], []).append(r)
    for items in by_topic.values():
        items.sort(key=lambda r: h(r["text"], "split"))
        for i, r in enumerate(items):
            r["split"] = "test" if i % 5 == 0 else "train"
    for i, r in enumerate(data, 1):
        r["id"] = f"LS24-{i:04d}"
        day = h(r["text"], "date") % 45
        month, dom = (4, day + 1) if day < 30 else (5, day - 29)
        r["submitted_at"] = f"2024-{month:02d}-{dom:02d}"
        if h(r["text"], "strip") % 100 < STRIP_PERCENT:
            r["text"] = strip_diacritics(r["text"])
    cols = ["id", "text", "locality", "group", "submitted_at", "topic", "department", "department2", "split"]
    out = os.path.join(HERE, "submissions.csv")
    with open(out + ".tmp", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for r in data:
            w.writerow({c: r[c] for c in cols})
    os.replace(out + ".tmp", out)
    print(f"wrote {len(data)} submissions to {out}")


if __name__ == "__main__":
    main()
