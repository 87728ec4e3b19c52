"""A run's own settings on the explorer's optimizer cards: set in a card, written to the address, sent as the
API's per-run keys (absent: inherit, null: off), echoed by the runs, shown as badges even when the card's
"Own settings" are folded; the mini-batch rows of data surfaces; the page's URL grammar and request body
against their Python mirror (tests/scenes.py)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page, expect

from gdviz.api.i18n import t

from .. import scenes
from .test_explorer import open_explorer, query_of, settle, tid, traces
from .test_explorer_i18n import NAMES, api_identifiers, english_left

TWO_SGD = "s=quadratic&n=60&o=sgd;lr=0.1&o=sgd;lr=0.1&clip=norm:5&l2=0.1"


def catalog(server: str, kind: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{server}/api/{kind}") as response:
        return json.load(response)


def data_surface(server: str) -> str:
    names = [s["name"] for s in catalog(server, "surfaces") if s.get("kind") == "data"]
    assert "linear_regression" in names, names
    return "linear_regression"


def record_bodies(page: Page) -> list[dict[str, Any]]:
    """The bodies the page posts to /api/run/stream, in order."""
    bodies: list[dict[str, Any]] = []
    page.on("request", lambda r: bodies.append(r.post_data_json) if r.url.endswith("/api/run/stream") else None)
    return bodies


def unfold(page: Page, index: int) -> None:
    own = page.locator(tid(f"own-{index}"))
    if own.get_attribute("open") is None:
        own.locator("summary").click()


def badges(page: Page, index: int) -> list[str]:
    return page.locator(f"{tid(f'own-badges-{index}')} .badge").all_inner_texts()


def commit(page: Page, testid: str, value: str) -> None:
    field = page.locator(tid(testid))
    field.fill(value)
    field.press("Enter")


def entries(page: Page) -> list[str]:
    return query_of(page).get("o", [])


def wait_for_entries(page: Page, want: list[str]) -> None:
    page.wait_for_function(
        "want => JSON.stringify(new URLSearchParams(location.search).getAll('o')) === JSON.stringify(want)",
        arg=want,
        timeout=5000,
    )


def body_when(page: Page, bodies: list[dict[str, Any]], ok: Any) -> dict[str, Any]:
    """The latest posted body once it satisfies `ok` (a change re-runs the page after a 200 ms debounce)."""
    for _ in range(50):
        if bodies and ok(bodies[-1]):
            return bodies[-1]
        page.wait_for_timeout(100)
    raise AssertionError(f"no such request; the last: {bodies[-1] if bodies else None}")


def stream_start(server: str, body: dict[str, Any]) -> dict[str, Any]:
    """The first line of /api/run/stream for this body: each run's echoed settings."""
    request = urllib.request.Request(
        f"{server}/api/run/stream", data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.readline())


