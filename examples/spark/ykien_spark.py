"""ykien on Apache Spark: route, cluster and label submissions on the executors.

    python examples/spark/ykien_spark.py INPUT OUT [--profile lang-son-2025] [--k 12]
        [--master local[2]] [--text-column text] [--method kmeans|bisecting]

INPUT is Parquet (a file or a folder) or CSV with a header; OUT receives
submissions.parquet and clusters.parquet (folders of part files, as Spark writes).

The stages (each one a Spark job; what crosses the network is said):
1. Route and featurise on the executors: ``mapInArrow`` hands each Arrow batch of texts
   to the ``ykien`` wheel (Rust, parallel, without the GIL), which returns ykien's topic,
   department, confidence and reasons (identical to ``ykien route``) and each text's
   feature keys (folded words and word pairs). No shuffle, unless the input has fewer
   partitions than twice the cores (one Parquet row group is one partition): then the
   ids and texts are spread once.
2. Vectors: Spark MLlib's HashingTF turns the keys into hashed sparse vectors (2^18
   columns), IDF weights them (one pass: document frequencies are reduced to the
   driver, 2 MB), Normalizer makes them unit length.
3. Clusters: MLlib's KMeans with cosine distance (or BisectingKMeans), fitted on a sample
   of a million rows where there are more (as ``ykien analyze`` fits on 100,000), four
   starts and the least costly kept (as ``ykien analyze`` does): each
   iteration reduces k dense centroids (k x 2^18 doubles, 25 MB at k = 12) to the driver;
   then one pass assigns every row. Rows are not shuffled.
4. Labels: per cluster the 300 members of smallest id hash, and the 5,000 of all, are
   mined for phrases on the executors; the counts (a few hundred thousand rows at most,
   whatever the input's size) are aggregated by Spark, collected, and labelled on the
   driver with ykien's own label rule (``ykien.label_clusters``), as ``ykien analyze``
   labels on samples of the same sizes.
5. Written as Parquet: a row per submission and a row per cluster (its label, size,
   topic, departments and localities counted by Spark).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Dict, Iterator, List, Optional

import pyarrow as pa
from pyspark.ml import Pipeline
from pyspark.ml.clustering import BisectingKMeans, KMeans
from pyspark.ml.feature import IDF, HashingTF, Normalizer
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

#: Hashed vector width: 2^18 columns keep collisions rare for a vocabulary of ~10^5 keys.
NUM_FEATURES = 1 << 18
#: Members per cluster whose phrases make its label (ykien's PHRASE_MEMBERS).
PHRASE_MEMBERS = 300
#: Texts of all whose phrases say what is common everywhere (ykien's PHRASE_SAMPLE).
PHRASE_SAMPLE = 5_000
#: Above this many rows, vectors' IDF and the centroids are fitted on a sample this size.
FIT_ROWS = 1_000_000
#: k-means starts fitted, the one of least cost kept (ykien analyze's n_init).
N_INIT = 4

ROUTED = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("locality", pa.string()),
        ("topic", pa.string()),
        ("topic_score", pa.float32()),
        ("department", pa.string()),
        ("department_name", pa.string()),
        ("confidence", pa.float32()),
        ("runner_up", pa.string()),
        ("runner_up_confidence", pa.float32()),
        ("also", pa.string()),
        ("typed_without_diacritics", pa.bool_()),
        ("reasons", pa.string()),
        ("features", pa.list_(pa.int64())),
    ]
)

#: The same schema as Spark names it.
ROUTED_DDL = (
    "id string, text string, locality string, topic string, topic_score float, department string, "
    "department_name string, confidence float, runner_up string, runner_up_confidence float, also string, "
    "typed_without_diacritics boolean, reasons string, features array<bigint>"
)

PHRASES = pa.schema(
    [
        ("cluster", pa.int32()),
        ("row", pa.string()),
        ("key", pa.int64()),
        ("words", pa.list_(pa.int64())),
        ("syllables", pa.int32()),
        ("form", pa.string()),
    ]
)


#: The same schema as Spark names it.
PHRASES_DDL = "cluster int, row string, key bigint, words array<bigint>, syllables int, form string"


def spark_session(master: str = "local[2]", memory: str = "4g") -> SparkSession:
    """A Spark session whose Python workers run this interpreter (where ykien is installed)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName("ykien")
        .config("spark.driver.memory", memory)
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "20000")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )


