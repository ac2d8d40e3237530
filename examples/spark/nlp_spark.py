"""nlp as a stage of a Spark job: label a text column of a DataFrame with `nlp classify` / `nlp ner` / `nlp embed`.

Each partition streams its texts as JSONL through ONE `nlp <command> --input jsonl --format jsonl` process
(one model load per partition) and joins the output back by position: nlp writes exactly one line per input
line, in order, so line i belongs to row i. Every input column is kept; the fields nlp adds (label, score, …)
become columns, renamed pred_<name> when the DataFrame already has a column of that name (nlp's own rule).

A Hub/catalog model is downloaded once per executor (`nlp pull` under a file lock, into the
executor's Hugging Face cache); every partition then runs with HF_HUB_OFFLINE=1. A model folder or nlp
itself can reach the executors by --archives (relative paths are looked up in SparkFiles) or be baked into a
container image. See docs/scale-out.md.

    from nlp_spark import nlp_label
    labelled = nlp_label(df, "review", model="en.classify.sentiment@<commit>")

or as an application:

    spark-submit --archives models.tgz#models examples/spark/nlp_spark.py \\
        --input reviews.parquet --output labelled.parquet --text-column review -- -m models/sentiment
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
from collections import deque

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import ArrayType, DoubleType, FloatType, MapType, StructField, StructType, _parse_datatype_string

# What each command adds to a JSONL record with its default options. Options that change the output
# (--all-scores, --top-k, --prefix, ner --aggregation none, …) need schema=: an unexpected field fails the task
# instead of being dropped silently.
DEFAULT_SCHEMAS = {
    "classify": "label string, score double",
    "embed": "embedding array<double>",
    "ner": "entities array<struct<entity_group:string,score:double,word:string,start:bigint,end:bigint>>",
}
TEXT_KEY = "__nlp_text"  # the one field sent to nlp; an unusual name so nlp's added fields never clash with it


def nlp_label(df: DataFrame, text_column: str, command: str = "classify", model: str | None = None,
              args: list[str] | tuple[str, ...] = (), nlp: list[str] | tuple[str, ...] = ("nlp",),
              schema: str | StructType | None = None, env: dict[str, str] | None = None) -> DataFrame:
    """df with the fields `nlp <command>` adds for each row's text_column (null text → null fields).

    model: a folder (absolute, or relative: then also looked up among the files shipped with --archives/--files),
    a catalog reference or a Hub id owner/name[@revision]; None: nlp's default model.
    args: more nlp options, e.g. ["--max-length", "256"]. --workers 1 --threads 1 are added unless given (one task = one core).
    nlp: the command that runs nlp on an executor, e.g. ["node", "nlp/bin/nlp.js"] from an archive.
    schema: the added fields as a DDL string or StructType, when args change what nlp adds.
    env: extra environment for nlp on the executors (HF_HOME, HF_TOKEN, …).
    """
    if text_column not in df.columns:
        raise ValueError(f"no column {text_column!r} in the DataFrame (columns: {', '.join(df.columns)})")
    if schema is None:
        if command not in DEFAULT_SCHEMAS:
            raise ValueError(f"pass schema= for nlp {command} (known: {', '.join(DEFAULT_SCHEMAS)})")
        schema = DEFAULT_SCHEMAS[command]
    added = _parse_datatype_string(schema) if isinstance(schema, str) else schema
    # nlp's rule for a clash with an input field: the added field goes under pred_
    out_names = [("pred_" + f.name) if f.name in df.columns else f.name for f in added.fields]
    out_schema = StructType(df.schema.fields + [StructField(n, f.dataType, True) for n, f in zip(out_names, added.fields)])
    job = _Job(command, model, list(args), list(nlp), added, df.columns.index(text_column), dict(env or {}))
    return df.sparkSession.createDataFrame(df.rdd.mapPartitions(job.run), out_schema, verifySchema=False)


class NlpError(RuntimeError):
    """nlp failed on an executor; the message carries nlp's own one-line error."""