def test_own_settings_go_to_the_address_the_request_and_the_runs(page: Page, server: str) -> None:
    bodies = record_bodies(page)
    done = open_explorer(page, TWO_SGD)
    assert badges(page, 0) == badges(page, 1) == []  # nothing of their own yet
    unfold(page, 0)
    page.locator(tid("own-0-schedule")).select_option("cosine")
    page.locator(tid("own-0-clip")).select_option("max_norm")
    commit(page, "own-0-clip-limit", "1")
    page.locator(tid("own-0-noise")).select_option("own")
    commit(page, "own-0-noise-std", "0.2")
    page.locator(tid("own-0-regularization")).select_option("off")
    unfold(page, 1)
    page.locator(tid("own-1-clip")).select_option("")
    page.locator(tid("own-1-regularization")).select_option("own")
    commit(page, "own-1-l1", "0.3")
    commit(page, "own-1-l2", "0")
    done = settle(page, done)

    want = ["sgd;lr=0.1;sch=cosine;clip=norm:1;noise=0.2;reg=off", "sgd;lr=0.1;clip=off;reg=l1:0.3"]
    wait_for_entries(page, want)
    sent = bodies[-1]["optimizers"]
    assert sent[0] == {
        "name": "sgd",
        "params": {"lr": 0.1},
        "schedule": {"name": "cosine"},
        "clip": {"max_norm": 1},
        "noise": {"std": 0.2},
        "regularization": None,
    }
    assert sent[1] == {"name": "sgd", "params": {"lr": 0.1}, "clip": None, "regularization": {"l1": 0.3, "l2": 0}}
    assert bodies[-1]["clip"] == {"max_norm": 5} and bodies[-1]["regularization"] == {"l1": 0, "l2": 0.1}
    assert bodies[-1]["noise"] == {"std": 0, "seed": 0}  # a run's own noise draws from the request's sequence

    echoed = stream_start(server, bodies[-1])["runs"]
    assert echoed[0]["schedule"] == {"name": "cosine", "T_max": 60, "eta_min": 0}
    assert echoed[0]["clip"] == {"max_norm": 1} and echoed[0]["noise"]["std"] == 0.2
    assert echoed[0]["regularization"] == {"l1": 0, "l2": 0}
    assert echoed[1]["schedule"] == {"name": "constant"} and echoed[1]["clip"] is None
    assert echoed[1]["noise"]["std"] == 0 and echoed[1]["regularization"] == {"l1": 0.3, "l2": 0}
    # The runs did what their cards say: run 0's learning rate decays, run 1's stays.
    lr = traces(page, "lr")
    assert lr[0]["y"][0] == pytest.approx(0.1) and lr[0]["y"][-1] < 0.01
    assert set(lr[1]["y"]) == {0.1}

    en = lambda key, **p: t("en", key, **p)  # noqa: E731
    first = [en("cards.badge.schedule.cosine"), en("cards.badge.clip_norm", value=1),
             en("cards.badge.noise", value=0.2), en("cards.badge.no_penalty")]  # fmt: skip
    assert first == ["cosine", "clip 1", "noise σ 0.2", "no penalty"]
    assert badges(page, 0) == first
    assert badges(page, 1) == [en("cards.badge.no_clip"), en("cards.badge.l1", value=0.3)]

    sent_before = bodies[-1]
    page.reload()
    page.wait_for_function("() => window.__runs.set > 0 && document.body.hasAttribute('data-runs')")
    wait_for_entries(page, want)
    assert bodies[-1] == sent_before
    assert badges(page, 0) == first
    # the folded cards show their badges; unfolded, the controls show the restored values
    expect(page.locator(f"{tid('own-badges-0')} .badge").first).to_be_visible()
    assert page.locator(tid("own-0")).get_attribute("open") is None
    unfold(page, 0)
    assert page.locator(tid("own-0-schedule")).input_value() == "cosine"
    assert page.locator(tid("own-0-clip")).input_value() == "max_norm"
    assert page.locator(tid("own-0-clip-limit")).input_value() == "1"
    assert float(page.locator(tid("own-0-noise-std")).input_value()) == 0.2
    assert page.locator(tid("own-0-regularization")).input_value() == "off"


@pytest.mark.parametrize(
    ("setting", "own", "field", "body"),
    [
        ("noise", lambda p: commit(p, "own-0-noise-std", "0.5"), "noise=0.5", {"std": 0.5}),
        # a penalty of its own starts from the shared one (l2 = 0.1): here l1 0.3 and l2 0.2
        (
            "regularization",
            lambda p: (commit(p, "own-0-l1", "0.3"), commit(p, "own-0-l2", "0.2")),
            "reg=l1:0.3,l2:0.2",
            {"l1": 0.3, "l2": 0.2},
        ),
        ("clip", lambda p: commit(p, "own-0-clip-limit", "2"), "clip=value:2", {"value": 2}),
    ],
)
def test_inherit_off_and_a_value_round_trip(page: Page, setting: str, own: Any, field: str, body: Any) -> None:
    """Each mode of a setting reaches the address and the request, and inherit leaves no trace of it."""
    bodies = record_bodies(page)
    done = open_explorer(page, TWO_SGD)
    unfold(page, 0)
    menu = page.locator(tid(f"own-0-{setting}"))
    off = "" if setting == "clip" else "off"
    key = {"regularization": "reg"}.get(setting, setting)

    menu.select_option(off)
    done = settle(page, done)
    wait_for_entries(page, [f"sgd;lr=0.1;{key}=off", "sgd;lr=0.1"])
    assert bodies[-1]["optimizers"][0][setting] is None

    menu.select_option("value" if setting == "clip" else "own")
    own(page)
    done = settle(page, done)
    wait_for_entries(page, [f"sgd;lr=0.1;{field}", "sgd;lr=0.1"])
    assert bodies[-1]["optimizers"][0][setting] == body
    assert setting not in bodies[-1]["optimizers"][1]

    menu.select_option("inherit")
    done = settle(page, done)
    wait_for_entries(page, ["sgd;lr=0.1", "sgd;lr=0.1"])
    assert setting not in bodies[-1]["optimizers"][0]
    assert badges(page, 0) == []


