"""The Network view in both languages and on a projector: in zh no English is left (page text, plot
text, titles, labels, hover text), every figure speaks the page's language to Plotly, the words on
the plots are the catalog's, and /network/embed in the projector theme is readable at 1280×720 with
nothing cut off."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page

from .test_explorer import open_explorer, tid

RACE = "ds=moons&n=100&r=10&o=adam;lr=0.03&o=sgd;lr=0.1;momentum=0.9&o=sgd;lr=0.5"

MESSAGES = Path(__file__).resolve().parents[2] / "app" / "messages"

# Latin words a zh Network page may show. Names: the product, file formats, keys of the keyboard, the
# language switch's "English"; methods and their torch names (optimizers, schedules, activations,
# initializations); datasets and their sources; formulas (log₁₀, l2/2, y = sin x₁). Parameter names are API
# identifiers (the catalog keeps them): they come from the API itself.
NAMES = {
    "gdviz", "API", "JSON", "HTML", "English", "Home", "End",
    "SGD", "Nesterov", "AdaGrad", "RMSProp", "Adam", "AdamW", "AMSGrad", "Adamax", "NAdam", "RAdam", "Adadelta", "Lion",
    "StepLR", "ExponentialLR", "CosineAnnealingLR", "CyclicLR",
    "tanh", "sigmoid", "ReLU", "Leaky", "Xavier", "He", "PCA", "Dropout",
    "XOR", "TensorFlow", "Playground",
    "L1", "L2", "l2", "log", "sin", "cos", "exp", "max", "min", "sign", "sqrt",
    "steps",  # the request's field, named in the catalog's descriptions of schedule parameters
}  # fmt: skip

# Everything on the page a person can read, with where it was found: the visible text, the plots' SVG
# text, tooltips, accessible names, placeholders, every option of every select, and what Plotly shows
# on hover or in a legend (trace names, hover templates, titles and annotations of every figure).
READABLE = """() => {
  const out = [];
  const push = (where, text) => { if (typeof text === "string" && text.trim()) out.push([where, text]); };
  push("document title", document.title);
  push("visible text", document.body.innerText);
  for (const el of document.querySelectorAll("svg text")) push("plot text", el.textContent);
  for (const name of ["title", "aria-label", "placeholder"]) {
    for (const el of document.querySelectorAll(`[${name}]`)) push(name, el.getAttribute(name));
  }
  for (const el of document.querySelectorAll("option")) push("option", el.textContent);
  for (const el of document.querySelectorAll(".js-plotly-plot")) {
    const id = el.dataset.testid ?? "background";
    for (const trace of el.data ?? []) {
      push(`${id} trace name`, trace.name);
      push(`${id} hover`, trace.hovertemplate);
      push(`${id} colorbar`, trace.colorbar?.title?.text);
    }
    const layout = el.layout ?? {};
    push(`${id} title`, layout.title?.text);
    for (const axis of ["xaxis", "yaxis"]) push(`${id} ${axis} title`, layout[axis]?.title?.text);
    for (const note of layout.annotations ?? []) push(`${id} annotation`, note.text);
  }
  return out;
}"""


def catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((MESSAGES / lang).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def api_names(server: str) -> set[str]:
    """The parameter names of the optimizers and schedules: API identifiers, shown as they are."""
    names = set()
    for path in ("/api/optimizers", "/api/schedules"):
        with urllib.request.urlopen(f"{server}{path}?lang=zh") as response:
            names |= {p["name"] for entry in json.load(response) for p in entry["params"]}
    return names


def english_left(texts: list[list[str]], allowed: set[str]) -> dict[str, list[str]]:
    """Latin words of two letters or more that are not allowed, each with where it was seen.
    Plotly's placeholders (%{x:.3g}) and markup (<extra>, <br>) are not text."""
    left: dict[str, list[str]] = {}
    for where, text in texts:
        readable = re.sub(r"<[^>]*>", " ", re.sub(r"%\{[^}]*\}", " ", text))
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_]*", readable):
            if len(word) > 1 and word not in allowed:
                left.setdefault(word, []).append(f"{where}: {readable.strip()[:80]!r}")
    return left


def watch_missing_messages(page: Page) -> list[str]:
    """i18n.js warns about a key the catalog lacks (and shows the key itself): collect those warnings."""
    missing: list[str] = []
    page.on("console", lambda m: missing.append(m.text) if "no message" in m.text else None)
    return missing


