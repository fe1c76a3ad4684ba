"""Evidently's data drift report on the monitoring benchmark's files (bench/monitoring.bench.ts).

usage: drift_anchor.py REF CUR SPEC_JSON [ROWS]

REF and CUR are Parquet files (read with pd.read_parquet) or CSV files (.csv, read with
pd.read_csv and its defaults, as Evidently's docs load data).

SPEC_JSON: {"numerical": [...], "categorical": [...]}. ROWS (optional) keeps the first ROWS rows of
each file. Prints one JSON document: Parquet read time, Report([DataDriftPreset()]).run time (after
the data is loaded), peak RSS, and per column Evidently's test, drift score, threshold and verdict.
"""

import json
import resource
import sys
import time
import warnings

warnings.filterwarnings("ignore")

import pandas as pd  # noqa: E402
import pandas.core.dtypes.common as _pdc  # noqa: E402

# evidently 0.7.23's package init imports a helper pandas 3 removed; never called by the drift
# code (same stub as packages/monitoring/test/evidently-parity.test.ts)
if not hasattr(_pdc, "infer_dtype_from_object"):

    def infer_dtype_from_object(dtype):
        raise NotImplementedError("removed in pandas 3")

    _pdc.infer_dtype_from_object = infer_dtype_from_object

import evidently  # noqa: E402
from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402


def main() -> None:
    ref_path, cur_path, spec_json = sys.argv[1], sys.argv[2], sys.argv[3]
    rows = int(sys.argv[4]) if len(sys.argv) > 4 else None
    spec = json.loads(spec_json)

    t0 = time.perf_counter()
    read = pd.read_csv if ref_path.endswith(".csv") else pd.read_parquet
    ref = read(ref_path)
    cur = read(cur_path)
    if rows is not None:
        ref = ref.iloc[:rows].reset_index(drop=True)
        cur = cur.iloc[:rows].reset_index(drop=True)
    for c in spec["categorical"]:
        # object columns, as Evidently's docs load CSVs (pandas 3 would give its new str dtype)
        ref[c] = ref[c].astype(object)
        cur[c] = cur[c].astype(object)
    read_s = time.perf_counter() - t0

    definition = DataDefinition(numerical_columns=spec["numerical"], categorical_columns=spec["categorical"])
    t1 = time.perf_counter()
    cpu1 = time.process_time()
    ref_ds = Dataset.from_pandas(ref, data_definition=definition)
    cur_ds = Dataset.from_pandas(cur, data_definition=definition)
    report = Report([DataDriftPreset()])
    snapshot = report.run(cur_ds, ref_ds)
    run_s = time.perf_counter() - t1
    run_cpu_s = time.process_time() - cpu1

    t2 = time.perf_counter()
    result = snapshot.dict()
    dict_s = time.perf_counter() - t2

    columns = {}
    for m in result["metrics"]:
        cfg = m.get("config", {})
        if cfg.get("type", "").endswith("ValueDrift"):
            columns[cfg["column"]] = {
                "method": cfg.get("method"),
                "threshold": cfg.get("threshold"),
                "score": float(m["value"]),
            }
    share = None
    for m in result["metrics"]:
        if m.get("config", {}).get("type", "").endswith("DriftedColumnsCount"):
            share = m["value"]
    print(
        json.dumps(
            {
                "versions": {"evidently": evidently.__version__, "pandas": pd.__version__, "python": sys.version.split()[0]},
                "rows": len(ref),
                "read_s": read_s,
                "run_s": run_s,
                "run_cpu_s": run_cpu_s,
                "dict_s": dict_s,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "columns": columns,
                "drifted_columns": share,
            }
        )
    )


if __name__ == "__main__":
    main()
