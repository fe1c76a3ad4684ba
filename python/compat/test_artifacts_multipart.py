"""Multipart artifact transfers through the proxy with the stock client's own switches:
MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD (mpu/create, parts PUT to the URLs the server hands out,
mpu/complete) and MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD (presigned/<path>, ranged GETs), with
small chunk sizes so that a file of a few MB takes several parts.

* On the suite's server (a local artifact folder) keel takes the parts itself; presigned downloads
  answer 501, as MLflow's do on a local folder, and the client downloads through the proxy.
* On S3: a second keel server with ``--artifacts-destination s3://bucket/prefix`` over moto's
  server mode (python/requirements.txt), started here; the parts go to presigned S3 URLs, and the
  download comes from a presigned S3 URL in ranges.

Each test proves the multipart path ran (the client's own methods are counted: the client falls
back to a plain PUT on some refusals, which would pass unnoticed) and reads the bytes back."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from mlflow import MlflowClient
from mlflow.store.artifact.http_artifact_repo import HttpArtifactRepository
from stores import backend_store_uri

MiB = 1024 * 1024


def _write(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for i in range(0, size, MiB):
            chunk = bytes([i // MiB % 251]) * min(MiB, size - i)
            f.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def counted(monkeypatch):
    """Counts the client's multipart calls (create, complete, abort, ranged download)."""
    calls = {"create": 0, "complete": 0, "abort": 0, "multipart_download": 0}

    def count(name, method):
        def wrapper(self, *args, **kwargs):
            calls[name] += 1
            return method(self, *args, **kwargs)

        return wrapper

    for name, attr in [
        ("create", "create_multipart_upload"),
        ("complete", "complete_multipart_upload"),
        ("abort", "abort_multipart_upload"),
        ("multipart_download", "_multipart_download"),
    ]:
        monkeypatch.setattr(HttpArtifactRepository, attr, count(name, getattr(HttpArtifactRepository, attr)))
    return calls


def _multipart_env(monkeypatch, chunk: int) -> None:
    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "true")
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", str(chunk))
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", str(chunk))
    monkeypatch.setenv("MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD", "true")
    monkeypatch.setenv("MLFLOW_MULTIPART_DOWNLOAD_CHUNK_SIZE", str(chunk))
    monkeypatch.setenv("MLFLOW_MULTIPART_DOWNLOAD_MINIMUM_FILE_SIZE", str(chunk))


def _round_trip(client: MlflowClient, tmp_path: Path, size: int) -> tuple[str, str]:
    """Logs a large and a small file to a fresh run through `client` (no fluent state, so the S3
    server's run leaves the suite's active experiment alone) and downloads the large one."""
    src = tmp_path / "weights.bin"
    sent = _write(src, size)
    small = tmp_path / "notes.txt"
    small.write_text("below the multipart minimum: a plain PUT\n")
    experiment = client.create_experiment(f"compat-multipart-{time.time_ns()}")
    rid = client.create_run(experiment).info.run_id
    client.log_artifact(rid, str(src), artifact_path="model")
    client.log_artifact(rid, str(small))
    client.set_terminated(rid)
    listed = {f.path: f.file_size for f in client.list_artifacts(rid, "model")}
    assert listed == {"model/weights.bin": size}
    out = Path(client.download_artifacts(rid, "model/weights.bin", str(tmp_path / "dl")))
    notes = Path(client.download_artifacts(rid, "notes.txt", str(tmp_path / "dl")))
    assert notes.read_text() == small.read_text()
    return sent, _sha256(out)


@pytest.mark.keel_only
def test_multipart_upload_local_folder(client, tmp_path, monkeypatch, counted):
    # Any part size works on a folder: 1 MiB parts, 3.5 MiB file -> 4 parts.
    _multipart_env(monkeypatch, MiB)
    sent, received = _round_trip(client, tmp_path, 3 * MiB + MiB // 2)
    assert received == sent
    assert (counted["create"], counted["complete"], counted["abort"]) == (1, 1, 0)
    # Presigned downloads answer 501 on a folder (as MLflow's): the client read through the proxy.
    assert counted["multipart_download"] == 0


# ---------------------------------------------------------------------------------------------
# S3: moto + a keel server with --artifacts-destination s3://
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def s3_keel(tmp_path_factory):
    from conftest import REPO_ROOT, _free_port, _health_ok, _stop, _tail

    boto3 = pytest.importorskip("boto3")
    moto_server = pytest.importorskip("moto.server")
    moto = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{moto._port}"
    s3_env = {
        "MLFLOW_S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    }
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket="keel-compat")

    keel_js = REPO_ROOT / "packages" / "server" / "bin" / "keel.js"
    node = os.environ.get("KEEL_NODE") or shutil.which("node")
    work: Path = tmp_path_factory.mktemp("keel-s3-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        node,
        str(keel_js),
        "server",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--backend-store-uri", backend_store_uri(work),
        "--artifacts-destination", "s3://keel-compat/artifacts",
    ]
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"} | s3_env
    stdout_path, stderr_path = work / "server.stdout.log", work / "server.stderr.log"
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        proc = subprocess.Popen(
            cmd, cwd=str(work), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while not _health_ok(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"keel server on S3 did not become healthy (exit code {proc.returncode}).\n"
                    f"--- stderr ---\n{_tail(stderr_path)}\n--- stdout ---\n{_tail(stdout_path)}"
                )
            time.sleep(0.1)
        yield {"url": url, "s3": s3, "env": s3_env}
    finally:
        _stop(proc)
        moto.stop()


@pytest.mark.keel_only
def test_multipart_upload_and_presigned_download_s3(s3_keel, tmp_path, monkeypatch, counted):
    # The client reaches S3 itself (presigned part and download URLs), with the server's endpoint.
    for key, value in s3_keel["env"].items():
        monkeypatch.setenv(key, value)
    # S3's smallest part is 5 MiB (all but the last): 12 MiB -> 3 parts.
    _multipart_env(monkeypatch, 5 * MiB)
    sent, received = _round_trip(MlflowClient(tracking_uri=s3_keel["url"]), tmp_path, 12 * MiB)
    assert received == sent
    assert (counted["create"], counted["complete"], counted["abort"]) == (1, 1, 0)
    # Both downloads (the client asks for a presigned URL whatever the file's size here).
    assert counted["multipart_download"] == 2
    # The object is in the bucket, below the prefix; no multipart upload is left open.
    keys = [o["Key"] for o in s3_keel["s3"].list_objects_v2(Bucket="keel-compat")["Contents"]]
    assert any(k.startswith("artifacts/") and k.endswith("/model/weights.bin") for k in keys), keys
    assert s3_keel["s3"].list_multipart_uploads(Bucket="keel-compat").get("Uploads", []) == []
