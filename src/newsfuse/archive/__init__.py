"""Archives beyond one machine: the whole pipeline as a batch plan over Parquet datasets, on a
process pool (`--engine local`) or on Ray Data (`--engine ray`, a laptop or a cluster).

    from newsfuse.archive import run_archive
    report = run_archive(["shards/"], "out/", engine="local")
"""

from __future__ import annotations

from pathlib import Path

from ..config import Config


class ArchiveError(RuntimeError):
    """A one-line reason why an archive run cannot start or finish (names the input)."""


def run_archive(inputs: list[str | Path], out: str | Path, config: Config | None = None, *,
                engine: str = "local", address: str | None = None, cpus: int = 0, progress=None):
    """Run the archive plan over `inputs` (JSONL/Parquet shards or folders, local or URLs) into
    `out`; returns an `ArchiveReport`. Raises ArchiveError for a shard that cannot be read or an
    engine that is not there."""
    from .engine import LocalEngine, RayEngine
    from .plan import run
    from .shards import ShardError

    config = config or Config()
    if engine == "local":
        runner = LocalEngine(cpus)
    elif engine == "ray":
        runner = RayEngine(address, cpus)
    else:
        raise ArchiveError(f"unknown engine {engine!r} (local, ray)")
    try:
        with runner:
            return run([str(i) for i in inputs], str(out), config, runner, progress)
    except ShardError as e:
        raise ArchiveError(str(e)) from None
    except Exception as e:  # Ray wraps a worker's ShardError in its own task error
        cause = _shard_error_in(e)
        if cause is not None:
            raise ArchiveError(cause) from None
        raise


def _shard_error_in(e: BaseException) -> str | None:
    from .shards import ShardError

    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, ShardError):
            return str(e)
        for attr in ("cause", "__cause__", "__context__"):
            inner = getattr(e, attr, None)
            if isinstance(inner, BaseException):
                e = inner
                break
        else:
            text = str(e)
            marker = "ShardError: "
            if marker in text:
                return text.split(marker, 1)[1].splitlines()[0]
            return None
    return None
