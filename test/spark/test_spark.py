"""npm run test:spark: examples/spark/nlp_spark.py in a real Spark job (local[2], 10,000 rows in 8 partitions).

Every check compares the Spark result with ONE nlp process run directly over the same texts, so the expected
values never come from the code under test. Prints one line per check and `spark: N passed, M failed`.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "examples", "spark"))

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql.types import LongType, StringType, StructField, StructType  # noqa: E402

from nlp_spark import nlp_label  # noqa: E402

NODE = shutil.which("node") or sys.exit("spark: node is not on PATH")
NLP = [NODE, os.path.join(ROOT, "bin", "nlp.js")]
HELPER = os.path.join(ROOT, "examples", "spark", "nlp_spark.py")
FIXTURES = os.path.join(ROOT, "test", "fixtures")
ROWS, PARTITIONS = 10_000, 8
TMP = tempfile.mkdtemp(prefix="nlp-spark-test-")
# nlp sees a clean Hugging Face environment: no token, no real Hub, its own cache
BASE_ENV = {"HF_HUB_CACHE": os.path.join(TMP, "hub"), "HF_HOME": os.path.join(TMP, "hf-home"),
            "XDG_CONFIG_HOME": os.path.join(TMP, "config"), "HF_ENDPOINT": "http://127.0.0.1:9", "HF_TOKEN": "",
            "HF_HUB_OFFLINE": "", "NLP_DEFAULT_MODEL": "", "NO_COLOR": "1"}

# Texts that break naive pipes and CSV: empty, quotes, commas, tabs, embedded newlines, CR, unicode, spaces.
SPECIAL = ["", '"', 'She said "wow", twice.', "a, b, c,,", "tab\tseparated\tfields", "line one\nline two\n",
           "crlf\r\nline", "\n", "  padded  ", "café naïve 😀 日本語", "\\n is not a newline", '{"text": "json inside"}',
           "x" * 3000]
LONG_ROW = 4999  # one text longer than nlp echoes by default (100,000 characters): --full-text keeps the echo check
WORDS = ["a heartwarming", "boring", "funny", "awful", "brilliant", "slow", "movie", "plot", "acting", "ending"]


def make_rows():
    """id, text, label (an input column clashing with nlp's output, so it must come back as pred_label), note."""
    rows = []
    for i in range(ROWS):
        if i % 97 < len(SPECIAL):
            text = SPECIAL[i % 97]
        elif i == LONG_ROW:
            text = "long " * 20_001
        elif i % 1000 == 999:
            text = None  # a null text gets null outputs and is not sent to nlp
        else:
            text = " ".join(WORDS[(i * k + k) % len(WORDS)] for k in range(1 + i % 7)) + f" #{i}"
        rows.append((i, text, f"gold,{i % 2}", f'note "{i}"\t,'))
    return rows


def run_nlp(command, args, texts, env=None):
    """One nlp process over all texts (the reference); returns the parsed JSONL records."""
    stdin = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    p = subprocess.run(NLP + [command, "--input", "jsonl", "--format", "jsonl", "--quiet"] + args, input=stdin,
                       capture_output=True, text=True, env={**os.environ, **BASE_ENV, **(env or {})})
    if p.returncode != 0:
        raise AssertionError(f"reference nlp {command} failed: {p.stderr.strip()}")
    out = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(out) == len(texts), f"reference: {len(out)} lines for {len(texts)} texts"
    return out


results = []


ONLY = sys.argv[1] if len(sys.argv) > 1 else ""  # npm run test:spark -- WORD: only the checks whose name has WORD


def check(name):
    def wrap(fn):
        if ONLY not in name:
            return fn
        t0 = time.time()
        try:
            detail = fn()
            results.append(True)
            print(f"ok   {name} ({detail}; {time.time() - t0:.1f}s)", flush=True)
        except Exception:  # noqa: BLE001 (a failed check is reported, the next one still runs)
            results.append(False)
            print(f"FAIL {name}\n{traceback.format_exc()}", flush=True)
        return fn
    return wrap


def assert_joined(got, rows, expected_by_id, fields):
    """Each input row exactly once, its columns unchanged, nlp's fields equal to the reference's."""
    ids = [r["id"] for r in got]
    assert len(ids) == len(rows), f"{len(ids)} rows out for {len(rows)} in"
    assert len(set(ids)) == len(ids), f"{len(ids) - len(set(ids))} rows duplicated"
    assert set(ids) == {r[0] for r in rows}, "rows lost"
    by_id = {r[0]: r for r in rows}
    labelled = 0
    for r in got:
        src = by_id[r["id"]]
        assert (r["text"], r["label"], r["note"]) == src[1:], f"row {r['id']}: input columns changed"
        if src[1] is None:
            assert all(r[out] is None for out in fields.values()), f"row {r['id']}: null text got values"
            continue
        want = expected_by_id[r["id"]]
        for key, out in fields.items():
            assert r[out] == want[key], f"row {r['id']} ({src[1][:30]!r}): {out}={r[out]!r}, one nlp process says {want[key]!r}"
        labelled += 1
    return labelled


def main():
    rows = make_rows()
    texts = [(r[0], r[1]) for r in rows if r[1] is not None]
    fixture = os.path.join(FIXTURES, "hf-reference", "distilbert")
    # the fixture model reaches the executors as an archive (spark-submit --archives models.tgz#models)
    archive = os.path.join(TMP, "models.tgz")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(fixture, arcname="distilbert")

    os.environ.update(BASE_ENV)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    t0 = time.time()
    spark = (SparkSession.builder.master("local[2]").appName("nlp-spark-test")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.archives", f"{archive}#models")
             .config("spark.sql.shuffle.partitions", "8").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    # the helper reaches the Python workers as spark-submit --py-files would ship it
    spark.sparkContext.addPyFile(HELPER)
    print(f"spark: {spark.version} local[2] up in {time.time() - t0:.1f}s; {ROWS} rows in {PARTITIONS} partitions, "
          f"{len(texts)} with text, {ROWS - len(texts)} null", flush=True)
    schema = StructType([StructField("id", LongType()), StructField("text", StringType()),
                         StructField("label", StringType()), StructField("note", StringType())])
    df = spark.createDataFrame(spark.sparkContext.parallelize(rows, PARTITIONS), schema)
    assert df.rdd.getNumPartitions() == PARTITIONS
    timings = {}

    def classify_check(model, args, job_model):
        t = time.time()
        expected = run_nlp("classify", (["-m", model] if model else []) + args, [t for _, t in texts])
        one_process = time.time() - t
        t = time.time()
        got = [r.asDict() for r in nlp_label(df, "text", "classify", model=job_model, args=args, nlp=NLP).collect()]
        timings[job_model or "embedded"] = (time.time() - t, one_process)
        n = assert_joined(got, rows, {i: e for (i, _), e in zip(texts, expected)}, {"label": "pred_label", "score": "score"})
        return f"{len(got)} rows exactly once, {n} labels+scores equal to one nlp process"

    @check("classify, embedded model: every row once, all columns kept, labels and scores = one `nlp classify`")
    def _():
        return classify_check(None, [], None)

    @check("classify, fixture model shipped with --archives (spark.archives models.tgz#models)")
    def _():
        return classify_check(fixture, [], "models/distilbert")

    @check("special texts survive: empty, quotes, commas, tabs, embedded newlines, CR, unicode")
    def _():
        special = [r.asDict() for r in nlp_label(df.where(df.id % 97 < len(SPECIAL)), "text", model="models/distilbert", nlp=NLP).collect()]
        expected = dict(zip(SPECIAL, run_nlp("classify", ["-m", fixture], SPECIAL)))
        assert len(special) == sum(1 for r in rows if r[0] % 97 < len(SPECIAL)) and {r["text"] for r in special} == set(SPECIAL)
        for r in special:
            assert (r["pred_label"], r["score"]) == (expected[r["text"]]["label"], expected[r["text"]]["score"]), repr(r["text"])
        return f"{len(special)} rows, {len(SPECIAL)} distinct special texts"

    @check("embed, fixture sentence-transformers model: vectors = one `nlp embed`")
    def _():
        model = os.path.join(FIXTURES, "hf-embed", "bert")
        expected = run_nlp("embed", ["-m", model], [t for _, t in texts])
        got = [r.asDict() for r in nlp_label(df, "text", "embed", model=model, nlp=NLP).collect()]
        n = assert_joined(got, rows, {i: e for (i, _), e in zip(texts, expected)}, {"embedding": "embedding"})
        return f"{len(got)} rows exactly once, {n} vectors of {len(expected[0]['embedding'])} equal"

    @check("ner, fixture token-classification model: entities = one `nlp ner`")
    def _():
        model = os.path.join(FIXTURES, "hf-token", "bert")
        expected = run_nlp("ner", ["-m", model], [t for _, t in texts])
        got = [r.asDict(recursive=True) for r in nlp_label(df, "text", "ner", model=model, nlp=NLP).collect()]
        n = assert_joined(got, rows, {i: e for (i, _), e in zip(texts, expected)}, {"entities": "entities"})
        return f"{len(got)} rows exactly once, {n} entity lists ({sum(len(e['entities']) for e in expected)} entities) equal"

    @check("a Hub model is pulled once per executor, then every partition runs offline (fake Hub)")
    def _():
        hub = subprocess.Popen([NODE, os.path.join(ROOT, "test", "spark", "fake-hub-server.mjs")], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
        try:
            endpoint = json.loads(hub.stdout.readline())["endpoint"]

            def hub_log():
                hub.stdin.write("log\n")
                hub.stdin.flush()
                return json.loads(hub.stdout.readline())

            ref = "en.classify.distilbert_sequence.sst2"
            # what ONE `nlp pull` into an empty cache asks of the Hub: the whole job may ask no more
            pulled = subprocess.run(NLP + ["pull", "--quiet", ref], capture_output=True, text=True,
                                    env={**os.environ, "HF_ENDPOINT": endpoint, "HF_HUB_CACHE": os.path.join(TMP, "one-pull")})
            assert pulled.returncode == 0, pulled.stderr
            one_pull = len(hub_log())
            cache = os.path.join(TMP, "pull-cache")
            env = {"HF_ENDPOINT": endpoint, "HF_HUB_CACHE": cache}
            got = [r.asDict() for r in nlp_label(df, "text", model=ref, nlp=NLP, env=env).collect()]
            log = hub_log()[one_pull:]
            configs = [q for q in log if q["method"] == "GET" and q["url"].endswith("/config.json")]
            assert len(configs) == 1, f"config.json fetched {len(configs)} times for {PARTITIONS} partitions: {configs}"
            assert len(log) == one_pull, f"the job made {len(log)} Hub requests, one nlp pull makes {one_pull}"
            expected = run_nlp("classify", ["-m", ref, "--offline"], [t for _, t in texts], {"HF_HUB_CACHE": cache})
            n = assert_joined(got, rows, {i: e for (i, _), e in zip(texts, expected)}, {"label": "pred_label", "score": "score"})
            return f"{len(log)} Hub requests for {PARTITIONS} partitions = one nlp pull; {n} labels equal to one offline nlp process"
        finally:
            hub.stdin.close()
            hub.wait(10)

    @check("spark-submit nlp_spark.py (the documented command): --archives model, JSONL in, parquet out")
    def _():
        folder = os.path.join(TMP, "submit")
        os.makedirs(folder)
        with open(os.path.join(folder, "in.jsonl"), "w") as f:
            f.writelines(json.dumps({"id": i, "review": t, "label": "gold"}) + "\n" for i, t in texts[:300])
        venv_bin = os.path.dirname(sys.executable)
        p = subprocess.run([os.path.join(venv_bin, "spark-submit"), "--master", "local[2]", "--conf", "spark.ui.showConsoleProgress=false",
                            "--archives", f"{archive}#models", "--py-files", HELPER, HELPER, "--nlp", " ".join(NLP),
                            "--input", "in.jsonl", "--output", "out", "--text-column", "review", "--partitions", "3", "--",
                            "-m", "models/distilbert"], cwd=folder, capture_output=True, text=True,
                           env={**os.environ, "PATH": venv_bin + os.pathsep + os.environ["PATH"]})
        assert p.returncode == 0, f"spark-submit exit {p.returncode}: {p.stderr[-3000:]}"
        got = {int(r["id"]): r for r in spark.read.parquet(os.path.join(folder, "out")).collect()}
        want = run_nlp("classify", ["-m", fixture], [t for _, t in texts[:300]])
        assert sorted(got) == [i for i, _ in texts[:300]], "rows lost or duplicated"
        for (i, t), w in zip(texts[:300], want):
            assert (got[i]["review"], got[i]["label"], got[i]["pred_label"], got[i]["score"]) == (t, "gold", w["label"], w["score"]), f"row {i} {t[:30]!r}: {got[i]}"
        return f"{len(got)} rows from JSONL to parquet, equal to one nlp process"

    @check("a bad model reference fails the job with nlp's one-line message in the driver's error")
    def _():
        bad = os.path.join(TMP, "no-such-model")
        p = subprocess.run(NLP + ["classify", "-m", bad, "--quiet", "x"], capture_output=True, text=True)
        message = p.stderr.strip()
        assert p.returncode != 0 and message.startswith("nlp:") and "\n" not in message, f"nlp itself: {p.returncode} {message!r}"
        try:
            spark.sparkContext.setLogLevel("OFF")  # the executor's copy of the expected failure is noise here
            nlp_label(df, "text", model=bad, nlp=NLP).count()
        except Exception as e:  # noqa: BLE001 (py4j or PythonException, whichever Spark raises)
            assert message in str(e), f"nlp's message {message!r} not in the driver's error:\n{str(e)[:3000]}"
            return f"driver's {type(e).__name__} carries {message!r}"
        finally:
            spark.sparkContext.setLogLevel("ERROR")
        raise AssertionError("the job succeeded with a bad model")

    @check("a Hub reference that does not exist fails the job with `nlp pull`'s message")
    def _():
        env = {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_CACHE": os.path.join(TMP, "empty-cache")}
        p = subprocess.run(NLP + ["pull", "--quiet", "nobody/no-such-model"], capture_output=True, text=True,
                           env={**os.environ, **env})
        message = p.stderr.strip().splitlines()[-1]
        assert p.returncode != 0 and message.startswith("nlp:"), f"nlp pull itself: {p.returncode} {message!r}"
        try:
            spark.sparkContext.setLogLevel("OFF")
            nlp_label(df, "text", model="nobody/no-such-model", nlp=NLP, env=env).count()
        except Exception as e:  # noqa: BLE001
            assert message in str(e), f"{message!r} not in the driver's error:\n{str(e)[:3000]}"
            return f"driver's error carries {message!r}"
        finally:
            spark.sparkContext.setLogLevel("ERROR")
        raise AssertionError("the job succeeded with a missing Hub model")

    spark.stop()
    for name, (job, one) in timings.items():
        print(f"spark: time {name}: local[2] job {job:.1f}s vs one nlp process {one:.1f}s over {len(texts)} texts", flush=True)
    shutil.rmtree(TMP, ignore_errors=True)
    passed = sum(results)
    print(f"spark: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
