"""ykien: Vietnamese youth-submission analytics for Python.

The same library as the ``ykien`` command: words (``segment``), text without
diacritics (``fold``), feature keys, a department for each submission (``route``,
the fields ``ykien route`` writes) and whole analyses (``analyze``) of files, pandas
DataFrames or Arrow tables, returned as tables. The models and the bundled corpus
travel inside the package; ``YKIEN_MODELS`` names another models folder.

Lists are processed in parallel in Rust, without the GIL.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Union

from . import _native

__all__ = [
    "Analysis",
    "analyze",
    "feature_keys",
    "fold",
    "label_clusters",
    "models_dir",
    "phrases",
    "profile_in_force",
    "restore",
    "route",
    "route_columns",
    "segment",
]

__version__: str = _native.__version__

_HERE = Path(__file__).resolve().parent


def models_dir() -> str:
    """The models folder used: ``$YKIEN_MODELS``, else the one inside the package."""
    return os.environ.get("YKIEN_MODELS") or str(_HERE / "models")


def profile_in_force() -> str:
    """The routing profile in force today (what ``ykien route`` uses when none is named)."""
    return _native.profile_in_force(models_dir())


def _texts(texts: Union[str, Sequence[str]]) -> List[str]:
    if isinstance(texts, str):
        return [texts]
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"text {i} is {type(t).__name__}, not str")
    return out


def segment(texts: Union[str, Sequence[str]]) -> Union[str, List[str]]:
    """Words of a text (or of each text) as ``ykien segment`` writes them.

    >>> segment("Thanh niên muốn vay vốn")
    'Thanh_niên muốn vay_vốn'
    """
    out = _native.segment(_texts(texts), models_dir())
    return out[0] if isinstance(texts, str) else out


def fold(texts: Union[str, Sequence[str]]) -> Union[str, List[str]]:
    """A text (or each text) normalised, lowercased and without diacritics.

    >>> fold("Đề nghị hỗ trợ")
    'de nghi ho tro'
    """
    out = _native.fold(_texts(texts))
    return out[0] if isinstance(texts, str) else out


def restore(texts: Union[str, Sequence[str]]) -> Union[str, List[str]]:
    """A text (or each text) typed without diacritics written with them, as ``ykien
    restore`` writes it; accented text, numbers, URLs and teen code stay as typed.

    >>> restore("thanh nien muon vay von")
    'thanh niên muốn vay vốn'
    """
    out = _native.restore(_texts(texts), models_dir())
    return out[0] if isinstance(texts, str) else out


def feature_keys(texts: Sequence[str]) -> List[List[int]]:
    """Each text's feature keys (content words and word pairs, folded), as signed 64-bit
    integers: what ykien clusters and routes by. A text typed without diacritics has the
    keys of its accented form."""
    return _native.feature_keys(_texts(texts), models_dir())


def route(
    texts: Union[str, Sequence[str]],
    profile: Optional[str] = None,
    *,
    ids: Optional[Sequence[str]] = None,
    localities: Optional[Sequence[Optional[str]]] = None,
) -> List[Dict[str, Any]]:
    """A suggested department for each text: one dict per text with the fields of
    ``ykien route`` (id, text, topic, topic_score, department, department_name,
    confidence, runner_up, runner_up_confidence, also, reasons, ...).

    ``profile`` names a routing profile of the models folder (``lang-son-2024``,
    ``lang-son-2025``); default: the one in force today.
    """
    lines = _native.route_json(
        _texts(texts),
        profile or profile_in_force(),
        models_dir(),
        list(ids) if ids is not None else None,
        list(localities) if localities is not None else None,
    )
    return [json.loads(line) for line in lines]


def route_columns(
    texts: Sequence[str],
    profile: Optional[str] = None,
    *,
    localities: Optional[Sequence[Optional[str]]] = None,
) -> Dict[str, list]:
    """The routing of ``route`` as columns (topic, topic_score, department,
    department_name, confidence, runner_up, runner_up_confidence, also,
    typed_without_diacritics, reasons joined by " | "): for Arrow batches and Spark."""
    return _native.route_columns(
        _texts(texts),
        profile or profile_in_force(),
        models_dir(),
        list(localities) if localities is not None else None,
    )


class Analysis(NamedTuple):
    """What ``analyze`` returns: a row per submission, a row per cluster, the summary."""

    submissions: Any
    """Each submission with its cluster, topic, department and reasons (submissions.parquet)."""
    clusters: Any
    """Each cluster: label, size, topic, phrases, localities, departments (clusters.parquet)."""
    summary: str
    """The summary ``ykien analyze`` prints."""


def analyze(
    data: Any = None,
    profile: Optional[str] = None,
    *,
    k: Optional[int] = None,
    method: str = "dmm",
    text_column: Optional[str] = None,
    out: Optional[Union[str, os.PathLike]] = None,
    as_pandas: bool = True,
) -> Analysis:
    """Clusters, labels and routes submissions, as ``ykien analyze`` does.

    ``data`` is a path or a list of paths (CSV, XLSX, JSON Lines, Parquet, text: what
    the command reads), a pandas DataFrame or a pyarrow Table; ``None`` analyses the
    bundled corpus. ``text_column`` names the column of the text when its header is not
    one ykien knows. ``k`` asks for that many clusters (default: found by itself);
    ``method`` is ``"dmm"`` or ``"kmeans"``. With ``out`` the run's files (Parquet,
    report.html, report.xlsx, clusters.json) are kept in that folder, replaced whole.
    Returns pandas DataFrames (``as_pandas``) or pyarrow Tables.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(prefix="ykien-") as tmp:
        if data is None:
            paths = [str(_HERE / "corpus" / "submissions.csv")]
        elif isinstance(data, (str, os.PathLike)):
            paths = [os.fspath(data)]
        elif isinstance(data, (list, tuple)) and all(isinstance(p, (str, os.PathLike)) for p in data):
            paths = [os.fspath(p) for p in data]
        else:
            table = data
            if not isinstance(table, pa.Table):
                try:
                    table = pa.Table.from_pandas(data, preserve_index=False)
                except Exception as e:  # pandas absent or not a DataFrame
                    raise TypeError(
                        "data must be a path, a list of paths, a pandas DataFrame or a pyarrow Table, "
                        f"not {type(data).__name__}"
                    ) from e
            path = os.path.join(tmp, "input.parquet")
            pq.write_table(table, path)
            paths = [path]
        dest = os.fspath(out) if out is not None else os.path.join(tmp, "out")
        summary = _native.analyze_files(
            paths, dest, profile or profile_in_force(), models_dir(), k, method, ["parquet"], text_column
        )
        subs = pq.read_table(os.path.join(dest, "submissions.parquet"))
        clusters = pq.read_table(os.path.join(dest, "clusters.parquet"))
    if as_pandas:
        return Analysis(subs.to_pandas(), clusters.to_pandas(), summary)
    return Analysis(subs, clusters, summary)