def read_input(spark: SparkSession, path: str) -> DataFrame:
    """Parquet (a file or a folder of parts) or CSV with a header row, UTF-8."""
    if path.endswith(".csv") or path.endswith(".tsv"):
        sep = "\t" if path.endswith(".tsv") else ","
        return spark.read.option("header", True).option("multiLine", True).option("sep", sep).csv(path)
    return spark.read.parquet(path)


def _route_batches(profile: str):
    """mapInArrow's function: each batch routed and featurised by the ykien wheel."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import ykien

        for b in batches:
            texts = [t or "" for t in b.column("text").to_pylist()]
            locs = b.column("locality").to_pylist()
            cols = ykien.route_columns(texts, profile, localities=locs)
            feats = ykien.feature_keys(texts)
            arrays = [b.column("id"), b.column("text"), b.column("locality")]
            arrays += [pa.array(cols[f.name], type=f.type) for f in list(ROUTED)[3:-1]]
            arrays.append(pa.array(feats, type=pa.list_(pa.int64())))
            yield pa.RecordBatch.from_arrays(arrays, schema=ROUTED)

    return run


def _phrase_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow's function: the label phrases of each text (ykien.phrases)."""
    import ykien

    for b in batches:
        texts = b.column("text").to_pylist()
        p = ykien.phrases(texts)
        clusters = b.column("cluster").to_pylist()
        ids = b.column("id").to_pylist()
        yield pa.RecordBatch.from_arrays(
            [
                pa.array([clusters[r] for r in p["row"]], type=pa.int32()),
                pa.array([ids[r] for r in p["row"]], type=pa.string()),
                pa.array(p["key"], type=pa.int64()),
                pa.array(p["words"], type=pa.list_(pa.int64())),
                pa.array(p["syllables"], type=pa.int32()),
                pa.array(p["form"], type=pa.string()),
            ],
            schema=PHRASES,
        )


def route(df: DataFrame, profile: str, text_column: str = "text", id_column: Optional[str] = "id") -> DataFrame:
    """Stage 1: each submission with ykien's routing and its feature keys. Blank texts
    are left out (ykien lists them as blank answers); ids are made where none is given."""
    text = F.col(f"`{text_column}`").cast("string")
    if id_column and id_column in df.columns:
        ident = F.col(f"`{id_column}`").cast("string")
    else:
        ident = F.concat(F.lit("spark-"), (F.monotonically_increasing_id() + 1).cast("string"))
    loc = F.col("locality").cast("string") if "locality" in df.columns else F.lit(None).cast("string")
    base = df.select(ident.alias("id"), F.trim(text).alias("text"), loc.alias("locality"))
    base = base.where(F.col("text").isNotNull() & (F.col("text") != ""))
    # A file of one row group is one partition: spread it so every core has work.
    cores = df.sparkSession.sparkContext.defaultParallelism
    if base.rdd.getNumPartitions() < 2 * cores:
        base = base.repartition(4 * cores)
    return base.mapInArrow(_route_batches(profile), ROUTED_DDL)


def cluster(
    routed: DataFrame,
    k: int,
    seed: int = 1,
    method: str = "kmeans",
    max_iter: int = 20,
    n: Optional[int] = None,
    fit_rows: int = FIT_ROWS,
    n_init: int = N_INIT,
) -> DataFrame:
    """Stages 2 and 3: hashed TF-IDF vectors, unit length, clustered by MLlib. Above
    ``fit_rows`` rows the IDF and the centroids are fitted on a sample of that size and
    every row is then assigned (as ``ykien analyze`` does above 100,000): the iterations
    cost a sample's time, the assignment one pass. Like ``ykien analyze``, ``n_init``
    starts are fitted and the one of least cost kept. Rows with no feature key (no words
    to cluster) get no cluster, as in ``ykien analyze``."""
    has = routed.where(F.size("features") > 0)
    vectors = Pipeline(
        stages=[
            HashingTF(inputCol="features", outputCol="tf", numFeatures=NUM_FEATURES),
            IDF(inputCol="tf", outputCol="tfidf", minDocFreq=2),
            Normalizer(inputCol="tfidf", outputCol="vec", p=2.0),
        ]
    )
    n = routed.count() if n is None else n
    fit_on = has.sample(False, fit_rows / n, seed) if n > fit_rows else has
    featurise = vectors.fit(fit_on)
    sample = featurise.transform(fit_on).select("vec").cache()
    best = None
    for start in range(max(1, n_init)):
        params = dict(k=k, seed=seed + start, maxIter=max_iter, distanceMeasure="cosine", featuresCol="vec")
        algo = KMeans(**params) if method == "kmeans" else BisectingKMeans(**params)
        model = algo.setPredictionCol("cluster").fit(sample)
        cost = model.summary.trainingCost
        if best is None or cost < best[0]:
            best = (cost, model)
    sample.unpersist()
    clustered = best[1].transform(featurise.transform(has)).drop("tf", "tfidf", "vec")
    empty = routed.where(F.size("features") == 0).withColumn("cluster", F.lit(None).cast("int"))
    return clustered.withColumn("cluster", F.col("cluster").cast("int")).unionByName(empty)


