"""Where the page assets live: inside the installed package, or beside `app/` in a checkout."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def asset_dir(name: str) -> Path:
    """`static` or `templates`: packaged as gdviz/<name>, kept at the repository root in a checkout."""
    packaged = _HERE / name
    return packaged if packaged.is_dir() else _HERE.parent / name
