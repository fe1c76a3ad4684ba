"""Custom mlflow.pyfunc models for the python_function flavor's fault tests.

usage: python make_pyfunc_models.py <out_dir>

<out_dir>/echo    a PythonModel answering a DataFrame (x doubled, and a string label); it raises
                  ValueError("bad row: x=-1") when x is -1, sleeps 600 s when x is 999, and
                  exits the process when x is 13 (a crash)
<out_dir>/leaky   a PythonModel that keeps 40 MB more of memory on every call
<out_dir>/broken  a model whose loading fails (its python_model raises in load_context)
"""

import os
import sys
import time

import mlflow.pyfunc
import pandas as pd

out = sys.argv[1]


class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        x = model_input["x"]
        if (x == -1).any():
            raise ValueError("bad row: x=-1")
        if (x == 999).any():
            time.sleep(600)
        if (x == 13).any():
            os._exit(3)
        return pd.DataFrame({"double": x * 2.0, "label": ["big" if v > 10 else "small" for v in x]})


class Leaky(mlflow.pyfunc.PythonModel):
    kept = []

    def predict(self, context, model_input, params=None):
        Leaky.kept.append(bytearray(40 * 1024 * 1024))
        return model_input["x"].to_numpy() + 1


class Broken(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        raise RuntimeError("this model cannot load: missing weights")

    def predict(self, context, model_input, params=None):
        return model_input


mlflow.pyfunc.save_model(f"{out}/echo", python_model=Echo())
mlflow.pyfunc.save_model(f"{out}/leaky", python_model=Leaky())
mlflow.pyfunc.save_model(f"{out}/broken", python_model=Broken())
