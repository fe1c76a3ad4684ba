"""keel's Python model worker: loads one MLflow model with MLflow's own pyfunc loader and predicts
the batches keel's Node process sends it.

Started by @keel/sdk (models/python/worker-pool.ts) as

    python keel_pyfunc_worker.py MODEL_DIR

It reads requests from file descriptor 3 and writes answers to file descriptor 4, so that whatever
the model prints goes to stdout/stderr (both sent to keel's log) and never into the protocol.

Every message, both ways, is one frame (little-endian):

    u32 size of what follows | u32 header size | header (UTF-8 JSON) | body (size - 4 - header size bytes)

The first answer is the load report: {"op": "loaded", ...} or {"op": "failed", "error": ...}.
Requests are {"op": "predict", "id", "input": {"kind": "dataframe"|"ndarray"}, "params", "method"}
(method: predict, the default; predict_proba; or predict_and_proba, both answers in one call, the
probabilities' table after the predictions' at "proba": {"output", "offset"})
with a table body, and {"op": "ping", "id"}. Answers carry the same id, "ok", and the worker's
resident memory ("rss", bytes); a prediction's answer is a table body described by "output"
({"kind": "ndarray", "shape"}, {"kind": "dataframe"}, {"kind": "series", "name"}) or JSON text
({"kind": "json"}) for outputs that are not columns.

Table body: u32 rows | u16 columns | per column: u16 name size, name (UTF-8), u8 type, u8 flags
(bit 0: a byte per row follows, 1 = missing), then the values:
  1 float64 (8 bytes a row)    2 int64 carried as float64 (|v| <= 2**53)    3 bool (1 byte a row)
  4 string: u32 offsets (rows + 1), then UTF-8 bytes    5 JSON: u32 size, then a JSON array
"""

import json
import os
import struct
import sys
import traceback

F64, I64, BOOL, STR, JSON = 1, 2, 3, 4, 5
MASKED = 1
MAX_SAFE = 2**53


def read_exact(fd, n):
    chunks = []
    while n > 0:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd):
    head = read_exact(fd, 4)
    if head is None:
        return None, None
    (size,) = struct.unpack("<I", head)
    payload = read_exact(fd, size)
    if payload is None:
        return None, None
    (hsize,) = struct.unpack_from("<I", payload, 0)
    header = json.loads(payload[4 : 4 + hsize].decode("utf-8"))
    return header, memoryview(payload)[4 + hsize :]


def write_frame(fd, header, body=b""):
    h = json.dumps(header, separators=(",", ":"), default=str).encode("utf-8")
    data = struct.pack("<II", 4 + len(h) + len(body), len(h)) + h + bytes(body)
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def rss_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# --- tables -------------------------------------------------------------------------------------


def decode_table(body):
    import numpy as np

    rows, ncols = struct.unpack_from("<IH", body, 0)
    at = 6
    names, columns = [], []
    for _ in range(ncols):
        (nsize,) = struct.unpack_from("<H", body, at)
        at += 2
        names.append(bytes(body[at : at + nsize]).decode("utf-8"))
        at += nsize
        kind, flags = struct.unpack_from("<BB", body, at)
        at += 2
        mask = None
        if flags & MASKED:
            mask = np.frombuffer(body, dtype=np.uint8, count=rows, offset=at).astype(bool)
            at += rows
        if kind in (F64, I64):
            values = np.frombuffer(body, dtype="<f8", count=rows, offset=at).copy()
            at += 8 * rows
            if kind == I64 and mask is None:
                values = values.astype(np.int64)
            elif mask is not None:
                values[mask] = np.nan
        elif kind == BOOL:
            values = np.frombuffer(body, dtype=np.uint8, count=rows, offset=at).astype(bool)
            at += rows
            if mask is not None:
                values = values.astype(object)
                values[mask] = None
        elif kind == STR:
            offsets = np.frombuffer(body, dtype="<u4", count=rows + 1, offset=at)
            at += 4 * (rows + 1)
            blob = bytes(body[at : at + int(offsets[-1])])
            at += int(offsets[-1])
            values = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(rows)]
            if mask is not None:
                values = [None if mask[i] else v for i, v in enumerate(values)]
            values = np.array(values, dtype=object)
        elif kind == JSON:
            (size,) = struct.unpack_from("<I", body, at)
            at += 4
            values = json.loads(bytes(body[at : at + size]).decode("utf-8"))
            at += size
        else:
            raise ValueError(f"unknown column type {kind}")
        columns.append(values)
    return rows, names, columns


