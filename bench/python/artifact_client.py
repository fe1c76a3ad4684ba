"""The artifacts benchmark's client (bench/artifacts.bench.ts): the stock MLflow Python client, as a
user runs it (its defaults: it asks /server-info whether to upload in parts), logs one file to a
fresh run and downloads it again, `rounds` times. Prints one JSON object: per round the wall time of
each call and its window (epoch ms), so the benchmark can read the server's memory during each.

    python artifact_client.py <tracking uri> <file> <rounds>"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
# A 1 GB body through a slow anchor must not hit the client's 120 s default and be retried.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "1800")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")

from mlflow import MlflowClient  # noqa: E402


def main() -> None:
    tracking_uri, path, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = MlflowClient(tracking_uri=tracking_uri)
    size = os.path.getsize(path)
    name = os.path.basename(path)
    experiment = client.create_experiment(f"bench-artifacts-{time.time_ns()}")
    out = []
    for _ in range(rounds):
        run_id = client.create_run(experiment).info.run_id
        dst = tempfile.mkdtemp(prefix="keel-bench-dl-", dir=os.path.dirname(path))
        try:
            t0 = time.time()
            client.log_artifact(run_id, path)
            t1 = time.time()
            got = client.download_artifacts(run_id, name, dst)
            t2 = time.time()
            if os.path.getsize(got) != size:
                raise SystemExit(f"downloaded {os.path.getsize(got)} bytes, expected {size}")
        finally:
            shutil.rmtree(dst, ignore_errors=True)
        client.delete_run(run_id)
        out.append(
            {
                "upload_ms": (t1 - t0) * 1000,
                "download_ms": (t2 - t1) * 1000,
                "upload_window": [t0 * 1000, t1 * 1000],
                "download_window": [t1 * 1000, t2 * 1000],
            }
        )
    # What the client decided from the server's /server-info (MLflow's S3 store advertises multipart:
    # files from 500 MB then go to S3 in parts, and come back in ranges, without passing the server).
    import requests

    info = requests.get(f"{tracking_uri}/api/3.0/mlflow/server-info", timeout=30)
    advertised = info.json() if info.status_code == 200 else {}
    print(
        json.dumps(
            {
                "size": size,
                "rounds": out,
                "multipart_uploads_enabled": bool(advertised.get("multipart_uploads_enabled")),
                "multipart_downloads_enabled": bool(advertised.get("multipart_downloads_enabled")),
            }
        )
    )


if __name__ == "__main__":
    main()
