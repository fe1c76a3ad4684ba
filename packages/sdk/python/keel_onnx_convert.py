"""keel's ONNX converter: loads an MLflow model with its native flavor and converts it to ONNX with the
converter made for it (skl2onnx for scikit-learn, onnxmltools for XGBoost and LightGBM), then saves
it with mlflow.onnx.save_model.

Started by @keel/sdk (models/convert/python-convert.ts) as

    python keel_onnx_convert.py --flavor sklearn|xgboost|lightgbm [--rows ROWS.json] MODEL_DIR OUT_DIR RESULT.json

It writes one JSON object to RESULT.json: {"ok": true, ...what was converted and how} or
{"ok": false, "code": <keel error code>, "error": <message>}. Whatever the libraries print goes to
stdout/stderr, never into the result.

The ONNX inputs are inferred from, in order: the model's signature, its input example, the rows
given (ROWS.json: {"rows": rows as objects, rows as arrays, or {column: values}}), else the
estimator's number of features. Numeric columns become one float tensor [N, k] in the signature's
column order (keel's ONNX flavor feeds a one-input model that way); a model with string columns,
or a scikit-learn ColumnTransformer that selects columns by name, gets one [N, 1] input per column,
named after it. Classifiers are converted without ZipMap, so that their probabilities are a tensor.
"""

import argparse
import json
import os
import sys
import traceback
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING", "1")

CONVERTERS = {"sklearn": "skl2onnx", "xgboost": "onnxmltools", "lightgbm": "onnxmltools"}
NUMERIC = {"double", "float", "long", "integer", "boolean"}
# The opsets keel's ONNX runtime (onnxruntime-node) runs; lowered to what the converter supports.
SKLEARN_OPSET = 17
ONNXMLTOOLS_OPSET = 15
ML_OPSET = 3


class ConversionError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def write_result(path, result):
    with open(path, "w") as f:
        json.dump(result, f, default=str)


def package_version(name):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def import_converter(flavor):
    """The converter and ONNX, imported first: a missing one is reported before the model is loaded.
    (mlflow.onnx.save_model imports onnxruntime to check the session options.)"""
    import onnx  # noqa: F401
    import onnxruntime  # noqa: F401

    if flavor == "sklearn":
        import skl2onnx  # noqa: F401
    else:
        import onnxmltools  # noqa: F401


def load_native(flavor, model_dir):
    if flavor == "sklearn":
        import mlflow.sklearn

        return mlflow.sklearn.load_model(model_dir)
    if flavor == "xgboost":
        import mlflow.xgboost

        return mlflow.xgboost.load_model(model_dir)
    import mlflow.lightgbm

    return mlflow.lightgbm.load_model(model_dir)


def describe(model):
    """The estimator's class, and a pipeline's steps."""
    steps = getattr(model, "steps", None)
    if isinstance(steps, list):
        return "Pipeline(%s)" % ", ".join(describe(step) for _, step in steps)
    return type(model).__name__


def is_classifier(flavor, model):
    if flavor == "sklearn":
        from sklearn.base import is_classifier as sk_is_classifier

        return bool(sk_is_classifier(model))
    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        return True
    if flavor == "lightgbm" and hasattr(model, "params"):  # a Booster
        objective = str(model.params.get("objective", ""))
        return objective.startswith(("binary", "multiclass", "multiclassova"))
    if flavor == "xgboost" and hasattr(model, "save_config"):  # a Booster
        objective = json.loads(model.save_config())["learner"]["objective"]["name"]
        return objective.startswith(("binary:", "multi:"))
    return False


def n_features(model):
    for name in ("n_features_in_",):
        n = getattr(model, name, None)
        if isinstance(n, int):
            return n
    if hasattr(model, "num_features"):  # xgboost.Booster
        return int(model.num_features())
    if hasattr(model, "num_feature"):  # lightgbm.Booster
        return int(model.num_feature())
    return None


def read_rows(path):
    """The user's rows: a DataFrame (objects, columns) or a numpy array (arrays)."""
    import numpy as np
    import pandas as pd

    with open(path) as f:
        rows = json.load(f)["rows"]
    if isinstance(rows, dict):
        return pd.DataFrame(rows)
    if rows and all(isinstance(r, list) for r in rows):
        return np.array(rows)
    return pd.DataFrame(rows)


def schema_of(data):
    from mlflow.models import infer_signature

    return infer_signature(data).inputs


def input_columns(schema):
    """[(name, type)] for a column schema, or an int (the width) for a tensor schema."""
    if schema.is_tensor_spec():
        spec = schema.inputs[0]
        shape = list(spec.shape)
        width = 1
        for d in shape[1:]:
            width *= d if d > 0 else 1
        return width if len(schema.inputs) == 1 else None
    return [(c.name if c.name is not None else str(i), c.type.name) for i, c in enumerate(schema.inputs)]