def label(clustered: DataFrame, seed: int = 1) -> Dict[int, List[str]]:
    """Stage 4: each cluster's label by ykien's rule, from phrases of bounded samples:
    per cluster the PHRASE_MEMBERS members of smallest hash (a filter on a per-cluster
    hash bound keeps three times that many before the one small shuffle that ranks them),
    and the PHRASE_SAMPLE texts of smallest hash overall."""
    import ykien

    spark = clustered.sparkSession
    # A uniform number in [0, 1) from each id's hash: the samples are the same every run.
    u = F.xxhash64("id", F.lit(seed)).bitwiseAND(F.lit((1 << 47) - 1)).cast("double") / float(1 << 47)
    keyed = clustered.where(F.col("cluster").isNotNull()).select("cluster", "id", "text", u.alias("u"))
    size = {r["cluster"]: r["count"] for r in keyed.groupBy("cluster").count().collect()}
    bound = spark.createDataFrame(
        [(c, min(1.0, 3.0 * PHRASE_MEMBERS / s)) for c, s in size.items()], "cluster int, bound double"
    )
    near = keyed.join(F.broadcast(bound), "cluster").where(F.col("u") < F.col("bound"))
    ranked = near.withColumn("n", F.row_number().over(Window.partitionBy("cluster").orderBy("u", "id")))
    members = ranked.where(F.col("n") <= PHRASE_MEMBERS).select("cluster", "id", "text")
    everywhere = keyed.orderBy("u", "id").limit(PHRASE_SAMPLE).select(F.lit(-1).alias("cluster"), "id", "text")
    mined = members.unionByName(everywhere).mapInArrow(_phrase_batches, PHRASES_DDL).cache()
    sizes = {r["cluster"]: r["n"] for r in members.groupBy("cluster").agg(F.count("*").alias("n")).collect()}
    n_all = min(PHRASE_SAMPLE, sum(size.values()))
    inside_rows = mined.where(F.col("cluster") >= 0)
    df = inside_rows.groupBy("cluster", "key").agg(F.count("*").alias("df"))
    forms = inside_rows.groupBy("cluster", "key", "form").agg(
        F.count("*").alias("form_n"), F.first("words").alias("words"), F.first("syllables").alias("syllables")
    )
    # Only phrases in enough members can be label phrases: the rest stay on the executors.
    need = spark.createDataFrame([(c, ykien.min_support(n)) for c, n in sizes.items()], "cluster int, need int")
    kept = df.join(need, "cluster").where(F.col("df") >= F.col("need")).drop("need")
    inside = [
        (r["cluster"], r["key"], r["df"], list(r["words"]), r["syllables"], r["form"], r["form_n"])
        for r in forms.join(kept, ["cluster", "key"]).collect()
    ]
    keys = kept.select("key").distinct()
    all_df = mined.where(F.col("cluster") < 0).groupBy("key").agg(F.count("*").alias("df")).join(keys, "key")
    all_rows = [(r["key"], r["df"]) for r in all_df.collect()]
    mined.unpersist()
    return ykien.label_clusters(inside, list(sizes.items()), all_rows, n_all, 3)


