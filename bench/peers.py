"""Each benchmark installs its peer itself: the ``bench`` extra of ``pyproject.toml`` (pandana, spopt,
PuLP, gunicorn, …) goes into the running interpreter's environment from PyPI the first time a
benchmark needs a module of it, so a fresh clone's ``make setup`` is all a benchmark asks for."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ensure(*modules: str) -> None:
    """Install the ``bench`` extra unless every module in ``modules`` can already be imported."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return
    print(
        f"installing the benchmarks' peers ({', '.join(missing)} missing): pip install -e '.[bench]'",
        flush=True,
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "-e", f"{ROOT}[bench]"], check=True, cwd=ROOT
    )
    importlib.invalidate_caches()
    still = [m for m in modules if importlib.util.find_spec(m) is None]
    if still:
        raise SystemExit(f"the peers could not be installed: {', '.join(still)}")
