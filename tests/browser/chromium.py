"""Debian's headless chromium, as the browser tests and bench/bench_browser.py launch it
(playwright cannot download browsers here)."""

from __future__ import annotations

import shutil
from pathlib import Path

ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def executable() -> str | None:
    """The chromium binary, or None when it is not installed."""
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")
