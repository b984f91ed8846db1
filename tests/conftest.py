"""Shared fixtures: the real seeds and the VietnameseMDS corpus from ../shared, read in place."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SEEDS = SHARED / "seeds"
MDS = SHARED / "vietnamese-mds"
SEED_000 = SEEDS / "000_aee885514b0d558e.txt"
SEED_004 = SEEDS / "004_b00c153fade261d6.txt"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data lives in ../shared next to the project")
    return path


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return _need(SEEDS)


@pytest.fixture(scope="session")
def seed_texts(seeds_dir) -> dict[str, str]:
    return {"000": SEED_000.read_text(encoding="utf-8"), "004": SEED_004.read_text(encoding="utf-8")}


@pytest.fixture(scope="session")
def mds_rows() -> list[dict]:
    path = _need(MDS / "articles.jsonl")
    return [json.loads(line) for line in path.open(encoding="utf-8")]


@pytest.fixture(scope="session")
def mds_clusters() -> list[dict]:
    path = _need(MDS / "clusters.jsonl")
    return [json.loads(line) for line in path.open(encoding="utf-8")]


@pytest.fixture(scope="session")
def mds_subset(mds_rows) -> list[dict]:
    """Every article of 40 clusters picked at random (fixed seed): a fast but real test set."""
    clusters = sorted({r["cluster_id"] for r in mds_rows})
    chosen = set(random.Random(7).sample(clusters, 40))
    return [r for r in mds_rows if r["cluster_id"] in chosen]


@pytest.fixture()
def db(tmp_path) -> Path:
    return tmp_path / "news.db"


@pytest.fixture()
def nf(db):
    import newsfuse

    with newsfuse.open(db) as handle:
        yield handle


@pytest.fixture()
def seeded(nf, seeds_dir):
    report = nf.ingest([seeds_dir])
    assert len(report.added) == 2
    return nf


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path
