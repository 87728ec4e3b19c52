"""The explorer's "Why" view as the server delivers it: its panel, map and plot boxes on `/` and `/embed`,
its stylesheet and modules served (followed import by import from the page's module), and every message
its modules use in both catalogs, in natural Chinese in zh."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gdviz.api.i18n import catalog

from .test_trainability_page import modules

ROOT = Path(__file__).resolve().parents[2]
WHY_JS = [
    *sorted((ROOT / "static" / "js" / "why").glob("*.js")),
    *(ROOT / "static" / "js" / "plots" / f"{name}.js" for name in ("curvature", "ratemap", "inside")),
]
KEY = re.compile(r"""\bt\(\s*["'`]([\w.]+)["'`]""")
# Keys built in code from a prefix and a name.
BUILT = {
    *(f"why.kind.{kind}" for kind in ("convex", "concave", "saddle", "flat")),
    *(f"why.col.{col}{hint}" for col in ("point", "kind", "l1", "l2", "kappa", "edge") for hint in ("", "_hint")),
    *(f"why.toggle.{key}{hint}" for key in ("why", "inside") for hint in ("", "_hint")),
    *(f"why.inside.key.{part}" for part in ("gradient", "state", "momentum", "step")),
}


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_the_page_has_the_views_boxes(client, path: str) -> None:
    page = client.get(f"{path}?why=1&mm=1&inside=1").text
    for testid in ("why-panel", "ratemap", "effective-lr"):
        assert f'data-testid="{testid}"' in page, testid
    assert '<link rel="stylesheet" href="/static/css/why.css' in page


def test_its_modules_are_reached_from_the_page(client) -> None:
    assert client.get("/static/css/why.css").status_code == 200
    sources = modules(client, "/static/js/main.js")
    wanted = {f"/static/js/{p.relative_to(ROOT / 'static' / 'js').as_posix()}" for p in WHY_JS}
    assert wanted <= set(sources), wanted - set(sources)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_message_it_uses_is_in_the_catalog(lang: str) -> None:
    used = {key for path in WHY_JS for key in KEY.findall(path.read_text(encoding="utf-8"))} | BUILT
    assert len(used) > 40
    missing = sorted(key for key in used if key not in catalog(lang))
    assert not missing, f"{lang}: {missing}"


def test_the_room_is_the_same_in_both_languages_and_chinese_in_zh() -> None:
    en, zh = (json.loads((ROOT / "app" / "messages" / lang / "why.json").read_text("utf-8")) for lang in ("en", "zh"))
    assert set(en) == set(zh)
    assert "稳定" in zh["why.verdict.stable"] and "发散" in zh["why.verdict.diverges"]
    assert "特征" in zh["why.col.l1_hint"] and "鞍点" == zh["why.kind.saddle"] and "条件数" in zh["why.col.kappa_hint"]
    assert "学习率" in zh["why.ratemap.lr_axis"] and "动量" in zh["why.ratemap.momentum_axis"]
