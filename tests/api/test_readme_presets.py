"""The README's links to the explorer and the Network view: each decodes exactly (no typo falls back
to a default), and what its text claims holds on the API's answer for it."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from urllib.parse import unquote_plus

import pytest

from ..scenes import catalog_from, scene_request

README = Path(__file__).resolve().parents[2] / "README.md"
LINK = re.compile(r"\[([^\]]+)\]\(http://127\.0\.0\.1:8000/(network)?\?([^)]*)\)")


def presets() -> list[tuple[str, dict[str, str]]]:
    found = [
        (text, {"page": "network" if network else "surfaces", "query": query})
        for text, network, query in LINK.findall(README.read_text(encoding="utf-8"))
    ]
    assert len(found) >= 8, "the README lost its preset links"
    return found


def answer(client, scene: dict[str, str]) -> dict:
    path, body = scene_request(scene, catalog_from(client))
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(("text", "scene"), presets(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_link_decodes_and_runs(client, text: str, scene: dict[str, str]) -> None:
    result = answer(client, scene)
    runs = result.get("runs") or [result]
    assert runs, text


def preset(words: str) -> dict[str, str]:
    matches = [scene for text, scene in presets() if words in text]
    assert len(matches) == 1, f"one README link should mention {words!r}"
    return matches[0]


def test_momentum_fixes_the_zig_zag_in_the_canyon(client) -> None:
    scene = preset("Momentum fixes the zig-zag")
    assert "0.1*x**2" in unquote_plus(scene["query"])
    gd, momentum = answer(client, scene)["runs"]
    assert gd["status"] == momentum["status"] == "max_steps"
    assert momentum["loss"][-1] < 1e-3 < gd["loss"][-1]
    # GD at lr 0.4 "crawls along x": after 20 steps x is still far from 0, y long settled.
    assert abs(gd["x"][-1]) > 0.5 and abs(gd["y"][-1]) < 1e-3


def test_cyclical_rate_cycles_without_diverging(client) -> None:
    (run,) = answer(client, preset("cyclical learning rate"))["runs"]
    assert run["status"] != "diverged"
    lr = run["lr"]
    assert min(lr) == pytest.approx(0.001) and max(lr) == pytest.approx(0.01)
    rises = sum(1 for a, b in itertools.pairwise(lr) if b > a)
    falls = sum(1 for a, b in itertools.pairwise(lr) if b < a)
    assert rises > 100 and falls > 100  # triangles, not a single ramp


def test_noise_lets_gd_leave_the_saddle(client) -> None:
    scene = preset("Gradient noise")
    (noisy,) = answer(client, scene)["runs"]
    quiet_query = re.sub(r"&?noise=[^&]*", "", scene["query"])
    (quiet,) = answer(client, {**scene, "query": quiet_query})["runs"]
    assert abs(noisy["y"][-1]) > 1 > 1e-6 > abs(quiet["y"][-1])
