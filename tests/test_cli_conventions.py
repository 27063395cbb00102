"""Issue 13: one option vocabulary, `-` for stdin, --json reports of every command that writes,
helpful offline failures, and no empty catalog left behind by a failed command."""

from __future__ import annotations

import socket

import pytest

OFFLINE = (
    "; offline? check the network or the proxy (HTTPS_PROXY), set EFMCAT_ARXIV_URL to a reachable "
    "server, or give discover a saved listing with --feed FILE"
)


def _closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


@pytest.fixture
def attempts(monkeypatch) -> list[str]:
    """The URL of every request the arXiv client makes (retries included)."""
    from efmcat.arxiv import ArxivClient

    calls: list[str] = []
    real = ArxivClient._fetch

    def counted(self, params):
        calls.append(self.url)
        return real(self, params)

    monkeypatch.setattr(ArxivClient, "_fetch", counted)
    return calls


# -- offline: fail fast and say what to do ------------------------------------------------------


@pytest.mark.parametrize("args", [["add", "2310.19102"], ["discover"], ["refresh", "--all"]])
def test_offline_fails_at_once_naming_what_to_do(cli, mini_db, monkeypatch, attempts, args):
    url = _closed_url()
    monkeypatch.setenv("EFMCAT_ARXIV_URL", url)
    r = cli(*args)
    assert r.exit_code == 3
    assert (
        r.stderr.splitlines()[-1]
        == f"Error: could not reach arXiv at {url}: [Errno 111] Connection refused{OFFLINE}"
    )
    assert attempts == [url]  # one attempt, no retry


def test_offline_feed_url_fails_at_once(cli, mini_db, attempts):
    url = _closed_url().replace("/api/query", "/rss/cs.LG")
    r = cli("discover", "--feed", url)
    assert r.exit_code == 3
    assert r.stderr == f"Error: could not reach arXiv at {url}: [Errno 111] Connection refused{OFFLINE}\n"
    assert attempts == [url]


# -- a failed command leaves no new catalog file ------------------------------------------------


def _catalog_files(tmp_path, name="new.db"):
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(name))


@pytest.mark.parametrize("before", [True, False])
def test_failed_add_leaves_no_new_catalog(cli, tmp_path, before):
    new = tmp_path / "new.db"
    args = ["--db", str(new), "add", "BADID"] if before else ["add", "BADID", "--db", str(new)]
    r = cli(*args)
    assert r.exit_code == 1
    assert r.stderr == "Error: not an arXiv id: BADID\n0 added, 0 already present, 0 not found, 1 invalid.\n"
    assert _catalog_files(tmp_path) == []


def test_offline_add_leaves_no_new_catalog(cli, tmp_path, attempts):
    r = cli("--db", str(tmp_path / "new.db"), "add", "2310.19102")
    assert r.exit_code == 3
    assert len(attempts) == 1
    assert _catalog_files(tmp_path) == []


def test_failed_import_leaves_no_new_catalog(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("papers: [\n", encoding="utf-8")
    r = cli("import", str(bad), "--db", str(tmp_path / "new.db"))
    assert r.exit_code == 1
    assert _catalog_files(tmp_path) == []


def test_successful_write_keeps_the_new_catalog(cli, tmp_path):
    md = tmp_path / "list.md"
    md.write_text("- [SmoothQuant](https://arxiv.org/abs/2211.10438)\n", encoding="utf-8")
    r = cli("--db", str(tmp_path / "new.db"), "import", str(md))
    assert r.exit_code == 0, r.stderr
    assert "new.db" in _catalog_files(tmp_path)


def test_a_failed_command_keeps_an_existing_empty_catalog(cli, tmp_path):
    from efmcat.catalog import Catalog

    new = tmp_path / "new.db"
    Catalog(new).close()  # made before: not this command's to remove
    assert cli("--db", str(new), "add", "BADID").exit_code == 1
    assert new.exists()


# -- --db before or after the command -----------------------------------------------------------


def test_db_before_the_command(cli, mini_db, monkeypatch):
    monkeypatch.delenv("EFMCAT_DB")
    before = cli("--db", str(mini_db), "list", "--json")
    after = cli("list", "--json", "--db", str(mini_db))
    assert before.exit_code == after.exit_code == 0, before.stderr
    assert before.stdout == after.stdout and before.stdout.startswith("[")
    r = cli("--db", str(mini_db), "path", "--json")
    assert f'"catalog": "{mini_db}"' in r.stdout and '"catalog_from": "--db"' in r.stdout