def encode_column(name, values):
    """One column of an answer. Returns the bytes; falls back to JSON for anything not columnar."""
    import numpy as np

    n = len(values)
    head = name.encode("utf-8")
    head = struct.pack("<H", len(head)) + head
    arr = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    kind = arr.dtype.kind
    if kind == "f":
        return head + struct.pack("<BB", F64, 0) + arr.astype("<f8").tobytes()
    if kind in "iu" and (n == 0 or (int(arr.max()) <= MAX_SAFE and int(arr.min()) >= -MAX_SAFE)):
        return head + struct.pack("<BB", I64, 0) + arr.astype("<f8").tobytes()
    if kind == "b":
        return head + struct.pack("<BB", BOOL, 0) + arr.astype(np.uint8).tobytes()
    if kind in "OUT" and all(isinstance(v, str) for v in arr.tolist()):
        encoded = [v.encode("utf-8") for v in arr.tolist()]
        offsets = np.zeros(n + 1, dtype="<u4")
        if n:
            offsets[1:] = np.cumsum([len(b) for b in encoded])
        return head + struct.pack("<BB", STR, 0) + offsets.tobytes() + b"".join(encoded)
    from mlflow.utils.proto_json_utils import NumpyEncoder

    text = json.dumps(arr.tolist(), cls=NumpyEncoder).encode("utf-8")
    return head + struct.pack("<BB", JSON, 0) + struct.pack("<I", len(text)) + text


def encode_table(rows, named_columns):
    parts = [struct.pack("<IH", rows, len(named_columns))]
    for name, values in named_columns:
        parts.append(encode_column(str(name), values))
    return b"".join(parts)


def encode_output(predictions):
    """(description, body) of a model's output: columns when it is columnar, else JSON."""
    import numpy as np
    import pandas as pd

    if isinstance(predictions, pd.DataFrame):
        cols = [(c, predictions[c].to_numpy()) for c in predictions.columns]
        return {"kind": "dataframe"}, encode_table(len(predictions), cols)
    if isinstance(predictions, pd.Series):
        name = 0 if predictions.name is None else predictions.name
        return {"kind": "series", "name": str(name)}, encode_table(len(predictions), [(name, predictions.to_numpy())])
    if isinstance(predictions, np.ndarray) and predictions.ndim in (1, 2) and predictions.dtype.kind in "fiubOUS":
        if predictions.ndim == 1:
            return {"kind": "ndarray", "shape": [len(predictions)]}, encode_table(len(predictions), [("0", predictions)])
        n, k = predictions.shape
        cols = [(str(j), predictions[:, j]) for j in range(k)]
        return {"kind": "ndarray", "shape": [n, k]}, encode_table(n, cols)
    from mlflow.utils.proto_json_utils import NumpyEncoder, _get_jsonable_obj

    text = json.dumps(_get_jsonable_obj(predictions, pandas_orient="records"), cls=NumpyEncoder)
    return {"kind": "json"}, text.encode("utf-8")


# --- the model ----------------------------------------------------------------------------------


def model_input(spec, body, schema):
    import numpy as np
    import pandas as pd

    rows, names, columns = decode_table(body)
    if spec.get("kind") == "ndarray":
        if any(isinstance(c, list) for c in columns):
            return np.array([list(r) for r in zip(*columns)]) if columns else np.empty((rows, 0))
        if len(columns) == 1 and spec.get("vector"):
            return columns[0]
        return np.column_stack(columns) if columns else np.empty((rows, 0))
    frame = pd.DataFrame({name: col for name, col in zip(names, columns)}, columns=names)
    if schema is not None and not schema.is_tensor_spec():
        # As MLflow's scoring server parses a request against a column signature.
        from mlflow.utils.proto_json_utils import cast_df_types_according_to_schema

        frame = cast_df_types_according_to_schema(frame, schema)
    return frame


def error_of(exc, default_code):
    from mlflow.exceptions import MlflowException

    if isinstance(exc, MlflowException):
        return {"code": exc.error_code, "message": exc.message, "mlflow": True}
    return {
        "code": default_code,
        "message": f"{type(exc).__name__}: {exc}",
        "stack_trace": traceback.format_exc(limit=20),
    }


