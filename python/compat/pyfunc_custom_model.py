"""A custom ``mlflow.pyfunc.PythonModel`` for the pyfunc serving tests (test_pyfunc_serving.py).

It is logged as MLflow's "models from code" (``python_model=<this file>``, MLflow 3's recommended
way, with no pickled object): MLflow ships the file with the model and runs it when the model is
loaded, in keel's Python worker too; its last line names the model (``mlflow.models.set_model``).

Input: a DataFrame with a float column ``x`` and a string column ``name``.
Output: a DataFrame with two columns, ``label`` (strings) and ``score`` (floats), one row per input
row. A row whose name is ``FAIL_NAME`` makes it raise ``ValueError(FAIL_MESSAGE)``.
"""

from __future__ import annotations

import mlflow.models
import mlflow.pyfunc
import numpy as np
import pandas as pd

FAIL_NAME = "boom"
FAIL_MESSAGE = "bad row"


class LabelAndScore(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        names = model_input["name"].astype(str)
        if (names == FAIL_NAME).any():
            raise ValueError(FAIL_MESSAGE)
        x = model_input["x"].astype(np.float64).to_numpy()
        return pd.DataFrame(
            {
                "label": np.where(x >= 0.5, "high", "low").astype(object) + ":" + names.str.upper().to_numpy(),
                "score": x * 1.5 + names.str.len().to_numpy() / 7.0,
            }
        )


mlflow.models.set_model(LabelAndScore())