def selects_by_name(model):
    """Whether a scikit-learn ColumnTransformer in the model picks columns by name."""
    from sklearn.compose import ColumnTransformer

    found = []

    def walk(estimator):
        if isinstance(estimator, ColumnTransformer):
            for _, _, columns in estimator.transformers:
                cols = columns if isinstance(columns, (list, tuple)) else [columns]
                if any(isinstance(c, str) for c in cols):
                    found.append(estimator)
        if hasattr(estimator, "get_params"):
            for value in estimator.get_params(deep=False).values():
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, tuple) and len(item) >= 2:
                            walk(item[1])
                elif hasattr(value, "get_params"):
                    walk(value)

    walk(model)
    return bool(found)


def initial_types(flavor, model, columns):
    """The converter's initial_types (onnxmltools' own types: importing skl2onnx takes seconds)."""
    if flavor == "sklearn":
        from skl2onnx.common.data_types import BooleanTensorType, FloatTensorType, Int64TensorType, StringTensorType
    else:
        from onnxmltools.convert.common.data_types import FloatTensorType

    if isinstance(columns, int):
        return [("input", FloatTensorType([None, columns]))]
    names = [c for c, _ in columns]
    per_column = any(t not in NUMERIC for _, t in columns) or (flavor == "sklearn" and selects_by_name(model))
    if not per_column:
        return [("input", FloatTensorType([None, len(columns)]))]
    if flavor != "sklearn":
        text = [c for c, t in columns if t not in NUMERIC]
        raise ConversionError(
            "NOT_IMPLEMENTED",
            "onnxmltools converts %s models with numeric inputs only; the column%s %s %s not numeric"
            % (flavor, "" if len(text) == 1 else "s", ", ".join(repr(c) for c in text),
               "is" if len(text) == 1 else "are"),
        )
    if len(set(names)) != len(names):
        raise ConversionError("INVALID_PARAMETER_VALUE", "the model's inputs name a column twice: %s" % names)
    by_type = {"double": FloatTensorType, "float": FloatTensorType, "long": Int64TensorType,
               "integer": Int64TensorType, "boolean": BooleanTensorType}
    return [(name, by_type.get(kind, StringTensorType)([None, 1])) for name, kind in columns]


def register_boosters_in_pipelines(model):
    """Lets skl2onnx convert XGBoost/LightGBM estimators inside a scikit-learn pipeline (onnxmltools' converters)."""
    modules = {type(step).__module__.split(".")[0] for _, step in getattr(model, "steps", [])}
    if not modules & {"xgboost", "lightgbm"}:
        return
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )

    options = {"nocl": [True, False], "zipmap": [True, False, "columns"]}
    if "xgboost" in modules:
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
        from xgboost import XGBClassifier, XGBRegressor

        for _, step in model.steps:
            if isinstance(step, (XGBClassifier, XGBRegressor)):
                anonymous_features(step)

        update_registered_converter(XGBClassifier, "XGBoostXGBClassifier",
                                    calculate_linear_classifier_output_shapes, convert_xgboost, options=options)
        update_registered_converter(XGBRegressor, "XGBoostXGBRegressor",
                                    calculate_linear_regressor_output_shapes, convert_xgboost)
    if "lightgbm" in modules:
        from lightgbm import LGBMClassifier, LGBMRegressor
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm
        from skl2onnx.common.shape_calculator import calculate_linear_regressor_output_shapes as reg_shapes

        update_registered_converter(LGBMClassifier, "LightGbmLGBMClassifier",
                                    calculate_linear_classifier_output_shapes, convert_lightgbm, options=options)
        update_registered_converter(LGBMRegressor, "LightGbmLGBMRegressor", reg_shapes, convert_lightgbm)


def anonymous_features(xgb_model):
    """onnxmltools reads an XGBoost model's features as f0, f1, ...: the names it was trained with go (the
    ONNX graph takes the columns in order)."""
    booster = xgb_model.get_booster() if hasattr(xgb_model, "get_booster") else xgb_model
    booster.feature_names = None
    booster.feature_types = None


def convert(flavor, model, types, classifier):
    if flavor == "sklearn":
        from skl2onnx import convert_sklearn, get_latest_tested_opset_version

        register_boosters_in_pipelines(model)
        opset = {"": min(SKLEARN_OPSET, get_latest_tested_opset_version()), "ai.onnx.ml": ML_OPSET}
        return convert_sklearn(model, initial_types=types, target_opset=opset,
                               options={"zipmap": False} if classifier else None)
    if flavor == "xgboost":
        from onnxmltools import convert_xgboost

        anonymous_features(model)
        return convert_xgboost(model, initial_types=types, target_opset=ONNXMLTOOLS_OPSET)
    from onnxmltools import convert_lightgbm

    return convert_lightgbm(model, initial_types=types, target_opset=ONNXMLTOOLS_OPSET, zipmap=False)


def dynamic_batch(onnx_model):
    """Outputs whose batch dimension a converter fixed to 1 (onnxmltools' LightGBM label) get a free one."""
    for output in onnx_model.graph.output:
        dims = output.type.tensor_type.shape.dim
        if len(dims) > 0 and dims[0].HasField("dim_value") and dims[0].dim_value == 1:
            dims[0].Clear()
            dims[0].dim_param = "N"


