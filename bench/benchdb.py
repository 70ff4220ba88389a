"""Shared by the benchmarks: make sure the PostgreSQL bench database exists."""

from urllib.parse import urlparse


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def own_database_url(url: str, bench: str) -> str:
    """callpool_bench → callpool_<bench>_bench: a benchmark whose figures depend on what else is in its tables
    (query plans, row counts) gets a database of its own next to the shared one. A URL that is already the
    bench's own (bench/run.py hands each bench callpool_<bench>_bench) comes back unchanged."""
    base, name = url.rsplit("/", 1)
    if name.endswith(f"_{bench}_bench"):
        return url
    return f"{base}/{name.removesuffix('bench').rstrip('_')}_{bench}_bench"
