"""GET /trainability and /trainability/embed: the map's page in both languages with its nav link, every asset
it loads served by the app (its modules followed import by import), and every message it uses in both
catalogs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gdviz.api.i18n import catalog, t
from gdviz.api.models.sweep import MAX_CELL_STEPS, MAX_CELLS

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ROOT / "app" / "messages"
PAGE_JS = ROOT / "static" / "js" / "trainability"
IMPORT = re.compile(r"""(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)""")
KEY = re.compile(r"""\bt\(\s*["'`]([\w.]+)["'`]""")
ROOM_LITERAL = re.compile(r"""["'`](trainability\.[\w.]+)["'`]""")  # a key named in code before t() gets it


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_is_served_in_the_readers_language(client, lang: str) -> None:
    page = client.get(f"/trainability?lang={lang}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert f"<title>{t(lang, 'trainability.title')}</title>" in page.text
    assert 'src="/static/js/trainability/main.js' in page.text
    assert f'<a href="/trainability" class="current">{t(lang, "nav.trainability")}</a>' in page.text
    assert t(lang, "trainability.key.diverged") in page.text


def test_every_page_links_to_it(client) -> None:
    for path in ("/", "/network", "/backprop", "/decks"):
        assert '<a href="/trainability" >' in client.get(path).text, path


def test_the_embed_has_no_chrome_and_no_controls(client) -> None:
    page = client.get("/trainability/embed?lang=zh").text
    assert 'class="embed' in page and 'id="controls"' not in page and '<header class="top">' not in page
    assert 'data-testid="tm-map"' in page
    assert 'id="controls"' in client.get("/trainability").text


def test_the_projector_theme_is_kept(client) -> None:
    body = client.get("/trainability?theme=projector").text.split("<body", 1)[1].split(">", 1)[0]
    assert "projector" in body


def test_the_page_carries_the_sweep_limits_it_checks(client) -> None:
    page = client.get("/trainability").text
    raw = re.search(r'data-limits="([^"]+)"', page).group(1).replace("&#34;", '"')
    assert json.loads(raw) == {"cells": MAX_CELLS, "work": MAX_CELL_STEPS} == {"cells": 16_384, "work": 4_000_000}


def modules(client, start: str) -> dict[str, str]:
    """Every module the page's module imports, followed transitively: url -> source (each one served)."""
    seen: dict[str, str] = {}
    todo = [start]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        answer = client.get(url)
        assert answer.status_code == 200, url
        seen[url] = answer.text
        base = url.rsplit("/", 1)[0]
        for found in IMPORT.findall(answer.text):
            target = found[0] or found[1]
            assert target.startswith("."), f"{url} imports {target}: nothing external"
            parts = f"{base}/{target}".split("/")
            resolved: list[str] = []
            for part in parts:
                if part == "..":
                    resolved.pop()
                elif part != ".":
                    resolved.append(part)
            todo.append("/".join(resolved))
    return seen


def test_every_asset_is_local_and_served(client) -> None:
    page = client.get("/trainability").text
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert links and all(link.startswith(("/", "data:", "#")) for link in links), links
    for link in links:
        if link.startswith("/static/"):
            assert client.get(link.split("?")[0]).status_code == 200, link
    sources = modules(client, "/static/js/trainability/main.js")
    assert {"/static/js/trainability/map.js", "/static/js/trainability/state.js", "/static/js/network/state.js"} <= set(
        sources
    )
    assert not [url for url, text in sources.items() if "http://" in text or "https://" in text]


def room(lang: str) -> dict[str, str]:
    return json.loads((MESSAGES / lang / "trainability.json").read_text(encoding="utf-8"))


def test_the_room_has_the_same_keys_in_both_languages_and_chinese_in_zh() -> None:
    en, zh = room("en"), room("zh")
    assert set(en) == set(zh) and len(en) > 30
    assert all(zh[key] != en[key] for key in en)
    assert "可训练性" in zh["nav.trainability"] and "发散" in zh["trainability.key.diverged"]
    assert "学习率" in zh["trainability.param.lr_scale"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_message_the_page_uses_is_in_the_catalog(client, lang: str) -> None:
    texts = [path.read_text(encoding="utf-8") for path in PAGE_JS.glob("*.js")]
    texts.append((ROOT / "templates" / "trainability.html").read_text(encoding="utf-8"))
    used = {key for text in texts for key in KEY.findall(text) + ROOM_LITERAL.findall(text)}
    # keys built from a prefix in code: the menus of the axes and the activation and init names
    used |= {f"{prefix}.{name}" for prefix in ("trainability.param", "trainability.choice")
             for name in ("lr", "lr_scale", "lr_scale_output")}  # fmt: skip
    used |= {f"trainability.axis.{name}" for name in ("x", "y", "from", "to")}
    used |= {f"trainability.section.{name}" for name in ("axes", "data", "model", "optimizer", "training")}
    used |= {f"network.activation.{name}" for name in ("tanh", "relu", "sigmoid", "leaky_relu", "linear")}
    used |= {f"network.init.{name}" for name in ("xavier", "he", "normal")}
    assert len(used) > 40
    prefixes = {key for key in used if any(other.startswith(f"{key}.") for other in catalog(lang))}
    missing = sorted(key for key in used - prefixes if key not in catalog(lang))
    assert not missing, f"{lang}: {missing}"
