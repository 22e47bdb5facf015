"""Exit 0 when the PostgreSQL server in the URL answers, 1 (with the reason) when not.

Creates the database named in the URL if the server answers and it is missing, so
`make test-postgres` needs nothing set up by hand.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit


def main(url: str) -> int:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    database = parts.path.lstrip("/") or "postgres"
    admin_url = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin_url, connect_timeout=3, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    except Exception as error:  # noqa: BLE001 (any failure to connect is reported as one line)
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"PostgreSQL not available at {parts.hostname}:{parts.port}: {first_line}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
