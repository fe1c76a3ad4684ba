"""The MLflow half of bench/serving.bench.ts: the benchmarks' iris forest (predict_anchor.py's
train_iris_forest) exported to ONNX, logged with mlflow.onnx.log_model and registered on the
tracking server in MLFLOW_TRACKING_URI (keel), so that both `keel models serve` and
`mlflow models serve` load the very same model version.

The export keeps only the "label" output: MLflow's ONNX pyfunc turns each output of a DataFrame
request into a column with reshape(-1), which fails on the (n, 3) "probabilities" output, so
`mlflow models serve` cannot answer for the two-output graph (see python/compat/test_registry_onnx.py).

  MLFLOW_TRACKING_URI=http://... python serving_models.py MODEL_NAME   -> JSON on stdout
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import warnings

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
warnings.filterwarnings("ignore")

import mlflow  # noqa: E402
import mlflow.onnx  # noqa: E402
import onnx  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from predict_anchor import to_onnx, train_iris_forest  # noqa: E402


def label_only(model: onnx.ModelProto) -> onnx.ModelProto:
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    keep = [o for o in copy.graph.output if o.name == "label"]
    del copy.graph.output[:]
    copy.graph.output.extend(keep)
    onnx.checker.check_model(copy)
    return copy


def main() -> None:
    name = sys.argv[1]
    clf, X = train_iris_forest()
    predictions = [int(p) for p in clf.predict(X)]
    # float32 columns: the graph's input is a float tensor, and MLflow's pyfunc feeds it the
    # DataFrame's values as they are after the signature's type enforcement.
    signature = infer_signature(X.astype("float32"), clf.predict(X))
    mlflow.set_experiment("serving-bench")
    # MLflow prints "View run ..." on stdout, which carries this script's JSON: send it to stderr.
    with contextlib.redirect_stdout(sys.stderr), mlflow.start_run(run_name="iris-onnx"):
        info = mlflow.onnx.log_model(
            label_only(to_onnx(clf)),
            name="model",
            signature=signature,
            registered_model_name=name,
            pip_requirements=["onnx", "onnxruntime"],  # explicit: skips requirement inference
        )
    print(
        json.dumps(
            {
                "name": name,
                "version": str(info.registered_model_version),
                "feature_names": list(X.columns),
                "rows": X.to_numpy().tolist(),
                "sklearn_predictions": predictions,
                "versions": {"mlflow": mlflow.__version__, "scikit-learn": __import__("sklearn").__version__},
            }
        )
    )


if __name__ == "__main__":
    main()