def test_a_schedule_of_its_own_with_parameters(page: Page) -> None:
    bodies = record_bodies(page)
    done = open_explorer(page, TWO_SGD)
    unfold(page, 1)
    page.locator(tid("own-1-schedule")).select_option("step")
    page.locator(f"{tid('own-1')} input[aria-label='{t('en', 'explorer.param.gamma')}']").fill("0.5")
    page.locator(f"{tid('own-1')} input[aria-label='{t('en', 'explorer.param.gamma')}']").press("Enter")
    settle(page, done)
    wait_for_entries(page, ["sgd;lr=0.1", "sgd;lr=0.1;sch=step,gamma:0.5"])
    assert bodies[-1]["optimizers"][1]["schedule"] == {"name": "step", "gamma": 0.5}
    assert bodies[-1]["schedule"] == {"name": "constant"}
    assert badges(page, 1) == [t("en", "cards.badge.schedule.step")]
    lr = traces(page, "lr")  # StepLR: step_size = steps // 4 = 15, then halved
    assert lr[1]["y"][14] == pytest.approx(0.1) and lr[1]["y"][15] == pytest.approx(0.05)
    assert set(lr[0]["y"]) == {0.1}


def test_mini_batches_only_on_data_surfaces(page: Page, server: str) -> None:
    bodies = record_bodies(page)
    open_explorer(page, TWO_SGD)
    unfold(page, 0)
    assert page.locator(tid("batch-rows")).count() == 0 and page.locator(tid("own-0-batch")).count() == 0

    surface = data_surface(server)
    page.locator(tid("surface")).select_option(surface)
    expect(page.locator(tid("batch-rows"))).to_be_visible()
    commit(page, "batch-size", "10")
    page.locator(tid("batch-replace")).check()
    commit(page, "batch-seed", "3")
    unfold(page, 0)
    page.locator(tid("own-0-batch")).select_option("off")
    wait_for_entries(page, ["sgd;lr=0.1;bs=full", "sgd;lr=0.1"])
    query = query_of(page)
    assert (query["bs"], query["brep"], query["bseed"]) == (["10"], ["1"], ["3"])
    body = body_when(page, bodies, lambda b: "batch" in b["optimizers"][0])
    assert body["surface"]["name"] == surface
    assert body["batch"] == {"size": 10, "seed": 3, "replace": True} and body["include_batches"] is True
    assert body["optimizers"][0]["batch"] is None and "batch" not in body["optimizers"][1]
    echoed = stream_start(server, body)["runs"]
    assert [run["batch"] for run in echoed] == [None, {"size": 10, "seed": 3, "replace": True}]
    assert badges(page, 0)[-1] == t("en", "cards.badge.full_batch")

    page.locator(tid("own-0-batch")).select_option("own")
    commit(page, "own-0-batch-size", "5")
    page.wait_for_function(
        "() => new URLSearchParams(location.search).getAll('o')[0] === 'sgd;lr=0.1;bs=5,replace'", timeout=5000
    )
    assert badges(page, 0)[-1] == t("en", "cards.badge.batch_replace", size=5)

    # Another kind of surface keeps no batches, neither the shared nor a run's own.
    page.locator(tid("surface")).select_option("quadratic")
    expect(page.locator(tid("batch-rows"))).to_have_count(0)
    page.wait_for_function("() => !new URLSearchParams(location.search).has('bs')", timeout=5000)
    assert query_of(page)["o"] == ["sgd;lr=0.1", "sgd;lr=0.1"]
    body = body_when(page, bodies, lambda b: b["surface"]["name"] == "quadratic")
    assert "batch" not in body and all("batch" not in o for o in body["optimizers"])


def test_the_zh_cards_speak_chinese(page: Page, server: str) -> None:
    open_explorer(
        page, "lang=zh&s=quadratic&n=50&o=sgd;lr=0.1;sch=warmup_cosine;clip=value:1;noise=off&o=adam;lr=0.1;reg=l1:0.1"
    )
    for index in (0, 1):
        unfold(page, index)
    page.locator(tid("own-1-noise")).select_option("own")
    assert badges(page, 0) == [
        t("zh", "cards.badge.schedule.warmup_cosine"),
        t("zh", "cards.badge.clip_value", value=1),
        t("zh", "cards.badge.no_noise"),
    ]
    assert page.locator(f"{tid('own-0')} summary").inner_text().startswith("单独设置")
    left = english_left(page, NAMES | api_identifiers(server))
    assert not left, "English in the zh page:\n" + "\n".join(f"{w!r} in {k}: {text!r}" for w, k, text in left)


def test_the_zh_mini_batch_rows_speak_chinese(page: Page, server: str) -> None:
    open_explorer(page, f"lang=zh&s={data_surface(server)}&n=50&o=sgd;lr=0.1;bs=10&o=sgd;lr=0.1;bs=full&bs=20")
    for index in (0, 1):
        unfold(page, index)
    assert badges(page, 0) == [t("zh", "cards.badge.batch", size=10)]
    assert badges(page, 1) == [t("zh", "cards.badge.full_batch")]
    expect(page.locator(tid("batch-rows"))).to_be_visible()
    left = english_left(page, NAMES | api_identifiers(server))
    assert not left, "English in the zh page:\n" + "\n".join(f"{w!r} in {k}: {text!r}" for w, k, text in left)