def phrases(texts: Sequence[str]) -> Dict[str, list]:
    """The phrases cluster labels are made of, a row per (text, phrase): columns ``row``
    (the text's index), ``key``, ``words`` (the content words' keys), ``syllables``,
    ``form`` (as written). Counted per cluster, they feed ``label_clusters``."""
    row, key, words, syllables, form = _native.phrases(_texts(texts), models_dir())
    return {"row": row, "key": key, "words": words, "syllables": syllables, "form": form}


def label_clusters(
    inside: Sequence[tuple],
    sizes: Sequence[tuple],
    everywhere: Sequence[tuple],
    n_texts: int,
    max_phrases: int = 3,
) -> Dict[int, List[str]]:
    """Cluster labels by ykien's rules from phrase counts made elsewhere (Spark).

    ``inside``: (cluster, key, texts holding it, words, syllables, form, texts writing
    it so); ``sizes``: (cluster, texts); ``everywhere``: (key, texts holding it) over
    ``n_texts`` texts. Returns each cluster's label phrases, best first.
    """
    return _native.label_clusters(list(inside), list(sizes), list(everywhere), n_texts, max_phrases)


def min_support(members: int) -> int:
    """Members of a cluster a label phrase must be found in (ykien's rule)."""
    return _native.min_support(members)
