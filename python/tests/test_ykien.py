"""The ykien Python package on real Vietnamese text: words, folding, feature keys,
routing identical to the command line, and analyses of files, DataFrames and Arrow tables."""

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import ykien

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus" / "submissions.csv"


def test_segment_joins_the_syllables_of_a_word_and_keeps_punctuation():
    out = ykien.segment("Thanh niên muốn vay vốn ưu đãi, để khởi nghiệp!")
    assert "Thanh_niên" in out.split()
    assert "vay_vốn" in out.split() and "khởi_nghiệp" in out.split()
    # Every character is kept: spaces and '_' removed, the input without spaces.
    assert out.replace(" ", "").replace("_", "") == "Thanh niên muốn vay vốn ưu đãi, để khởi nghiệp!".replace(" ", "")
    assert ykien.segment(["Đề nghị hỗ trợ", "Học nghề"]) == ["Đề_nghị hỗ_trợ", "Học_nghề"]


def test_fold_removes_diacritics_and_tone_placement_does_not_matter():
    assert ykien.fold("Đề nghị HỖ TRỢ thanh niên") == "de nghi ho tro thanh nien"
    # "hoà" and "hòa": two placements of one tone, one word.
    assert ykien.fold("hoà") == ykien.fold("hòa") == "hoa"


def test_restore_gives_back_the_diacritics_and_equals_the_command_line():
    typed = ["thanh nien muon vay von", "Đề nghị mở lớp học nghề", "em ko biet dang ky o dau"]
    out = ykien.restore(typed)
    assert out[0] == "thanh niên muốn vay vốn"
    assert out[1] == typed[1], "typed with diacritics: as it is"
    assert out[2].startswith("em ko biết"), "teen code as typed"
    assert ykien.restore("Lang Son") == "Lạng Sơn"
    exe = os.environ.get("YKIEN_BIN")
    if not exe:
        pytest.skip("YKIEN_BIN is not set (cargo test sets it to the ykien binary)")
    cli = subprocess.run(
        [exe, "restore"],
        input="\n".join(typed) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert cli.stdout.splitlines() == out


def test_text_typed_without_diacritics_has_the_keys_of_its_accented_form():
    accented, typed = ykien.feature_keys(["vay vốn ngân hàng chính sách", "vay von ngan hang chinh sach"])
    assert accented and accented == typed
    other = ykien.feature_keys(["sân chơi cho thiếu nhi"])[0]
    assert not set(other) & set(accented)


def test_route_answers_with_the_fields_of_the_command_line():
    r = ykien.route("Em muốn học nghề cơ khí ở trường cao đẳng nghề của tỉnh", profile="lang-son-2024")[0]
    assert r["department"] == "so-ldtbxh"
    assert r["topic"] == "dao-tao-nghe"
    assert 0.0 <= r["confidence"] <= 1.0 and r["reasons"]
    loan = ykien.route(["xin hoi thu tuc vay von giai quyet viec lam o ngan hang chinh sach"], profile="lang-son-2024")[0]
    assert loan["department"] == "nhcsxh" and loan["typed_without_diacritics"] is True


def test_route_is_the_command_lines_route_record_for_record():
    exe = os.environ.get("YKIEN_BIN")
    if not exe:
        pytest.skip("YKIEN_BIN is not set (cargo test sets it to the ykien binary)")
    lines = subprocess.run(
        [exe, "route", str(CORPUS), "--profile", "lang-son-2025"], capture_output=True, check=True
    ).stdout.decode().splitlines()
    cli = [json.loads(l) for l in lines]
    df = pd.read_csv(CORPUS)
    py = ykien.route(list(df["text"]), profile="lang-son-2025", ids=list(df["id"]), localities=list(df["locality"]))
    assert len(py) == len(cli) == len(df)
    for a, b in zip(py, cli):
        assert a["id"] == b["id"]
        for field in ("topic", "department", "runner_up", "also", "reasons", "typed_without_diacritics"):
            assert a[field] == b[field], (a["id"], field)
        assert abs(a["confidence"] - b["confidence"]) < 1e-9


def test_route_refuses_lists_of_different_lengths():
    with pytest.raises(ValueError):
        ykien.route(["vay vốn"], profile="lang-son-2024", ids=["a", "b"])
    with pytest.raises(TypeError):
        ykien.route(["vay vốn", 3], profile="lang-son-2024")


def test_analyze_a_file_and_the_same_rows_as_a_dataframe_and_an_arrow_table():
    a = ykien.analyze(str(CORPUS), profile="lang-son-2024")
    df = pd.read_csv(CORPUS)
    assert len(a.submissions) == len(df)
    assert set(a.submissions["id"]) == set(df["id"])
    assert (a.clusters["size"].sum()) <= len(df) and len(a.clusters) >= 5
    assert all(isinstance(l, str) and l for l in a.clusters["label"])
    # A label's first phrase is written in some member of its cluster.
    for _, c in a.clusters.head(5).iterrows():
        first = c["label"].split(" · ")[0]
        members = a.submissions[a.submissions["cluster"] == c["cluster"]]["text"]
        assert any(ykien.fold(first) in ykien.fold(t) for t in members), first
    from_df = ykien.analyze(df, profile="lang-son-2024")
    from_arrow = ykien.analyze(pa.Table.from_pandas(df), profile="lang-son-2024", as_pandas=False)
    assert list(from_df.submissions["department"]) == list(a.submissions["department"])
    assert from_arrow.submissions.column("department").to_pylist() == list(a.submissions["department"])
    # The input's own columns come back under their headers (a gold topic kept apart).
    assert "topic (gốc)" in a.submissions.columns


def test_analyze_a_missing_file_names_it():
    with pytest.raises((OSError, ValueError), match="khong-co.csv"):
        ykien.analyze("/nonexistent/khong-co.csv", profile="lang-son-2024")


def test_analyze_refuses_what_is_not_a_table():
    with pytest.raises(TypeError):
        ykien.analyze(42, profile="lang-son-2024")


def test_labels_from_counts_follow_the_rule_of_analyze():
    texts = [
        "Đề nghị hỗ trợ vay vốn ưu đãi cho thanh niên khởi nghiệp",
        "Mong được vay vốn ưu đãi để nuôi bò",
        "Xin vay vốn ưu đãi từ ngân hàng chính sách",
        "Thanh niên cần vay vốn ưu đãi làm kinh tế",
        "Mở thêm lớp học nghề cơ khí",
        "Tổ chức sân chơi cho thiếu nhi",
    ]
    p = ykien.phrases(texts)
    cluster_of = [0, 0, 0, 0, 1, 1]
    from collections import Counter

    df = Counter()
    forms = Counter()
    meta = {}
    for row, key, words, syl, form in zip(p["row"], p["key"], p["words"], p["syllables"], p["form"]):
        c = cluster_of[row]
        df[(c, key)] += 1
        forms[(c, key, form)] += 1
        meta[key] = (words, syl)
    inside = [(c, k, df[(c, k)], meta[k][0], meta[k][1], f, n) for (c, k, f), n in forms.items()]
    everywhere = Counter(p["key"])
    labels = ykien.label_clusters(inside, [(0, 4), (1, 2)], list(everywhere.items()), len(texts))
    assert labels[0] and "vay vốn ưu đãi" in labels[0][0]
