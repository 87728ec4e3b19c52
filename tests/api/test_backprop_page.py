"""GET /backprop and /backprop/embed: the step-through's page in both languages, with its nav link."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gdviz.api.i18n import t
from gdviz.engine.optimizers import OPTIMIZERS

MESSAGES = Path(__file__).resolve().parents[2] / "app" / "messages"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_is_served_in_the_readers_language(client, lang: str) -> None:
    page = client.get(f"/backprop?lang={lang}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert f"<title>{t(lang, 'backprop.title')}</title>" in page.text
    assert 'src="/static/js/backprop/main.js' in page.text
    assert f'<a href="/backprop" class="current">{t(lang, "nav.backprop")}</a>' in page.text


def test_every_page_links_to_it(client) -> None:
    for path in ("/", "/network", "/decks"):
        assert '<a href="/backprop" >' in client.get(path).text, path


def test_the_embed_has_no_chrome_and_no_controls(client) -> None:
    page = client.get("/backprop/embed?lang=zh").text
    assert 'class="embed' in page and 'id="controls"' not in page and '<header class="top">' not in page
    assert 'data-testid="bp-diagram"' in page
    assert 'id="controls"' in client.get("/backprop").text


def test_the_projector_theme_is_kept(client) -> None:
    assert "projector" in client.get("/backprop?theme=projector").text.split("<body", 1)[1].split(">", 1)[0]


def test_the_room_has_the_same_keys_in_both_languages() -> None:
    en = json.loads((MESSAGES / "en" / "backprop.json").read_text(encoding="utf-8"))
    zh = json.loads((MESSAGES / "zh" / "backprop.json").read_text(encoding="utf-8"))
    assert set(en) == set(zh) and len(en) > 40
    assert all(zh[key] != en[key] for key in en if key.startswith("backprop.note."))
    assert "反向传播" in zh["nav.backprop"] and "前向传播" in zh["backprop.phase.forward"]


def test_every_optimizer_of_the_update_has_its_words() -> None:
    """The update's two steps explain each optimizer networks allow, in both languages."""
    for lang in ("en", "zh"):
        room = json.loads((MESSAGES / lang / "backprop.json").read_text(encoding="utf-8"))
        for name, d in OPTIMIZERS.items():
            keys = {f"backprop.note.state.{name}", f"backprop.note.update.{name}"}
            assert (keys <= set(room)) != d.needs_hessian, (lang, name)


def test_the_embed_may_be_framed_by_any_site_and_the_page_only_by_its_own(client) -> None:
    """Slides on another site frame /backprop/embed, as they frame /embed and /network/embed."""
    assert "frame-ancestors *" in client.get("/backprop/embed").headers["content-security-policy"]
    assert "frame-ancestors 'self'" in client.get("/backprop").headers["content-security-policy"]
