"""The Python half of bench/pyfunc-serving.bench.ts.

  python pyfunc_serving.py predict-time MODEL_URI CALLS   -> JSON on stdout
      The model's own predict time: mlflow.pyfunc.load_model(MODEL_URI).predict on one iris row, as
      MLflow's scoring server hands it a `{"inputs": [[...]]}` request for a model without a
      signature (a float64 numpy array of shape (1, 4)); median and p99 of CALLS calls after a
      warm-up, and the median for a few batch sizes (what micro-batching feeds it). Also the model's
      predictions on all 150 iris rows: what every server must answer.

  python pyfunc_serving.py onnx-twin MODEL_NAME SOURCE_VERSION   -> JSON on stdout
      The ONNX twin without `keel models convert`: the registered scikit-learn model converted by
      skl2onnx (float input of 4 columns, zipmap=False: label and probabilities tensors), checked
      against the source on all 150 iris rows, logged with mlflow.onnx.log_model and registered as
      a new version of MODEL_NAME (tagged with its source version).

  python pyfunc_serving.py noop OUT_DIR CALLS   -> JSON on stdout
      A no-op pyfunc model (a PythonModel that returns its input) saved to OUT_DIR, for the IPC
      overhead of keel's worker pool, and its in-process predict time: median and p99 of CALLS
      calls on 1 and 100 rows of 4 float64 columns, as a DataFrame and as a numpy array. Also the
      worker's own conversions (keel_pyfunc_worker.py): the frame's table into the model's input
      (worker_in) and the model's output into the answer's table (worker_out).

MLFLOW_TRACKING_URI points at the benchmark's throwaway keel tracking server.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import warnings

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
warnings.filterwarnings("ignore")

import mlflow  # noqa: E402
import mlflow.pyfunc  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402

BATCH_SIZES = (1, 8, 32, 128)


def timed(fn, calls: int, warmup: int) -> dict:
    for _ in range(warmup):
        fn()
    samples = np.empty(calls)
    for i in range(calls):
        t = time.perf_counter()
        fn()
        samples[i] = time.perf_counter() - t
    ms = samples * 1000
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "min_ms": float(ms.min()),
        "n": calls,
    }


def quiet_load(uri: str):
    # The download progress bar goes to stderr; anything printed on stdout would spoil the JSON.
    with contextlib.redirect_stdout(sys.stderr):
        return mlflow.pyfunc.load_model(uri)


def predict_time(uri: str, calls: int) -> dict:
    model = quiet_load(uri)
    X = load_iris().data.astype("float64")
    row = X[:1]
    batches = {}
    for n in BATCH_SIZES:
        batch = np.repeat(row, n, axis=0)
        batches[str(n)] = timed(lambda b=batch: model.predict(b), max(50, calls // 10), 10)
    return {
        "model_uri": uri,
        "flavors": list(model.metadata.flavors.keys()),
        "has_signature": model.metadata.signature is not None,
        "single": timed(lambda: model.predict(row), calls, max(20, calls // 10)),
        "batches": batches,
        "rows": X.tolist(),
        "predictions": [int(p) for p in model.predict(X)],
        "versions": {
            "python": sys.version.split()[0],
            "mlflow": mlflow.__version__,
            "scikit-learn": __import__("sklearn").__version__,
        },
    }


def onnx_twin(name: str, source_version: str) -> dict:
    import mlflow.onnx
    import mlflow.sklearn
    import onnxruntime as ort
    from mlflow.models import infer_signature
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    source = f"models:/{name}/{source_version}"
    with contextlib.redirect_stdout(sys.stderr):
        clf = mlflow.sklearn.load_model(source)
    X = load_iris().data.astype("float32")
    onx = convert_sklearn(clf, initial_types=[("X", FloatTensorType([None, 4]))], options={id(clf): {"zipmap": False}})
    session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    labels = session.run(["label"], {"X": X})[0]
    expected = clf.predict(X)
    agree = int((labels == expected).sum())
    if agree != len(X):
        raise SystemExit(f"the ONNX twin agrees with {source} on {agree} of {len(X)} rows only")
    mlflow.set_experiment("pyfunc-serving-bench")
    with contextlib.redirect_stdout(sys.stderr), mlflow.start_run(run_name="iris-onnx-twin"):
        info = mlflow.onnx.log_model(
            onx,
            name="model",
            signature=infer_signature(X, expected),
            registered_model_name=name,
            pip_requirements=["onnx", "onnxruntime"],  # explicit: skips requirement inference
        )
    version = str(info.registered_model_version)
    mlflow.MlflowClient().set_model_version_tag(name, version, "keel.bench.source_version", source_version)
    return {"name": name, "version": version, "agree": agree, "rows": len(X), "how": "skl2onnx + mlflow.onnx.log_model"}


class Echo(mlflow.pyfunc.PythonModel):
    """Returns its input: the worker's own cost, with no model behind it."""

    def predict(self, context, model_input, params=None):
        return model_input


def noop(out_dir: str, calls: int) -> dict:
    # The worker's own code (packages/sdk/python), for the part of a round trip spent in Python
    # turning the frame into the model's input and its output back into a frame.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../packages/sdk/python"))
    import keel_pyfunc_worker as worker

    with contextlib.redirect_stdout(sys.stderr):
        mlflow.pyfunc.save_model(out_dir, python_model=Echo(), pip_requirements=["mlflow"])
    model = mlflow.pyfunc.load_model(out_dir)
    columns = ["c0", "c1", "c2", "c3"]
    warm = max(20, calls // 10)
    out = {"model_dir": out_dir, "inproc": {}, "worker_in": {}, "worker_out": {}}
    for rows in (1, 100):
        # The values keel's side of the benchmark sends (bench/lib/pyfunc-ipc.ts).
        values = np.array([[i * 0.37 + j + 0.5 for j in range(4)] for i in range(rows)])
        body = worker.encode_table(rows, [(c, values[:, j]) for j, c in enumerate(columns)])
        for form in ("dataframe", "ndarray"):
            key = f"{form}/{rows}"
            data = worker.model_input({"kind": form}, memoryview(body), None)
            prediction = model.predict(data)
            out["inproc"][key] = timed(lambda d=data: model.predict(d), calls, warm)
            out["worker_in"][key] = timed(
                lambda f=form: worker.model_input({"kind": f}, memoryview(body), None), calls, warm
            )
            out["worker_out"][key] = timed(lambda p=prediction: worker.encode_output(p), calls, warm)
    return out


def main() -> None:
    command = sys.argv[1]
    if command == "predict-time":
        result = predict_time(sys.argv[2], int(sys.argv[3]))
    elif command == "onnx-twin":
        result = onnx_twin(sys.argv[2], sys.argv[3])
    elif command == "noop":
        result = noop(sys.argv[2], int(sys.argv[3]))
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
