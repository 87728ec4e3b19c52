"""GET /sweep and /sweep/embed: the sweep maps' page in both languages with its nav link, every asset it loads
served by the app (its modules followed import by import), and every message it uses in both catalogs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gdviz.api.i18n import catalog, t

from .test_trainability_page import modules

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ROOT / "app" / "messages"
PAGE_JS = ROOT / "static" / "js" / "sweep"
KEY = re.compile(r"""\bt\(\s*["'`]([\w.]+)["'`]""")
ROOM_LITERAL = re.compile(r"""["'`](sweep\.[\w.]+)["'`]""")  # a key named in code before t() gets it


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_is_served_in_the_readers_language(client, lang: str) -> None:
    page = client.get(f"/sweep?lang={lang}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert f"<title>{t(lang, 'sweep.title')}</title>" in page.text
    assert 'src="/static/js/sweep/main.js' in page.text
    assert f'<a href="/sweep" class="current">{t(lang, "nav.sweep")}</a>' in page.text
    assert t(lang, "sweep.key.click") in page.text


def test_every_page_links_to_it(client) -> None:
    for path in ("/", "/network", "/backprop", "/trainability", "/decks"):
        assert '<a href="/sweep" >' in client.get(path).text, path


def test_the_embed_has_no_chrome_and_no_controls(client) -> None:
    page = client.get("/sweep/embed?lang=zh").text
    assert 'class="embed' in page and 'id="controls"' not in page and '<header class="top">' not in page
    assert 'data-testid="sw-maps"' in page
    assert 'id="controls"' in client.get("/sweep").text


def test_the_embed_may_be_framed_by_any_site_and_the_page_only_by_its_own(client) -> None:
    assert "frame-ancestors *" in client.get("/sweep/embed").headers["content-security-policy"]
    assert "frame-ancestors 'self'" in client.get("/sweep").headers["content-security-policy"]


def test_the_projector_theme_is_kept(client) -> None:
    body = client.get("/sweep?theme=projector").text.split("<body", 1)[1].split(">", 1)[0]
    assert "projector" in body


def test_the_page_carries_the_sweep_limits_it_checks(client) -> None:
    page = client.get("/sweep").text
    raw = re.search(r'data-limits="([^"]+)"', page).group(1).replace("&#34;", '"')
    assert json.loads(raw) == {"cells": 65_536, "work": 100_000_000}


def test_every_asset_is_local_and_served(client) -> None:
    page = client.get("/sweep").text
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert links and all(link.startswith(("/", "data:", "#")) for link in links), links
    for link in links:
        if link.startswith("/static/"):
            assert client.get(link.split("?")[0]).status_code == 200, link
    sources = modules(client, "/static/js/sweep/main.js")
    assert {"/static/js/plots/cellmap.js", "/static/js/sweep/state.js", "/static/js/plots/ratemap.js"} <= set(sources)
    assert not [url for url, text in sources.items() if "http://" in text or "https://" in text]


def test_the_trainability_map_draws_with_the_shared_cell_map(client) -> None:
    sources = modules(client, "/static/js/trainability/main.js")
    assert "/static/js/plots/cellmap.js" in sources
    assert "Plotly.react" not in sources["/static/js/trainability/map.js"]


def room(lang: str) -> dict[str, str]:
    return json.loads((MESSAGES / lang / "sweep.json").read_text(encoding="utf-8"))


def test_the_room_has_the_same_keys_in_both_languages_and_chinese_in_zh() -> None:
    en, zh = room("en"), room("zh")
    assert set(en) == set(zh) and len(en) > 50
    assert all(zh[key] != en[key] for key in en)
    # The glossary's words: basin of attraction, converge, diverge, learning rate.
    assert "吸引域" in zh["sweep.color.basin"] and "收敛" in zh["sweep.status.converged"]
    assert "发散" in zh["sweep.key.diverged"] and "扫描" in catalog("zh")["nav.sweep"]
    assert all("，" not in en[key] for key in en) and any("，" in zh[key] for key in zh)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_message_the_page_uses_is_in_the_catalog(lang: str) -> None:
    texts = [path.read_text(encoding="utf-8") for path in PAGE_JS.glob("*.js")]
    texts.append((ROOT / "templates" / "sweep.html").read_text(encoding="utf-8"))
    used = {key for text in texts for key in KEY.findall(text) + ROOM_LITERAL.findall(text)}
    # keys built from a prefix in code
    used |= {f"sweep.axis.{name}" for name in ("x", "y", "from", "to")}
    used |= {f"sweep.section.{name}" for name in ("surface", "optimizers", "axes", "run")}
    used |= {f"sweep.color.{name}" for name in ("loss", "steps", "status", "basin")}
    used |= {f"sweep.status.{name}" for name in ("converged", "max_steps", "diverged")}
    used |= {f"sweep.param.{name}" for name in ("start_x", "start_y", "noise_std", "clip_max_norm", "clip_value")}
    assert len(used) > 50
    prefixes = {key for key in used if any(other.startswith(f"{key}.") for other in catalog(lang))}
    missing = sorted(key for key in used - prefixes if key not in catalog(lang))
    assert not missing, f"{lang}: {missing}"