class _Job:
    def __init__(self, command, model, args, nlp, added, text_index, env):
        self.command, self.model, self.args, self.nlp = command, model, args, nlp
        self.added, self.text_index, self.env = added, text_index, env

    def run(self, rows):
        nlp = [_shipped(p) if i > 0 or os.sep in p else p for i, p in enumerate(self.nlp)]
        env = {**os.environ, **self.env}
        model = _shipped(self.model) if self.model is not None else None
        # a path is nlp's to check (its "folder not found" is the message to show); a reference is pulled
        if model is not None and not _is_path(model) and env.get("HF_HUB_OFFLINE", "").upper() not in ("1", "ON", "YES", "TRUE"):
            _pull_once(nlp, model, self.args, env)
        env["HF_HUB_OFFLINE"] = "1"
        # --full-text: the echo is the whole text, so each output line is checked against the row it joins
        cmd = nlp + [self.command, "--input", "jsonl", "--text-key", TEXT_KEY, "--format", "jsonl", "--quiet", "--full-text"]
        if model is not None:
            cmd += ["-m", model]
        # one task = one core: one session with one thread (nlp's default would start a worker per core)
        if "--workers" not in self.args:
            cmd += ["--workers", "1"]
        if "--threads" not in self.args:
            cmd += ["--threads", "1"]
        cmd += self.args
        return _stream(cmd, env, rows, self.text_index, self.added)


def _shipped(path: str) -> str:
    """A relative path that is not in the task's working directory but among the --files/--archives."""
    if os.path.isabs(path) or os.path.exists(path):
        return path
    from pyspark import SparkFiles
    candidate = os.path.join(SparkFiles.getRootDirectory(), path)
    return candidate if os.path.exists(candidate) else path


def _is_path(model: str) -> bool:
    return os.path.isabs(model) or model.startswith(".") or os.path.isdir(model)


