"""The backend store of each keel server the suite starts.

A SQLite file in the server's folder by default. With ``KEEL_COMPAT_POSTGRES_URI`` (the maintenance
database of a throwaway cluster, set by ``scripts/compat.mjs --postgres``), a fresh PostgreSQL
database on that cluster instead, so the same tests check the stock client against keel on
PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def backend_store_uri(work: Path) -> str:
    admin = os.environ.get("KEEL_COMPAT_POSTGRES_URI")
    if not admin:
        return f"sqlite:///{work / 'keel.db'}"  # absolute path -> sqlite:////abs/keel.db
    import psycopg2  # in the pinned venv (python/requirements.txt)

    name = f"keel_compat_{uuid.uuid4().hex[:12]}"
    connection = psycopg2.connect(admin)
    try:
        connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
    finally:
        connection.close()
    parts = urlsplit(admin)
    return urlunsplit(parts._replace(path=f"/{name}"))
