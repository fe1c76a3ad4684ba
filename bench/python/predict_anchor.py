"""The anchor of bench/prediction.bench.ts: scikit-learn, MLflow's pyfunc and onnxruntime (Python)
predicting with the iris random forest, timed in-process on the same machine and in the same run
as keel. Also writes the ONNX twin (skl2onnx, mlflow.onnx.save_model) that keel then loads.

  python predict_anchor.py OUT_DIR SINGLE_CALLS BATCH_ROWS BATCH_REPEATS   -> JSON on stdout
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
warnings.filterwarnings("ignore")

import mlflow.onnx  # noqa: E402
import mlflow.pyfunc  # noqa: E402
import mlflow.sklearn  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import pandas as pd  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402
from skl2onnx import convert_sklearn  # noqa: E402
from skl2onnx.common.data_types import FloatTensorType  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402


def percentile(samples: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(samples), p))


def time_single(fn, calls: int, warmup: int) -> dict:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(calls):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99), "n": calls}


def time_batch(fn, rows: int, repeats: int) -> dict:
    fn()
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    median = percentile(samples, 50)
    return {"median_ms": median, "rows_per_s": rows / (median / 1000), "n": repeats}


def train_iris_forest():
    """The benchmarks' iris forest: 100 trees, max depth 5, seed 42, all 150 rows (float64)."""
    iris = load_iris(as_frame=True)
    X = iris.data.astype("float64")
    clf = RandomForestClassifier(n_estimators=100, max_depth=5, random_state=42).fit(X, iris.target)
    return clf, X


def to_onnx(clf):
    """skl2onnx's export of the forest: float input "X" of 4 columns, outputs "label" and "probabilities"."""
    return convert_sklearn(clf, initial_types=[("X", FloatTensorType([None, 4]))], options={id(clf): {"zipmap": False}})


def main() -> None:
    out_dir, single_calls, batch_rows, batch_repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    clf, X = train_iris_forest()

    sklearn_dir = os.path.join(out_dir, "sklearn")
    onnx_dir = os.path.join(out_dir, "onnx")
    signature = infer_signature(X, clf.predict(X))
    mlflow.sklearn.save_model(clf, sklearn_dir, signature=signature, serialization_format="cloudpickle")
    onx = to_onnx(clf)
    mlflow.onnx.save_model(onx, onnx_dir, signature=infer_signature(X.astype("float32"), clf.predict(X)))

    row_df = X.iloc[[0]]
    row_np = X.to_numpy()[:1]
    reps = -(-batch_rows // len(X))
    batch_df = pd.concat([X] * reps, ignore_index=True).iloc[:batch_rows]
    batch_np = batch_df.to_numpy()
    pyfunc = mlflow.pyfunc.load_model(sklearn_dir)
    session = ort.InferenceSession(os.path.join(onnx_dir, "model.onnx"), providers=["CPUExecutionProvider"])
    row_f32 = row_np.astype(np.float32)
    batch_f32 = batch_np.astype(np.float32)
    warm = max(10, single_calls // 10)

    result = {
        "versions": {
            "python": sys.version.split()[0],
            "scikit-learn": __import__("sklearn").__version__,
            "mlflow": mlflow.__version__,
            "onnxruntime": ort.__version__,
        },
        "onnx_dir": onnx_dir,
        "sklearn": {
            "single": time_single(lambda: clf.predict(row_np), single_calls, warm),
            "batch": time_batch(lambda: clf.predict(batch_np), batch_rows, batch_repeats),
        },
        "pyfunc": {
            "single": time_single(lambda: pyfunc.predict(row_df), single_calls, warm),
            "batch": time_batch(lambda: pyfunc.predict(batch_df), batch_rows, batch_repeats),
        },
        "ort_python": {
            "single": time_single(lambda: session.run(["label"], {"X": row_f32}), single_calls, warm),
            "batch": time_batch(lambda: session.run(["label"], {"X": batch_f32}), batch_rows, batch_repeats),
        },
        # The predictions keel's loaders must reproduce (checked by the benchmark).
        "sklearn_predictions": clf.predict(X).tolist(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