def _pull_once(nlp, model, args, env):
    """`nlp pull` once per executor: its first task pulls under a lock, the others find the marker. The marker
    lives in the executor's SparkFiles folder, so the next application pulls again (a moved branch is seen)."""
    cache = env.get("HF_HUB_CACHE") or os.path.join(env.get("HF_HOME") or os.path.expanduser("~/.cache/huggingface"), "hub")
    pull = nlp + ["pull", "--quiet", model]
    for opt in ("--variant", "--revision"):
        if opt in args and args.index(opt) + 1 < len(args):
            pull += [opt, args[args.index(opt) + 1]]
    key = hashlib.sha1(json.dumps([cache, pull[len(nlp):]]).encode()).hexdigest()[:16]
    from pyspark import SparkFiles
    base = os.path.join(SparkFiles.getRootDirectory(), f"nlp-spark-pull-{key}")
    with open(base + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(base + ".done"):
            return
        p = subprocess.run(pull, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if p.returncode != 0:
            raise NlpError(f"nlp pull {model} failed (exit {p.returncode}): {_last_line(p.stderr)}")
        open(base + ".done", "w").close()


def _stream(cmd, env, rows, text_index, added):
    """Rows in, rows + nlp's fields out, in order; one nlp process for the whole partition."""
    try:
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                bufsize=1 << 16)  # bytes: no newline translation, a "\r" in a text stays in its JSON string
    except OSError as e:
        raise NlpError(f"cannot start {' '.join(cmd[:2])}: {e}; ship nlp with --archives or install it on the executors") from e
    pending: queue.Queue = queue.Queue()  # rows written, in order; bounded in practice by the pipe's capacity
    stderr_tail: deque = deque(maxlen=20)
    failure: list = []
    END = object()

    def write():
        try:
            for row in rows:
                text = row[text_index]
                pending.put(row)
                if text is not None:
                    proc.stdin.write(json.dumps({TEXT_KEY: text}).encode("ascii") + b"\n")  # \u escapes: ASCII, any string
        except BrokenPipeError:
            pass  # nlp died: its exit code and stderr tell why
        except BaseException as e:  # noqa: BLE001 (reported by the reading side)
            failure.append(e)
        finally:
            pending.put(END)
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass

    def drain_stderr():
        for line in proc.stderr:
            if line.strip():
                stderr_tail.append(line.decode("utf-8", "replace").rstrip("\n"))

    threads = [threading.Thread(target=write, daemon=True), threading.Thread(target=drain_stderr, daemon=True)]
    for t in threads:
        t.start()

    def died():
        proc.wait()
        threads[1].join()
        return NlpError(f"nlp exited with code {proc.returncode} in this partition: "
                        f"{_last_line(chr(10).join(stderr_tail)) or '(no message on stderr)'}  [{' '.join(cmd)}]")

    names = [f.name for f in added.fields]
    try:
        while True:
            row = pending.get()
            if row is END:
                break
            text = row[text_index]
            if text is None:
                yield tuple(row) + (None,) * len(names)
                continue
            line = proc.stdout.readline()
            if not line:
                raise died()
            out = json.loads(line)
            echoed = out.pop(TEXT_KEY, None)
            if echoed != text:
                raise NlpError(f"nlp's output is out of step with its input (expected the echo of {text[:40]!r}, got {str(echoed)[:40]!r})")
            unknown = set(out) - set(names)
            if unknown:
                raise NlpError(f"nlp {cmd[cmd.index('--input') - 1]} added {sorted(unknown)} which schema= does not list "
                               f"({', '.join(names)}); pass schema= with every added field")
            yield tuple(row) + tuple(_convert(out.get(n), f.dataType) for n, f in zip(names, added.fields))
        if failure:
            raise failure[0]
        extra = proc.stdout.readline()
        if extra:
            raise NlpError("nlp wrote more lines than it was given (an option like --level sentence or --explode "
                           "makes several records per text; it cannot be joined back by position)")
        if proc.wait() != 0:
            raise died()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _convert(value, data_type):
    """JSON value → the Python value Spark stores for data_type (JSON's 1 is a double when the schema says so)."""
    if value is None:
        return None
    if isinstance(data_type, (DoubleType, FloatType)):
        return float(value)
    if isinstance(data_type, ArrayType):
        return [_convert(v, data_type.elementType) for v in value]
    if isinstance(data_type, MapType):
        return {k: _convert(v, data_type.valueType) for k, v in value.items()}
    if isinstance(data_type, StructType):
        return tuple(_convert(value.get(f.name), f.dataType) for f in data_type.fields)
    return value


def _last_line(stderr: str) -> str:
    """nlp's error is one line starting with `nlp:`; fall back to the last line (e.g. node's own failure)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("nlp:") or line.startswith("nlp "):
            return line
    return lines[-1] if lines else ""


def main(argv=None):
    p = argparse.ArgumentParser(description="Label a text column with nlp on Spark; nlp options go after --.")
    p.add_argument("--input", required=True, help="parquet, json/jsonl or csv (with a header) file or folder")
    p.add_argument("--output", required=True, help="parquet folder")
    p.add_argument("--text-column", default="text")
    p.add_argument("--command", default="classify", choices=sorted(DEFAULT_SCHEMAS))
    p.add_argument("--nlp", default="nlp", help='how executors run nlp, e.g. "node nlp/bin/nlp.js" (split on spaces)')
    p.add_argument("--schema", help="DDL of the fields nlp adds, when nlp options change them")
    p.add_argument("--partitions", type=int, help="repartition the input first (each partition loads the model once)")
    p.add_argument("nlp_args", nargs=argparse.REMAINDER, help="-- then nlp options, e.g. -- -m REF --max-length 256")
    a = p.parse_args(argv)
    nlp_args = a.nlp_args[1:] if a.nlp_args[:1] == ["--"] else a.nlp_args
    model = None
    if "-m" in nlp_args or "--model" in nlp_args:
        i = nlp_args.index("-m") if "-m" in nlp_args else nlp_args.index("--model")
        model, nlp_args = nlp_args[i + 1], nlp_args[:i] + nlp_args[i + 2:]
    spark = SparkSession.builder.appName(f"nlp {a.command}").getOrCreate()
    ext = a.input.rstrip("/").rsplit(".", 1)[-1].lower()
    reader = spark.read
    df = (reader.json(a.input) if ext in ("json", "jsonl") else
          reader.option("header", True).option("multiLine", True).option("escape", '"').csv(a.input) if ext == "csv" else
          reader.parquet(a.input))
    if a.partitions:
        df = df.repartition(a.partitions)
    out = nlp_label(df, a.text_column, a.command, model=model, args=nlp_args, nlp=a.nlp.split(" "), schema=a.schema)
    out.write.mode("overwrite").parquet(a.output)
    spark.stop()


if __name__ == "__main__":
    sys.exit(main())
