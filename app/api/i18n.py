"""The message catalogs (zh and en) and the reader's language.

Each language's catalog is the union of the flat JSON files in `app/messages/<lang>/`, one file per
room of the interface (common, explorer, network, present, decks, plotly, ...); a key lives in one
file only. Pages receive their language's whole catalog inline; the catalog endpoints translate the
engine's titles and descriptions with the `entity.*` keys of `zh/catalog.json` (the engine's own
English text is the en catalog of those). See the README, "Languages".
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import Request

LANGS = ("en", "zh")
DEFAULT = "en"
COOKIE = "gdviz_lang"
HTML_LANG = {"en": "en", "zh": "zh-CN"}
ROOT = Path(__file__).resolve().parent.parent / "messages"


def normalize(value: str | None) -> str | None:
    """`zh`, `zh-CN`, `zh_TW` ... -> zh; `en*` -> en; anything else -> None."""
    if not value:
        return None
    head = value.strip().lower().replace("_", "-").split("-")[0]
    return head if head in LANGS else None


@cache
def catalog(lang: str) -> dict[str, str]:
    """The whole catalog of one language: every room's file merged (a key in two files is an error)."""
    merged: dict[str, str] = {}
    for path in sorted((ROOT / lang).glob("*.json")):
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice in {lang}")
            merged[key] = text
    return merged


def t(lang: str, key: str, **params: object) -> str:
    """The text of `key` in `lang` (else in en, else the key itself), with `{name}` filled in."""
    text = catalog(lang).get(key) or catalog(DEFAULT).get(key) or key
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def entity(lang: str, kind: str, name: str, field: str, english: str) -> str:
    """A catalog entity's text (surface, optimizer, schedule, dataset, parameter) in `lang`.
    English is the engine's own text; zh comes from `entity.<kind>.<name>.<field>`."""
    if lang == DEFAULT:
        return english
    return catalog(lang).get(f"entity.{kind}.{name}.{field}", english)


def api_lang(value: str | None) -> str:
    """The `?lang=` of a catalog endpoint: zh or en; anything else is en."""
    return value if value in LANGS else DEFAULT


def page_lang(request: Request, *, embed: bool = False) -> tuple[str, bool]:
    """The language of a page and whether `?lang=` chose it (then the page stores the choice).
    Order: `?lang=`, then (not in an embed, whose language comes from `lang` alone) the stored
    choice, then the browser's languages as it sends them in Accept-Language, then en."""
    asked = normalize(request.query_params.get("lang"))
    if asked:
        return asked, True
    if embed:
        return DEFAULT, False
    stored = normalize(request.cookies.get(COOKIE))
    if stored:
        return stored, False
    for part in request.headers.get("accept-language", "").split(","):
        found = normalize(part.split(";")[0])
        if found:
            return found, False
    return DEFAULT, False


def inline_catalog(lang: str) -> str:
    """The catalog as JSON to place inside a <script type="application/json">: `</` cannot close it."""
    text = json.dumps({"lang": lang, "messages": catalog(lang)}, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/")