def figures(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].map((el) => ({
            id: el.dataset.testid ?? 'background', locale: el._context?.locale ?? null,
            layout: JSON.parse(JSON.stringify(el.layout)),
            traces: el.data.map((t) => ({type: t.type, mode: t.mode ?? null, line: t.line ?? null,
                                         visible: t.visible ?? true, colorbar: t.colorbar ?? null}))}))"""
    )


# ── No English left ──────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "query",
    [
        "",
        "ds=sine&n=200&r=20",
        "ds=xor&n=200&r=20&act=relu&init=he&o=sgd;lr=0.1;momentum=0.9&sch=cosine&bs=32",
        # A race with a test split, the sharpness and the layers panel of a deep network.
        f"{RACE}&h=8,8,8,8,8&test=0.2&sharp=1&panel=layers&clip=norm:1",
    ],
    ids=["classification", "regression", "other-controls", "race-layers-sharpness"],
)
def test_chinese_page_has_no_english_left(page: Page, server: str, query: str) -> None:
    missing = watch_missing_messages(page)
    open_explorer(page, f"lang=zh&{query}", path="/network")
    texts = page.evaluate(READABLE)
    joined = "\n".join(text for _, text in texts)
    zh = catalog("zh")
    assert zh["network.plot.loss"] in joined and zh["network.section.training"] in joined  # the catalog's words
    assert english_left(texts, NAMES | api_names(server)) == {}
    assert missing == []


def test_chinese_embed_in_the_projector_theme_has_no_english_left(page: Page, server: str) -> None:
    missing = watch_missing_messages(page)
    open_explorer(page, "lang=zh&theme=projector&n=200&r=20", path="/network/embed")
    assert english_left(page.evaluate(READABLE), NAMES | api_names(server)) == {}
    assert missing == []


# ── The plots' words come from the catalog, in each language ─────────────────


def readout_pattern(template: str) -> str:
    """A catalog readout as a regular expression: its words exact, its numbers any number."""
    pattern = re.escape(template)
    for name in ("step", "loss", "accuracy"):
        pattern = pattern.replace(re.escape(f"{{{name}}}"), r"[0-9.e+\-]+")
    return f"^{pattern}$"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plots_speak_the_pages_language(page: Page, lang: str) -> None:
    words = catalog(lang)
    open_explorer(page, f"lang={lang}&n=200&r=20", path="/network")
    drawn = figures(page)
    assert {figure["id"] for figure in drawn} >= {"boundary", "loss", "accuracy", "grad-lines", "weights"}
    assert {figure["locale"] for figure in drawn} == {"zh-CN" if lang == "zh" else "en"}

    titles = {figure["id"]: figure["layout"].get("title", {}).get("text") for figure in drawn}
    assert titles["boundary"] == words["network.plot.boundary"]
    assert titles["grad-lines"] == words["network.plot.grads"]
    assert titles["weights"] == words["network.plot.weights"]
    layers = page.evaluate("Array.from(document.querySelector('[data-testid=\"grad-lines\"]').data, (t) => t.name)")
    expected = [words["network.layer"].replace("{n}", str(n)) for n in (1, 2)] + [words["network.layer_output"]]
    assert layers == expected
    assert page.locator(".plot-title").inner_text() == words["network.plot.landscape"]
    readout = page.locator(tid("readout")).inner_text()
    assert re.match(readout_pattern(words["network.readout_accuracy"]), readout), readout
    assert page.evaluate("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")


def test_regression_readout_and_fit_title_in_chinese(page: Page) -> None:
    zh = catalog("zh")
    open_explorer(page, "lang=zh&ds=sine&n=200&r=20", path="/network")
    readout = page.locator(tid("readout")).inner_text()
    assert re.match(readout_pattern(zh["network.readout"]), readout), readout  # no accuracy in regression
    title = page.evaluate("document.querySelector('[data-testid=\"boundary\"]').layout.title.text")
    assert re.match(re.escape(zh["network.plot.fit"]).replace(re.escape("{x2}"), r"[0-9.e+\-−]+") + "$", title)
    note = page.evaluate("document.querySelector('[data-testid=\"accuracy\"]').layout.annotations[0].text")
    assert note == zh["network.plot.accuracy_none"]


def test_dataset_titles_and_descriptions_come_from_the_catalog_in_the_pages_language(page: Page, server: str) -> None:
    with urllib.request.urlopen(f"{server}/api/datasets?lang=zh") as response:
        datasets = json.load(response)
    open_explorer(page, "lang=zh&ds=moons&n=200&r=20", path="/network")
    options = page.locator(f"{tid('dataset')} option").all_inner_texts()
    zh = catalog("zh")
    assert options == [
        zh["network.dataset_option"].replace("{title}", d["title"]).replace("{task}", zh[f"network.task.{d['task']}"])
        for d in datasets
    ]
    moons = next(d for d in datasets if d["name"] == "moons")
    assert page.locator(tid("dataset-about")).inner_text() == moons["description"]


# ── Projector: large enough, nothing cut off ─────────────────────────────────

# What must lie inside the window: the playback bar's controls and readout, and every figure.
ON_SCREEN = ".player button, .player select, .player input, #readout, .plot-title, [data-testid] .main-svg"


@pytest.mark.parametrize(
    ("lang", "query"),
    [("zh", "n=200&r=20"), ("en", "n=200&r=20"), ("zh", f"{RACE}&h=8,8,8,8,8&sharp=1&panel=layers")],
    ids=["zh", "en", "zh-race-layers"],
)
def test_projector_embed_is_readable_at_1280x720(page: Page, lang: str, query: str) -> None:
    open_explorer(page, f"lang={lang}&theme=projector&{query}", path="/network/embed")
    for figure in figures(page):
        layout = figure["layout"]
        if layout.get("title", {}).get("text"):
            assert layout["title"]["font"]["size"] >= 18, figure["id"]
        for axis in ("xaxis", "yaxis"):
            title = layout.get(axis, {}).get("title", {})
            if title.get("text"):
                assert title["font"]["size"] >= 18, (figure["id"], axis)
        if layout.get("showlegend"):
            assert layout["legend"]["font"]["size"] >= 18, figure["id"]
        for trace in figure["traces"]:
            if trace["mode"] and "lines" in trace["mode"] and trace["visible"] is True:
                assert trace["line"]["width"] >= 3, figure["id"]
            if trace["colorbar"]:
                assert trace["colorbar"]["title"]["font"]["size"] >= 18, figure["id"]
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.plot-title')).fontSize)") >= 18

    # Nothing to scroll, every control and plot on screen, no text clipped in its box.
    assert page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]") == [
        1280,
        720,
    ]
    outside = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter((el) => el.getClientRects().length)
            .map((el) => [el.id || el.className.baseVal || el.className, el.getBoundingClientRect()])
            .filter(([, r]) => r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5)
            .map(([name]) => name)""",
        ON_SCREEN,
    )
    assert outside == []
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.player button, #readout, .plot-title')]
            .filter((el) => el.getClientRects().length && el.scrollWidth > el.clientWidth + 1)
            .map((el) => el.id || el.className)"""
    )
    assert clipped == []
    # Plotly's own text (titles, ticks, colour bars) inside its figure. A text's box is its line box:
    # taller than its glyphs by the font's ascent and descent, which may overhang a little.
    spilled = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap((plot) => {
            const box = plot.getBoundingClientRect();
            return [...plot.querySelectorAll('svg text')]
              .filter((t) => t.textContent.trim() && t.getClientRects().length)
              .map((t) => [t.textContent, t.getBoundingClientRect()])
              .filter(([, r]) => r.width && (r.left < box.left - 1 || r.right > box.right + 1
                || r.top < box.top - 0.3 * r.height || r.bottom > box.bottom + 0.3 * r.height))
              .map(([text]) => `${plot.dataset.testid}: ${text}`);
          })"""
    )
    assert spilled == []
    # Every plot shown: the side column's four, and those of the panel on show beside the boundary.
    panel = ["grad-bars", "histograms"] if "panel=layers" in query else ["landscape"]
    fourth = "sharpness" if "sharp=1" in query else "weights"
    sizes = page.evaluate(
        """ids => ids.map((id) => {
            const r = document.querySelector(`[data-testid="${id}"]`).getBoundingClientRect();
            return [id, Math.round(r.width), Math.round(r.height)];
          })""",
        ["boundary", "loss", "accuracy", "grad-lines", fourth, *panel],
    )
    for name, width, height in sizes:
        assert width >= 300 and height >= 120, (name, width, height)