def cluster_table(spark: SparkSession, clustered: DataFrame, labels: Dict[int, List[str]]) -> DataFrame:
    """Stage 5's clusters: label, size, commonest topic, departments and localities counted."""
    c = clustered.where(F.col("cluster").isNotNull())
    sizes = c.groupBy("cluster").agg(F.count("*").alias("size"))
    def counted(col: str, name: str) -> DataFrame:
        per = c.groupBy("cluster", F.coalesce(F.col(col), F.lit("(không rõ)")).alias("v")).agg(F.count("*").alias("n"))
        return per.groupBy("cluster").agg(F.map_from_entries(F.collect_list(F.struct("v", "n"))).alias(name))
    top = (
        c.groupBy("cluster", "topic")
        .agg(F.count("*").alias("n"))
        .withColumn("r", F.row_number().over(Window.partitionBy("cluster").orderBy(F.desc("n"), "topic")))
        .where(F.col("r") == 1)
        .select("cluster", "topic")
    )
    rows = [(int(k), " · ".join(v), v) for k, v in labels.items()]
    lab = spark.createDataFrame(rows, "cluster int, label string, phrases array<string>")
    return (
        sizes.join(lab, "cluster", "left")
        .join(top, "cluster", "left")
        .join(counted("department", "departments"), "cluster", "left")
        .join(counted("locality", "localities"), "cluster", "left")
        .orderBy(F.desc("size"))
    )


def run(
    spark: SparkSession,
    input_path: str,
    out: str,
    profile: Optional[str] = None,
    k: int = 12,
    text_column: str = "text",
    method: str = "kmeans",
    seed: int = 1,
    n_init: int = N_INIT,
) -> Dict[str, int]:
    """The whole pipeline: INPUT to OUT/submissions.parquet and OUT/clusters.parquet."""
    import ykien

    profile = profile or ykien.profile_in_force()
    # The executors import this module's functions by name: it travels with the job.
    spark.sparkContext.addPyFile(os.path.abspath(__file__))
    clock = _Clock()
    routed = route(read_input(spark, input_path), profile, text_column).cache()
    n = routed.count()
    clock.lap("read, route and featurise (mapInArrow, ykien)")
    clustered = cluster(routed, k, seed, method, n=n, n_init=n_init).cache()
    clustered.count()
    routed.unpersist()
    clock.lap(f"hashed TF-IDF and {method} (MLlib)")
    labels = label(clustered, seed)
    clock.lap("labels (phrases of samples, counted by Spark, ykien's rule)")
    lab = spark.createDataFrame([(int(c), " · ".join(v)) for c, v in labels.items()], "cluster int, cluster_label string")
    subs = clustered.join(F.broadcast(lab), "cluster", "left").drop("features")
    subs.write.mode("overwrite").parquet(os.path.join(out, "submissions.parquet"))
    clusters = cluster_table(spark, clustered, labels)
    clusters.write.mode("overwrite").parquet(os.path.join(out, "clusters.parquet"))
    clock.lap("cluster table and Parquet written")
    clustered.unpersist()
    return {"submissions": n, "clusters": len(labels)}


class _Clock:
    """Wall time per stage, said on stderr."""

    def __init__(self) -> None:
        self.t = time.monotonic()

    def lap(self, what: str) -> None:
        now = time.monotonic()
        print(f"ykien-spark: {now - self.t:7.1f} s  {what}", file=sys.stderr)
        self.t = now


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input")
    p.add_argument("out")
    p.add_argument("--profile", default=None, help="routing profile (default: the one in force today)")
    p.add_argument("--k", type=int, default=12, help="number of clusters")
    p.add_argument("--method", choices=["kmeans", "bisecting"], default="kmeans")
    p.add_argument("--n-init", type=int, default=N_INIT, help="k-means starts; the least costly is kept")
    p.add_argument("--text-column", default="text")
    p.add_argument("--master", default="local[2]")
    p.add_argument("--memory", default="4g", help="driver memory (local mode: the whole JVM)")
    a = p.parse_args(argv)
    spark = spark_session(a.master, a.memory)
    try:
        done = run(spark, a.input, a.out, a.profile, a.k, a.text_column, a.method, n_init=a.n_init)
    finally:
        spark.stop()
    print(f"ykien-spark: {done['submissions']} submissions, {done['clusters']} clusters -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
