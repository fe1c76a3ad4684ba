"""Writes MLflow model directories for keel's model tests (run by python-models.ts).

    python make_models.py <out_dir>

<out_dir>/sklearn       mlflow.sklearn.save_model of a RandomForestClassifier (flavors sklearn, python_function)
<out_dir>/onnx          the same forest via skl2onnx (zipmap=False), mlflow.onnx.save_model with a signature
<out_dir>/onnx-zipmap   the same with ZipMap (its probability output is a seq(map), not a tensor)
<out_dir>/onnx-columns  converted from a DataFrame: one ONNX input per column
<out_dir>/onnx-regressor a RandomForestRegressor, no signature
<out_dir>/expected.json the iris rows and sklearn's predictions and probabilities for them
"""
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING", "1")

import mlflow.onnx  # noqa: E402
import mlflow.sklearn  # noqa: E402
import numpy as np  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402
from skl2onnx import to_onnx  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

# Fixed requirements: MLflow would otherwise infer them by re-importing the model (slow).
REQS = {"pip_requirements": ["mlflow"]}

out = sys.argv[1]
iris = load_iris(as_frame=True)
X = iris.data.astype(np.float32)  # ONNX runs in float32: train on the same values it will see
y = iris.target
clf = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0).fit(X.values, y)
X32 = X.values

mlflow.sklearn.save_model(clf, f"{out}/sklearn", input_example=X.iloc[:2], **REQS)

signature = infer_signature(X, clf.predict(X32))
plain = to_onnx(clf, X32[:1], options={id(clf): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3})
mlflow.onnx.save_model(plain, f"{out}/onnx", signature=signature, input_example=X.iloc[:2], **REQS)

zipmap = to_onnx(clf, X32[:1], target_opset={"": 17, "ai.onnx.ml": 3})
mlflow.onnx.save_model(zipmap, f"{out}/onnx-zipmap", signature=signature, **REQS)

# One input per column (skl2onnx names them after the DataFrame's columns), one of them strings.
Xc = X.copy()
Xc.columns = ["sl", "sw", "pl", "pw"]
Xc["size"] = np.where(Xc["pl"] > 4, "big", "small")
clf_c = make_pipeline(
    ColumnTransformer([("num", StandardScaler(), ["sl", "sw", "pl", "pw"]), ("cat", OneHotEncoder(), ["size"])]),
    RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0),
).fit(Xc, y)
per_column = to_onnx(clf_c, Xc[:1], options={RandomForestClassifier: {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3})
mlflow.onnx.save_model(per_column, f"{out}/onnx-columns", signature=infer_signature(Xc, clf_c.predict(Xc)), **REQS)

reg = RandomForestRegressor(n_estimators=10, max_depth=4, random_state=0).fit(X32[:, :3], X32[:, 3])
mlflow.onnx.save_model(to_onnx(reg, X32[:1, :3], target_opset={"": 17, "ai.onnx.ml": 3}), f"{out}/onnx-regressor", **REQS)

with open(f"{out}/expected.json", "w") as f:
    json.dump(
        {
            "columns": list(X.columns),
            "rows": X32.astype(float).tolist(),
            "labels": clf.predict(X32).tolist(),
            "probabilities": clf.predict_proba(X32).tolist(),
            "columnRows": Xc.to_dict(orient="records"),
            "columnLabels": clf_c.predict(Xc).tolist(),
            "regression": reg.predict(X32[:, :3]).astype(float).tolist(),
        },
        f,
    )