MIRRORED = [
    "o=sgd;lr=0.1;sch=step,step_size:100,gamma:0.5;clip=norm:1;noise=0.5;reg=l1:0.1;bs=10,replace"
    "&o=adam;clip=off;noise=off;reg=off;bs=full&o=sgd;sch=cosine;reg=l2:0.01&s=linear_regression&bs=20&bseed=3&brep=1",
    "s=linear_regression&o=sgd;lr=0.1;bs=5&o=adam;lr=0.1&bseed=7",
    "s=linear_regression&o=sgd;lr=0.1;bs=full&o=adam&bs=8",
    "s=quadratic&o=sgd;lr=0.1;noise=0.2&o=sgd;reg=l1:0,l2:0.5;clip=value:2&seed=4&clip=norm:3",
    "s=himmelblau&o=sgd;lr=0.001;sch=cyclic,base_lr:0.0001,max_lr:0.001&n=200",
]


@pytest.mark.parametrize("query", MIRRORED)
def test_the_python_mirror_reads_and_writes_as_the_page(page: Page, query: str) -> None:
    """tests/scenes.py decodes scene queries for the deck tests: it must give the page's own request and
    write the page's own URL for the per-run settings and batches too (for a query that, as a scene's,
    gives no default value: the page leaves those out)."""
    # The server's origin, and no page around the module: it is pure.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.goto("/livez")
    page_side = page.evaluate(
        """async (query) => {
            const { decode, encode, runBody } = await import("/static/js/state.js");
            const state = decode(query);
            return { body: JSON.parse(JSON.stringify(runBody(state))), query: encode(state) };
        }""",
        query,
    )
    state = scenes.decode(query, scenes.EXPLORER_FIELDS, scenes.EXPLORER_DEFAULTS)
    assert scenes.run_body(state) == page_side["body"]
    assert scenes.canonical(query, scenes.EXPLORER_FIELDS) == page_side["query"]


class _Client:
    """The served catalog, as tests/scenes.py's catalog_from asks for it."""

    def __init__(self, server: str) -> None:
        self.server = server

    def get(self, path: str) -> Any:
        data = catalog(self.server, path.removeprefix("/api/"))
        return type("Answer", (), {"json": lambda _: data})()


@pytest.mark.parametrize(
    "query",
    [
        "s=quadratic&o=sgd;sch=cosinus",  # a run's unknown schedule
        "s=quadratic&o=sgd;sch=step,gama:0.5",  # its unknown parameter
        "s=quadratic&o=sgd;sch=step,",  # an empty parameter
        "s=quadratic&o=sgd;clip=max:1",  # unknown clip kind
        "s=quadratic&o=sgd;clip=norm:0",  # a zero clip
        "s=quadratic&o=sgd;clip=off;clip=norm:1",  # a setting twice
        "s=quadratic&o=sgd;noise=-1",  # a negative std
        "s=quadratic&o=sgd;noise=of",  # neither a number nor off
        "s=quadratic&o=sgd;reg=l3:1",  # no such penalty
        "s=quadratic&o=sgd;reg=l1:-1",
        "s=quadratic&o=sgd;reg=l1:1,l1:2",
        "s=quadratic&o=sgd;bs=10",  # mini-batches on a formula surface
        "s=quadratic&o=sgd&bs=10",
        "s=quadratic&o=sgd&brep=1",
        "s=linear_regression&o=sgd;bs=0",
        "s=linear_regression&o=sgd;bs=10,repl",
        "s=linear_regression&o=sgd;bs=off",  # the batch's off is "full"
        "s=linear_regression&o=sgd&bs=2.5",
        "s=linear_regression&o=sgd&bseed=-1",
    ],
)
def test_the_strict_grammar_refuses_the_settings_the_page_would_drop(server: str, query: str) -> None:
    with pytest.raises(scenes.SceneError):
        scenes.scene_request({"page": "surfaces", "query": query}, scenes.catalog_from(_Client(server)))


def test_the_strict_grammar_takes_a_scene_with_settings_of_its_own(server: str) -> None:
    query = "s=linear_regression&o=sgd;lr=0.1;sch=cosine;bs=10&o=sgd;lr=0.1;clip=norm:1;reg=off;bs=full&bs=20&bseed=2"
    path, body = scenes.scene_request({"page": "surfaces", "query": query}, scenes.catalog_from(_Client(server)))
    assert path == "/api/run"
    assert body["optimizers"] == [
        {"name": "sgd", "params": {"lr": 0.1}, "schedule": {"name": "cosine"}, "batch": {"size": 10, "replace": False}},
        {"name": "sgd", "params": {"lr": 0.1}, "clip": {"max_norm": 1}, "regularization": None, "batch": None},
    ]
    assert body["batch"] == {"size": 20, "seed": 2, "replace": False} and body["include_batches"] is True
