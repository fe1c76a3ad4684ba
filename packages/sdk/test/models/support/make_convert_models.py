"""MLflow models for the ONNX conversion tests (run by convert-models.ts), each saved with its flavor's
save_model:

    python make_convert_models.py <out_dir>

<out_dir>/regressor  a scikit-learn Pipeline(ColumnTransformer(StandardScaler, OneHotEncoder), Ridge) on iris
                     with a string column: predicts petal width; signature and input example (3 rows)
<out_dir>/xgboost    an XGBClassifier on the iris DataFrame (feature names); input example (3 rows)
<out_dir>/lightgbm   an LGBMClassifier on iris, saved with no signature and no input example
<out_dir>/data.json  the rows the tests check on: the regressor's (objects) and its predictions, iris as arrays
"""

import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING", "1")

import lightgbm  # noqa: E402
import mlflow.lightgbm  # noqa: E402
import mlflow.sklearn  # noqa: E402
import mlflow.xgboost  # noqa: E402
import numpy as np  # noqa: E402
import xgboost  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

# Fixed requirements: MLflow would otherwise infer them by re-importing the model (slow).
REQS = {"pip_requirements": ["mlflow"]}

out = sys.argv[1]
iris = load_iris(as_frame=True)
X = iris.data.astype(np.float32)
X.columns = ["sl", "sw", "pl", "pw"]
y = iris.target

Xr = X[["sl", "sw", "pl"]].astype(np.float64)
Xr["size"] = np.where(Xr["pl"] > 4, "big", "small")
regressor = make_pipeline(
    ColumnTransformer([("num", StandardScaler(), ["sl", "sw", "pl"]), ("cat", OneHotEncoder(), ["size"])]),
    Ridge(alpha=0.5),
).fit(Xr, X["pw"])
mlflow.sklearn.save_model(regressor, f"{out}/regressor", input_example=Xr.iloc[:3], **REQS)

booster = xgboost.XGBClassifier(n_estimators=10, max_depth=3, random_state=0).fit(X, y)
mlflow.xgboost.save_model(booster, f"{out}/xgboost", input_example=X.iloc[:3], **REQS)

gbm = lightgbm.LGBMClassifier(n_estimators=10, num_leaves=7, verbose=-1, random_state=0).fit(X.values, y)
mlflow.lightgbm.save_model(gbm, f"{out}/lightgbm", **REQS)

with open(f"{out}/data.json", "w") as f:
    json.dump(
        {
            "regressorRows": Xr.to_dict(orient="records"),
            "regressorValues": regressor.predict(Xr).astype(float).tolist(),
            "irisArrays": X.values.astype(float).tolist(),
        },
        f,
    )