def labels_are_argmax_of_proba(model, raw):
    """Whether the model's pyfunc predict is scikit-learn's forest predict, which is literally
    classes_.take(argmax(predict_proba(X))): then labels and probabilities come from one pass."""
    try:
        from sklearn.ensemble._forest import ForestClassifier
    except ImportError:
        return False
    conf = model.metadata.flavors.get("python_function", {})
    return (
        conf.get("loader_module") == "mlflow.sklearn"
        and conf.get("predict_fn", "predict") == "predict"
        and isinstance(raw, ForestClassifier)
        and type(raw).predict is ForestClassifier.predict
        and getattr(raw, "n_outputs_", 1) == 1
    )


class Worker:
    def __init__(self, model_dir):
        import mlflow.pyfunc

        self.model = mlflow.pyfunc.load_model(model_dir)
        self.schema = self.model.metadata.get_input_schema()
        raw = None
        try:
            raw = self.model.get_raw_model()
        except Exception:
            raw = None
        self.proba = getattr(raw, "predict_proba", None) if raw is not None else None
        classes = getattr(raw, "classes_", None) if raw is not None else None
        self.classes = classes.tolist() if classes is not None and hasattr(classes, "tolist") else None
        self.raw = raw
        self.labels_from_proba = labels_are_argmax_of_proba(self.model, raw)

    def report(self):
        import mlflow

        flavors = list(self.model.metadata.flavors.keys())
        return {
            "op": "loaded",
            "pid": os.getpid(),
            "python": sys.version.split()[0],
            "mlflow": mlflow.__version__,
            "flavors": flavors,
            "loader": self.model.metadata.flavors.get("python_function", {}).get("loader_module"),
            "proba": self.proba is not None,
            "classes": self.classes,
            "rss": rss_bytes(),
        }

    def probabilities(self, data):
        if self.proba is None:
            raise ValueError("The model has no predict_proba")
        if self.schema is not None:
            from mlflow.models.utils import _enforce_schema

            data = _enforce_schema(data, self.schema)
        return self.proba(data)

    def predict(self, header, body):
        """The model's answer, and its class probabilities when the method asks for both."""
        data = model_input(header.get("input", {}), body, self.schema)
        params = header.get("params")
        method = header.get("method")
        if method == "predict_proba":
            return self.probabilities(data), None
        if method == "predict_and_proba" and not params and self.labels_from_proba:
            # One pass of the forest for both, exactly as its own predict computes its labels.
            import numpy as np

            proba = self.probabilities(data)
            return self.raw.classes_.take(np.argmax(proba, axis=1), axis=0), proba
        predictions = self.model.predict(data, params=params) if params else self.model.predict(data)
        return predictions, (self.probabilities(data) if method == "predict_and_proba" else None)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: keel_pyfunc_worker.py MODEL_DIR\n")
        return 2
    # Whatever the model prints goes to stderr, never into the protocol (fds 3 and 4).
    os.dup2(2, 1)
    requests, answers = 3, 4
    try:
        worker = Worker(sys.argv[1])
    except BaseException as exc:  # noqa: BLE001 - the load error is the answer
        write_frame(answers, {"op": "failed", "error": error_of(exc, "INVALID_STATE")})
        return 1
    write_frame(answers, worker.report())
    while True:
        header, body = read_frame(requests)
        if header is None:
            return 0
        rid = header.get("id")
        op = header.get("op")
        if op == "ping":
            write_frame(answers, {"id": rid, "ok": True, "rss": rss_bytes()})
            continue
        if op != "predict":
            write_frame(answers, {"id": rid, "ok": False, "error": {"code": "BAD_REQUEST", "message": f"unknown op {op}"}})
            continue
        try:
            predictions, probabilities = worker.predict(header, body)
            output, out = encode_output(predictions)
            answer = {"id": rid, "ok": True, "output": output}
            if probabilities is not None:
                # Both answers in one frame: the probabilities' table follows the predictions'.
                proba_output, proba_out = encode_output(probabilities)
                answer["proba"] = {"output": proba_output, "offset": len(out)}
                out = out + proba_out
        except Exception as exc:  # noqa: BLE001 - the model's failure is the answer
            write_frame(answers, {"id": rid, "ok": False, "error": error_of(exc, "BAD_REQUEST"), "rss": rss_bytes()})
            continue
        answer["rss"] = rss_bytes()
        write_frame(answers, answer, out)


if __name__ == "__main__":
    sys.exit(main())