def describe_values(values):
    out = []
    for v in values:
        t = v.type
        if t.HasField("tensor_type"):
            from onnx import TensorProto

            elem = TensorProto.DataType.Name(t.tensor_type.elem_type).lower()
            shape = [d.dim_value if d.HasField("dim_value") else None for d in t.tensor_type.shape.dim]
            out.append({"name": v.name, "tensor": True, "type": elem, "shape": shape})
        else:
            out.append({"name": v.name, "tensor": False, "type": t.WhichOneof("value"), "shape": None})
    return out


def requirements():
    import mlflow
    import onnx

    ort = package_version("onnxruntime")
    return ["mlflow==%s" % mlflow.__version__, "onnx==%s" % onnx.__version__,
            "onnxruntime==%s" % ort if ort else "onnxruntime"]


def run(args):
    import_converter(args.flavor)
    import mlflow
    import mlflow.onnx
    from mlflow.models import Model, infer_signature

    meta = Model.load(args.model_dir)
    if args.flavor not in meta.flavors:
        raise ConversionError("INVALID_PARAMETER_VALUE", "the model has no '%s' flavor (it has %s)"
                              % (args.flavor, ", ".join(sorted(meta.flavors))))
    try:
        model = load_native(args.flavor, args.model_dir)
    except ImportError:
        raise
    except Exception as e:
        raise ConversionError("INVALID_STATE",
                              "mlflow.%s.load_model failed: %s: %s" % (args.flavor, type(e).__name__, e))
    converter = CONVERTERS[args.flavor]
    example = meta.load_input_example(args.model_dir) if meta.saved_input_example_info else None
    rows = read_rows(args.rows) if args.rows else None

    signature = meta.signature
    if signature is not None and signature.inputs is not None:
        columns, source = input_columns(signature.inputs), "signature"
    elif example is not None:
        columns, source = input_columns(schema_of(example)), "input example"
    elif rows is not None:
        columns, source = input_columns(schema_of(rows)), "rows"
    else:
        columns, source = None, "n_features_in_"
    if columns is None:
        n = n_features(model)
        if n is None:
            raise ConversionError("INVALID_PARAMETER_VALUE",
                                  "the model's input types are unknown: it has no signature, no input example "
                                  "and no number of features; give rows to infer them from")
        columns, source = n, "n_features_in_"
    classifier = is_classifier(args.flavor, model)
    types = initial_types(args.flavor, model, columns)
    try:
        onnx_model = convert(args.flavor, model, types, classifier)
    except (ConversionError, ImportError):
        raise
    except Exception as e:
        raise ConversionError("NOT_IMPLEMENTED", "%s cannot convert this %s model (%s): %s: %s"
                              % (converter, args.flavor, describe(model), type(e).__name__, str(e).strip()))
    dynamic_batch(onnx_model)
    outputs = describe_values(onnx_model.graph.output)
    maps = [o["name"] for o in outputs if not o["tensor"]]
    if maps:
        raise ConversionError("NOT_IMPLEMENTED", "the converted model answers %s as a sequence of maps, which keel's "
                              "ONNX runtime cannot return" % ", ".join(maps))

    data = example if example is not None else (rows[:5] if rows is not None else None)
    if signature is None and data is not None:
        signature = infer_signature(data, model.predict(data))
    mlflow.onnx.save_model(
        onnx_model,
        args.out_dir,
        signature=signature,
        input_example=data,
        pip_requirements=requirements(),
        metadata={"keel.converted_from_flavor": args.flavor,
                  "keel.converter": "%s %s" % (converter, package_version(converter))},
        save_as_external_data=False,
    )
    opsets = {d.domain or "ai.onnx": d.version for d in onnx_model.opset_import}
    return {
        "ok": True,
        "flavor": args.flavor,
        "estimator": describe(model),
        "task": "classification" if classifier else "regression",
        "converter": {"name": converter, "version": package_version(converter)},
        "inputsFrom": source,
        "inputs": describe_values(onnx_model.graph.input),
        "outputs": outputs,
        "opsets": opsets,
        "signature": "source" if meta.signature is not None else ("inferred" if signature is not None else None),
        "inputExample": "source" if example is not None else ("rows" if data is not None else None),
        "mlflowVersion": mlflow.__version__,
    }


def main():
    parser = argparse.ArgumentParser(description="Convert an MLflow model to ONNX")
    parser.add_argument("--flavor", required=True, choices=sorted(CONVERTERS))
    parser.add_argument("--rows")
    parser.add_argument("model_dir")
    parser.add_argument("out_dir")
    parser.add_argument("result")
    args = parser.parse_args()
    try:
        result = run(args)
    except ConversionError as e:
        result = {"ok": False, "code": e.code, "error": str(e)}
    except ImportError as e:
        missing = (e.name or "").split(".")[0] or None
        result = {"ok": False, "code": "INVALID_STATE", "error": "%s: %s" % (type(e).__name__, e), "missing": missing}
    except Exception as e:
        traceback.print_exc()
        result = {"ok": False, "code": "INTERNAL_ERROR", "error": "%s: %s" % (type(e).__name__, e)}
    write_result(args.result, result)
    sys.exit(0 if result["ok"] else 2)


if __name__ == "__main__":
    main()
