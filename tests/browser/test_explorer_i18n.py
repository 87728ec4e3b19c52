"""The explorer (`/`, `/embed`) in Chinese and English: no English left in the zh page, the legend and
run labels in the reader's language, status words from the catalog, the CSV readable by Excel."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page, expect

from gdviz.api.i18n import t

from .test_explorer import SADDLE, blur, open_explorer, summary_rows, tid

# Words that stay as they are in a zh page: names (of methods, surfaces, people), the product (its
# logo is "gd" and "viz"), file formats, key caps, L1 / L2 (the glossary's own words) and the symbols
# and functions of formulas. API identifiers (the
# hyperparameters' names, shown beside their translation in hints) are read from the API itself.
NAMES = set(
    """
    Adam AdamW Adamax NAdam RAdam Adadelta AdaGrad RMSProp Lion Nesterov SGD AMSGrad
    Rosenbrock Beale Himmelblau Booth Goldstein Price Rastrigin Ackley
    gdviz gd viz API JSON CSV PNG HTML Excel Plotly js Shift Home End L1 L2 l1 l2
    sin cos tan exp log sqrt abs tanh sinh cosh atan pi
    torch clip_grad_norm_ clip_grad_value_ StepLR ExponentialLR CosineAnnealingLR CyclicLR
    """.split()
)
WORD = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z0-9_]+")  # a number's exponent (1e5) is no word

# Everything a person reads on the page: visible text (HTML and the plots' SVG), the chosen option of
# each menu, and the tooltips, accessible names and placeholders of every element. Update rules
# (class "rule") are formulas.
VISIBLE_TEXT = """() => {
  const shown = (el) => {
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (e.hidden || style.display === "none" || style.visibility === "hidden") return false;
    }
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const out = [["title", document.title]];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim() || el.closest("script, style, option, .rule")) continue;
    if (shown(el)) out.push(["text", node.textContent.trim()]);
  }
  for (const select of document.querySelectorAll("select")) {
    if (shown(select)) out.push(["option", select.selectedOptions[0]?.textContent ?? ""]);
  }
  for (const el of document.querySelectorAll("[title], [aria-label], [placeholder]")) {
    for (const attr of ["title", "aria-label", "placeholder"]) {
      if (el.getAttribute(attr)) out.push([attr, el.getAttribute(attr)]);
    }
  }
  return out;
}"""


def api_identifiers(server: str) -> set[str]:
    """The names of hyperparameters and surface parameters, and `steps` (the request's own field)."""
    catalog = {}
    for kind in ("optimizers", "schedules", "surfaces"):
        with urllib.request.urlopen(f"{server}/api/{kind}") as response:
            catalog[kind] = json.load(response)
    names = {p["name"] for entry in catalog["optimizers"] + catalog["schedules"] for p in entry["params"]}
    return names | {name for surface in catalog["surfaces"] for name in surface["params"]} | {"steps"}


def english_left(page: Page, allowed: set[str]) -> list[tuple[str, str, str]]:
    found = []
    for kind, text in page.evaluate(VISIBLE_TEXT):
        for word in WORD.findall(text):
            if word not in allowed:
                found.append((word, kind, text))
    return found


@pytest.mark.parametrize(
    "path, query",
    [
        ("/", ""),
        ("/", SADDLE),
        ("/", "s=quadratic&sch=cyclic&clip=norm:1&noise=0.1&l2=0.1"),
        ("/embed", SADDLE),
    ],
)
def test_no_english_left_in_the_zh_page(page: Page, server: str, path: str, query: str) -> None:
    open_explorer(page, f"lang=zh&{query}", path=path)
    allowed = NAMES | api_identifiers(server)
    left = english_left(page, allowed)
    assert not left, "English in the zh page:\n" + "\n".join(f"{w!r} in {k}: {text!r}" for w, k, text in left)


def test_the_check_finds_english_in_the_en_page(page: Page, server: str) -> None:
    open_explorer(page, "lang=en")
    words = {w for w, _, _ in english_left(page, NAMES | api_identifiers(server))}
    assert {"Optimizers", "status", "learning", "rate"} <= words, words


def legend_texts(page: Page) -> list[str]:
    return page.locator(f"{tid('contour-legend')} .legendtext").all_text_contents()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_legend_names_every_run_in_the_readers_language(page: Page, server: str, lang: str) -> None:
    # The canyon of the textbook: GD at two learning rates and momentum, none with a label.
    open_explorer(
        page,
        f"lang={lang}&f=0.1*x**2%2B2*y**2&s=custom&start=-5,-2&n=20"
        "&o=sgd;lr=0.4&o=sgd;lr=0.6&o=sgd;lr=0.6;momentum=0.5",
    )
    sgd = t(lang, "explorer.label.gd")  # SGD on the full data without noise is gradient descent
    lr = t(lang, "explorer.param.lr")
    want = [
        t(lang, "explorer.label.with_params", title=sgd, params=t(lang, "explorer.label.param", name=lr, value="0.4")),
        t(lang, "explorer.label.with_params", title=sgd, params=t(lang, "explorer.label.param", name=lr, value="0.6")),
        t(lang, "explorer.label.momentum"),
    ]
    assert legend_texts(page) == want
    assert [row[t(lang, "explorer.table.optimizer")] for row in summary_rows(page)] == want
    loss_lines = page.evaluate("document.querySelector('[data-testid=\"loss\"]').data.map((t) => t.name)")
    assert loss_lines == want
    if lang == "zh":
        assert want[2] == "动量法" and want[0].startswith("梯度下降")
    else:
        assert want == ["GD · lr 0.4", "GD · lr 0.6", "Momentum"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_runs_sharing_a_title_show_it_once_as_the_legends_title(page: Page, lang: str) -> None:
    # A narrow legend: "SGD" once, then what tells the runs apart; the table keeps the whole labels.
    open_explorer(page, f"lang={lang}&s=parabola&n=20&o=sgd;lr=0.1&o=sgd;lr=0.45&o=sgd;lr=1.05")
    lr = t(lang, "explorer.param.lr")
    names = [t(lang, "explorer.label.param", name=lr, value=v) for v in ("0.1", "0.45", "1.05")]
    texts = page.locator(f"{tid('curve')} .legendtext").all_text_contents()
    title = page.locator(f"{tid('curve')} .legendtitletext").all_text_contents()
    assert texts == names and len(title) == 1
    rows = [row[t(lang, "explorer.table.optimizer")] for row in summary_rows(page)]
    assert rows == [t(lang, "explorer.label.with_params", title=title[0], params=name) for name in names]


def test_the_contour_legend_keeps_the_shared_title_once_the_paths_are_in(page: Page) -> None:
    # The legend moves to the corner the paths leave free at the end: its title must move with it.
    open_explorer(page, "lang=en&s=rnn_cliff&o=sgd;lr=0.5;clip=off&o=sgd;lr=0.5&clip=norm:1&n=100")
    assert page.locator(f"{tid('contour-legend')} .legendtitletext").all_text_contents() == ["GD"]
    assert legend_texts(page) == ["no clipping", "clip 1"]


def test_a_label_given_by_the_view_is_kept(page: Page) -> None:
    open_explorer(page, "lang=zh&s=quadratic&n=20&o=sgd;lr=0.1;label=my GD&o=adam;lr=0.1")
    assert legend_texts(page) == ["my GD", "Adam"]


def test_the_legend_is_in_an_embed_too(page: Page) -> None:
    open_explorer(page, f"lang=zh&{SADDLE}", path="/embed")
    names = legend_texts(page)
    assert len(names) == 6 and names[0] == "牛顿法", names
    # the legend is drawn where it hides the least: not over the start point
    box = page.locator(f"{tid('contour-legend')} .legend").bounding_box()
    start = page.evaluate(
        """() => { const el = document.querySelector('[data-testid="contour"]');
                   const s = el.layout.shapes[0]; const ax = el._fullLayout.xaxis, ay = el._fullLayout.yaxis;
                   const r = el.getBoundingClientRect();
                   return [r.left + ax._offset + ax.l2p(s.xanchor), r.top + ay._offset + ay.l2p(s.yanchor)]; }"""
    )
    inside = box["x"] <= start[0] <= box["x"] + box["width"] and box["y"] <= start[1] <= box["y"] + box["height"]
    assert not inside, (box, start)


def test_status_words_come_from_the_catalog(page: Page) -> None:
    open_explorer(page, f"lang=zh&{SADDLE}")
    column = t("zh", "explorer.table.status")
    rows = summary_rows(page)
    assert rows[0][column] == t("zh", "status.saddle") == "停在鞍点"  # Newton on the saddle: not a success
    assert rows[0][column] != t("zh", "status.minimum")
    assert rows[1][column] == t("zh", "status.unbounded")  # saddle-free Newton escapes toward −∞
    assert "outcome-diverging" not in rows[1]["class"]


def test_player_and_readout_in_chinese(page: Page) -> None:
    open_explorer(page, "lang=zh&s=quadratic&n=50")
    expect(page.locator(tid("readout"))).to_have_text(t("zh", "player.readout", step=50, max=50))
    assert page.locator(tid("play")).get_attribute("aria-label") == t("zh", "player.play")
    blur(page)
    page.keyboard.press("?")
    expect(page.locator(tid("key-help"))).to_contain_text(t("zh", "explorer.keys.play"))
    page.keyboard.press("x")
    expect(page.locator(tid("key-help"))).to_have_count(0)


def test_plotly_speaks_the_pages_language(page: Page) -> None:
    open_explorer(page, "lang=zh&s=quadratic&n=20")
    assert page.evaluate("document.querySelector('[data-testid=\"loss\"]')._context.locale") == "zh-CN"
    # The figures hide Plotly's mode bar; one shown with the pages' config speaks Chinese.
    titles = page.evaluate(
        """async () => {
            const { plotConfig } = await import("/static/js/plots/frame.js");
            const div = document.body.appendChild(document.createElement("div"));
            await Plotly.newPlot(div, [{y: [1, 2]}], {}, plotConfig({ displayModeBar: true }));
            const titles = [...div.querySelectorAll(".modebar-btn")].map((b) => b.getAttribute("data-title"));
            Plotly.purge(div);
            div.remove();
            return titles;
        }"""
    )
    assert t("zh", "plotly.Download plot as a PNG") in titles, titles
    assert t("zh", "plotly.Autoscale") in titles and "Autoscale" not in titles, titles


def test_csv_with_chinese_labels_opens_in_excel(page: Page) -> None:
    open_explorer(page, "lang=zh&s=quadratic&n=10&o=sgd;lr=0.1&o=sgd;lr=0.1;momentum=0.9")
    with page.expect_download() as info:
        page.locator(tid("export-csv")).click()
    data = open(info.value.path(), "rb").read()
    assert data[:3] == b"\xef\xbb\xbf"
    text = data.decode("utf-8-sig")
    labels = {line.split(",")[0] for line in text.splitlines()[1:]}
    assert labels == {'"梯度下降"', '"动量法"'}, labels
