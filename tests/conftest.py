"""Shared fixtures: every test gets its own catalog, data dir and a dead arXiv endpoint."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def taxonomy_cache(tmp_path_factory) -> Path:
    """The shipped taxonomy's cache files (its JSON and area map), made once: every test's
    data dir starts with a copy, so a test reads the taxonomy from JSON rather than parsing
    its YAML again (~35 ms a test). Tests of the cache itself point EFMCAT_DATA_DIR elsewhere."""
    import os

    data = tmp_path_factory.mktemp("taxonomy-cache")
    old = os.environ.get("EFMCAT_DATA_DIR")
    os.environ["EFMCAT_DATA_DIR"] = str(data)
    try:
        from efmcat.taxonomy import load_taxonomy

        load_taxonomy()
    finally:
        if old is None:
            del os.environ["EFMCAT_DATA_DIR"]
        else:
            os.environ["EFMCAT_DATA_DIR"] = old
    return data / "cache"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, taxonomy_cache):
    """Own catalog path, data dir and taxonomy cache (a copy of the shipped taxonomy's);
    arXiv pointed at a closed loopback port."""
    data = tmp_path / "data"
    shutil.copytree(taxonomy_cache, data / "cache")
    monkeypatch.setenv("EFMCAT_DATA_DIR", str(data))
    monkeypatch.setenv("EFMCAT_DB", str(tmp_path / "catalog.db"))
    monkeypatch.setenv("EFMCAT_ARXIV_URL", "http://127.0.0.1:9/api/query")
    monkeypatch.setenv("EFMCAT_ARXIV_DELAY", "0")
    monkeypatch.setenv("EFMCAT_ARXIV_BACKOFF", "0.01")
    for var in ("NO_COLOR", "EFMCAT_TAXONOMY", "EFMCAT_DEBUG", "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)
    yield tmp_path
    from efmcat.taxonomy import set_default_path

    set_default_path(None)  # a command's --taxonomy outlives it in the process: not into the next test


class Cli:
    """Run efmcat in-process through Typer's CliRunner."""

    def __init__(self) -> None:
        from efmcat.cli import app

        self.app = app
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None):
        return self.runner.invoke(self.app, list(args), input=input, env=env, prog_name="efmcat")


@pytest.fixture
def server():
    """A loopback arXiv API server (tests/arxiv_server.py), stopped after the test."""
    from arxiv_server import ArxivServer

    s = ArxivServer().start()
    yield s
    s.stop()


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def mini_seeds(tmp_path) -> Path:
    dest = tmp_path / "seeds"
    shutil.copytree(FIXTURES / "seeds", dest)
    return dest


@pytest.fixture(scope="session")
def mini_db_built(tmp_path_factory, taxonomy_cache) -> Path:
    """tests/fixtures/seeds built once, in the environment `isolated` gives a test (the
    shipped taxonomy from its cache): a build is byte-for-byte the same each time, and
    386 tests start from it (~0.1 s a build)."""
    from efmcat.build import build_catalog

    folder = tmp_path_factory.mktemp("mini-db")
    shutil.copytree(taxonomy_cache, folder / "data" / "cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EFMCAT_DATA_DIR", str(folder / "data"))
        for var in ("EFMCAT_TAXONOMY", "EFMCAT_DEBUG"):
            mp.delenv(var, raising=False)
        build_catalog(FIXTURES / "seeds", folder / "mini.db")
    return folder / "mini.db"


@pytest.fixture
def mini_db(tmp_path, mini_seeds, mini_db_built, monkeypatch) -> Path:
    """A catalog built from tests/fixtures/seeds (a copy of the session's build), set as EFMCAT_DB."""
    path = tmp_path / "mini.db"
    shutil.copyfile(mini_db_built, path)
    monkeypatch.setenv("EFMCAT_DB", str(path))
    return path


@pytest.fixture(scope="session")
def shipped_seeds():
    """The shipped seeds files parsed once per session (``shipped_seeds("lists.yaml")``):
    seeds/lists.yaml is 70,000 lines, 8 s for each test that read it with the pure-Python
    loader; libyaml's safe loader where it is built (the same data)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    cache: dict[str, dict] = {}

    def load(name: str) -> dict:
        if name not in cache:
            cache[name] = yaml.load((REPO / "seeds" / name).read_text(encoding="utf-8"), Loader=loader)
        return cache[name]

    return load


@pytest.fixture(scope="session")
def derive():
    """tools/derive_catalog.py as a module (the tool that makes seeds/ and data/labels.jsonl)."""
    spec = importlib.util.spec_from_file_location("derive_catalog", REPO / "tools" / "derive_catalog.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["derive_catalog"] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["derive_catalog"]
    return module


def old_catalog(path: Path, version: int, rows: list[tuple[str, tuple]]) -> None:
    """A catalog file at schema ``version`` (migrations up to it, as an older efmcat made it)
    holding ``rows`` (SQL, parameters): what a newer efmcat migrates on open."""
    import sqlite3

    from efmcat.catalog import MIGRATIONS, _split_sql

    con = sqlite3.connect(path)
    for script in MIGRATIONS[:version]:
        for statement in _split_sql(script):
            con.execute(statement)
    for sql, params in rows:
        con.execute(sql, params)
    con.execute(f"PRAGMA user_version = {version}")
    con.commit()
    con.close()
