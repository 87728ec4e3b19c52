"""GET /api/decks and /api/decks/{id}; the built-in deck `course`: its outline, both languages, and
scene queries that decode, strictly, to a request the API takes (tests/scenes.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gdviz.api.decks import DECK_DIR, DECKS, load_decks
from gdviz.api.models.backprop import BackpropRequest
from gdviz.api.models.runs import RunRequest
from gdviz.api.models.surface_sweep import SurfaceSweepRequest
from gdviz.api.models.train import TrainRequest
from tests.scenes import (
    EXPLORER_FIELDS,
    NETWORK_FIELDS,
    PAGES,
    SWEEP_FIELDS,
    SWEEP_SHARED,
    SceneError,
    canonical,
    catalog_from,
    fields_of,
    js_number,
    scene_request,
)

REPO = Path(__file__).resolve().parents[2]
COURSE = json.loads((DECK_DIR / "course.json").read_text(encoding="utf-8"))
SCENES = COURSE["scenes"]
SECTIONS = range(1, 13)
SEVERAL = {3, 6, 9}  # the sections the outline gives several scenes
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def catalog(client):
    return catalog_from(client)


def texts(scene: dict[str, Any], lang: str) -> list[str]:
    """Everything a reader of that language sees of a scene."""
    return [scene["title"][lang], scene["narration"][lang], *scene["notice"][lang], *scene["try"][lang]]


# ---- the endpoints


def test_list_names_each_built_in_deck_with_its_title_and_scene_count(client):
    listed = client.get("/api/decks").json()
    assert listed == [
        {"id": deck.id, "title": deck.title.model_dump(), "scenes": len(deck.scenes)} for deck in DECKS.values()
    ]
    course = next(d for d in listed if d["id"] == "course")
    assert course["scenes"] == len(SCENES) and course["title"] == COURSE["title"]
    assert course["title"]["en"] and HAN.search(course["title"]["zh"])


def test_one_deck_is_answered_whole_as_its_file_holds_it(client):
    answer = client.get("/api/decks/course")
    assert answer.status_code == 200
    assert answer.json() == COURSE  # every field, `try` under its own name


def test_an_unknown_deck_is_a_404_in_the_one_refusal_shape(client):
    answer = client.get("/api/decks/no-such-deck")
    assert answer.status_code == 404
    (detail,) = answer.json()["detail"]
    assert detail == {
        "loc": ["path", "deck_id"],
        "msg": "path.deck_id: no built-in deck 'no-such-deck'",
        "type": "not_found",
    }


def test_the_deck_endpoints_are_documented(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/decks" in paths
    assert "404" in paths["/api/decks/{deck_id}"]["get"]["responses"]


# ---- loading: a bad deck file stops the app


def _deck(**scene_changes: Any) -> dict[str, Any]:
    scene = json.loads(json.dumps(SCENES[0]))
    scene.update(scene_changes)
    return {"id": "bad", "title": {"en": "Bad", "zh": "坏"}, "scenes": [scene]}


@pytest.mark.parametrize(
    "deck",
    [
        _deck(query="s=saddle&o=sgd%3Blr%3D0.1%3Blabel%3DGD"),
        _deck(query="s=saddle&lang=zh"),
        _deck(query="s=saddle&theme=projector"),
        _deck(query="?s=saddle"),
        _deck(narration={"en": "Only English."}),
        _deck(notice={"en": ["one", "two"], "zh": ["一"]}),
        _deck(title={"en": "T", "zh": ""}),
        _deck(autoplay="yes"),
        _deck(section=0),
        _deck(id="Not A Slug"),
        _deck(extra="field"),
        {"id": "bad", "title": {"en": "Bad", "zh": "坏"}, "scenes": [SCENES[0], SCENES[0]]},
        {"id": "bad", "title": {"en": "Bad", "zh": "坏"}, "scenes": []},
    ],
    ids=[
        "label",
        "lang",
        "theme",
        "leading-?",
        "one-language",
        "unpaired-lines",
        "empty-text",
        "autoplay-string",
        "section-0",
        "bad-id",
        "unknown-field",
        "repeated-scene",
        "no-scenes",
    ],
)
def test_a_bad_deck_file_fails_to_load(tmp_path, deck):
    (tmp_path / "bad.json").write_text(json.dumps(deck, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError):
        load_decks(tmp_path)


def test_a_deck_whose_id_is_not_its_file_name_fails_to_load(tmp_path):
    (tmp_path / "other.json").write_text(json.dumps(_deck(), ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="not its file name"):
        load_decks(tmp_path)
    (tmp_path / "other.json").rename(tmp_path / "bad.json")
    assert list(load_decks(tmp_path)) == ["bad"]


# ---- the course outline


def test_every_section_of_the_course_has_scenes_in_order():
    sections = [scene["section"] for scene in SCENES]
    assert sections == sorted(sections)
    for section in SECTIONS:
        count = sections.count(section)
        assert count >= (3 if section in SEVERAL else 1), f"section {section} has {count} scenes"
    assert set(sections) == set(SECTIONS)


def test_scenes_have_every_field_in_both_languages():
    assert len({scene["id"] for scene in SCENES}) == len(SCENES)
    for scene in SCENES:
        assert set(scene) == {"id", "section", "title", "page", "query", "narration", "notice", "try", "autoplay"}
        assert scene["page"] in PAGES and isinstance(scene["autoplay"], bool)
        for field in ("title", "narration"):
            assert set(scene[field]) == {"en", "zh"} and all(scene[field].values()), (scene["id"], field)
        for field in ("notice", "try"):
            assert set(scene[field]) == {"en", "zh"}, (scene["id"], field)
            assert len(scene[field]["en"]) == len(scene[field]["zh"]) >= 1, (scene["id"], field)


def test_queries_hold_state_only():
    for scene in SCENES:
        keys = re.findall(r"(?:^|&)([^=&]+)=", scene["query"])
        assert not {"lang", "theme"} & set(keys), scene["id"]
        assert "label%3D" not in scene["query"] and "label=" not in scene["query"], scene["id"]


# ---- the two languages


def test_zh_is_chinese_and_en_is_not():
    for scene in SCENES:
        for text in texts(scene, "zh"):
            assert HAN.search(text), (scene["id"], text)
        for text in texts(scene, "en"):
            assert not HAN.search(text), (scene["id"], text)


def _sentences(text: str, lang: str) -> int:
    return len(re.findall(r"[。！？]", text)) if lang == "zh" else len(re.findall(r"[.!?](?=\s|$)", text))


def test_narration_is_two_to_four_sentences():
    for scene in SCENES:
        for lang in ("en", "zh"):
            assert 2 <= _sentences(scene["narration"][lang], lang) <= 4, (scene["id"], lang)


NUMBER = re.compile(r"\d+(?:\.\d+)?")


def test_en_and_zh_state_the_same_numbers():
    """The two languages say the same facts: every number of a text appears in its counterpart."""
    for scene in SCENES:
        pairs = [(scene[f]["en"], scene[f]["zh"]) for f in ("title", "narration")]
        pairs += [pair for f in ("notice", "try") for pair in zip(scene[f]["en"], scene[f]["zh"], strict=True)]
        for en, zh in pairs:
            assert set(NUMBER.findall(en)) == set(NUMBER.findall(zh)), (scene["id"], en, zh)


# Where the English names a concept, the Chinese uses the glossary's word for it (the words of the
# Chinese edition of Dive into Deep Learning).
GLOSSARY = [
    (r"learning rate", "学习率"),
    (r"gradient descent", "梯度下降"),
    (r"\bSGD\b(?!\()|stochastic gradient descent", "随机梯度下降"),
    (r"mini-batch", "小批量"),
    (r"batch size", "批量大小"),
    (r"momentum", "动量"),
    (r"Nesterov", "Nesterov动量"),
    (r"leaky average", "泄漏平均值"),
    (r"condition number", "条件数"),
    (r"ill-conditioned", "条件不佳"),
    (r"bias correction", "偏差校正"),
    (r"preconditioning", "预处理"),
    (r"Newton", "牛顿法"),
    (r"Hessian", "黑塞矩阵"),
    (r"eigenvalue", "特征值"),
    (r"saddle", "鞍点"),
    (r"global minimum", "全局最小值"),
    (r"vanishing", "梯度消失"),
    (r"exploding", "梯度爆炸"),
    (r"clip", "梯度裁剪"),
    (r"gradient norm", "梯度范数"),
    (r"normali[sz]ation", "规范化"),
    (r"forward pass", "前向传播"),
    (r"backward pass|backprop", "反向传播"),
    (r"chain rule", "链式法则"),
    (r"mean squared error", "均方误差"),
    (r"squared loss", "平方损失"),
    (r"linear regression", "线性回归"),
    (r"\bweights?\b", "权重"),
    (r"\bbias(es)?\b(?! correction)", "偏置"),
    (r"activation function", "激活函数"),
    (r"He initialization", "He初始化"),
    (r"Xavier initialization", "Xavier初始化"),
    (r"\bdiverge", "发散"),
    (r"\bconverge", "收敛"),
    (r"optimizer", "优化器"),
    (r"decision boundary", "决策边界"),
    (r"accuracy", "准确率"),
    (r"warm-up", "预热"),
    (r"cyclical", "周期性学习率"),
    (r"exponential decay", "指数衰减"),
    (r"cosine schedule", "余弦调度器"),
    (r"learning-rate schedule", "学习率调度"),
    (r"\bloss\b", "损失"),
    (r"gradient", "梯度"),
    (r"minimum", "最小值"),
    (r"\bsteps?\b", "步"),
]
# Words other books use for the same things; the glossary chose otherwise.
NOT_GLOSSARY = ["海森", "海塞", "归一化", "学习速率", "批大小", "小批次", "剪裁"]


def test_zh_uses_the_glossary_terms_where_the_concept_appears():
    for scene in SCENES:
        en, zh = " ".join(texts(scene, "en")), " ".join(texts(scene, "zh"))
        for pattern, term in GLOSSARY:
            if re.search(pattern, en, flags=re.IGNORECASE):
                assert term in zh, f"{scene['id']}: the English says {pattern!r}, the Chinese lacks {term}"
        for word in NOT_GLOSSARY:
            assert word not in zh, (scene["id"], word)


def test_chinese_sentences_use_full_width_punctuation():
    ascii_touching_han = re.compile(r"[\u4e00-\u9fff][,.;:!?()]|[,.;:!?()][\u4e00-\u9fff]")
    for scene in SCENES:
        for text in texts(scene, "zh"):
            assert not ascii_touching_han.search(text), (scene["id"], text)
            assert text.rstrip()[-1] in "。！？）" or text == scene["title"]["zh"], (scene["id"], text)


# ---- every query decodes, strictly, to a request the API takes


@pytest.mark.parametrize("scene", SCENES, ids=[s["id"] for s in SCENES])
def test_the_query_decodes_fully_to_a_valid_request(scene, catalog):
    path, body = scene_request(scene, catalog)  # raises SceneError on anything the page would drop
    requests = {"surfaces": ("/api/run", RunRequest), "network": ("/api/train", TrainRequest),
                "backprop": ("/api/backprop", BackpropRequest),
                "sweep": ("/api/sweep", SurfaceSweepRequest)}  # fmt: skip
    assert path == requests[scene["page"]][0]
    for one in body if isinstance(body, list) else [body]:  # a sweep scene asks one map per optimizer
        requests[scene["page"]][1].model_validate(one)
    # written the way the page writes its own URL, so the address bar shows exactly the scene's query
    assert canonical(scene["query"], fields_of(scene["page"])) == scene["query"]


def test_explorer_scenes_name_their_optimizers_and_steps():
    """The explorer's defaults (three optimizers on Rosenbrock) are not a scene's business to inherit."""
    for scene in SCENES:
        if scene["page"] == "surfaces":
            keys = re.findall(r"(?:^|&)([^=&]+)=", scene["query"])
            assert {"s", "o", "n"} <= set(keys), scene["id"]


# ---- the strict grammar itself


GOOD = "s=custom&f=0.1*x**2+%2B+2*y**2&start=-5%2C-2&o=sgd%3Blr%3D0.6%3Bmomentum%3D0.5&n=20&speed=0.2"


def test_the_strict_grammar_reads_a_query_as_the_page_does(catalog):
    path, body = scene_request({"page": "surfaces", "query": GOOD}, catalog)
    assert path == "/api/run"
    assert body == {
        "surface": {"expression": "0.1*x**2 + 2*y**2"},
        "steps": 20,
        "every": 1,
        "tol": 0,
        "optimizers": [{"name": "sgd", "params": {"lr": 0.6, "momentum": 0.5}}],
        "schedule": {"name": "constant"},
        "start": [-5, -2],
    }
    path, body = scene_request(
        {"page": "network", "query": "ds=moons&h=3&o=sgd%3Blr%3D0.5&n=500&bs=10&clip=norm%3A1&sch=cosine"}, catalog
    )
    assert path == "/api/train"
    assert body["dataset"] == {"name": "moons", "n": 200, "noise": 0.05, "seed": 0}
    assert body["model"] == {"hidden": [3], "activation": "tanh", "init": "xavier", "init_scale": 1, "seed": 0}
    assert body["optimizer"] == {"name": "sgd", "params": {"lr": 0.5}}
    assert (body["steps"], body["batch_size"], body["record_every"]) == (500, 10, 10)
    assert body["clip"] == {"max_norm": 1} and body["schedule"] == {"name": "cosine"}


def test_a_backprop_scene_asks_for_its_network_and_sample(catalog):
    query = "h=2%2C4&act=relu&task=regression&init=he&x=0.7%2C-1.2&y=2.5&seed=3&lr=0.5&k=0"
    path, body = scene_request({"page": "backprop", "query": query}, catalog)
    assert path == "/api/backprop"
    assert body == {
        "model": {"hidden": [2, 4], "activation": "relu", "init": "he", "seed": 3},
        "task": "regression",
        "sample": {"x": [0.7, -1.2], "y": 2.5},
        "optimizer": {"name": "sgd", "params": {"lr": 0.5}},
    }


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("surfaces", "s=custom&f=x**2&o=sgd%3Blr%3D0.1&stpes=20"),  # unknown key
        ("surfaces", "s=rosenbrok&o=sgd%3Blr%3D0.1"),  # unknown surface
        ("surfaces", "s=rosenbrock&sp=c%3A1&o=sgd"),  # unknown surface parameter
        ("surfaces", "s=custom&sp=a%3A1&o=sgd"),  # sp with a formula
        ("surfaces", "s=saddle&f=x**2&o=sgd"),  # f without s=custom
        ("surfaces", "s=saddle&o=sgdd%3Blr%3D0.1"),  # unknown optimizer
        ("surfaces", "s=saddle&o=sgd%3Blr%3D0.1%3Bmomentun%3D0.9"),  # unknown hyperparameter
        ("surfaces", "s=saddle&o=sgd%3Bnesterov%3D1"),  # a number for a boolean
        ("surfaces", "s=saddle&o=adam%3Bbetas%3D0.9"),  # one number for betas
        ("surfaces", "s=saddle&o=sgd%3Blr%3D0.1%3Blabel%3DGD"),  # a label
        ("surfaces", "s=saddle&o=sgd%3Blr%3D0.1%3Blr%3D0.2"),  # a hyperparameter twice
        ("surfaces", "s=saddle&o=sgd%3Blr%3Dfast"),  # not a number
        ("surfaces", "s=saddle&o=sgd&n=20.5"),  # not an integer
        ("surfaces", "s=saddle&o=sgd&n=0"),  # out of range
        ("surfaces", "s=saddle&o=sgd&n=20&n=30"),  # a key twice: the page reads the first
        ("surfaces", "s=saddle&o=sgd&start=1%2C2%2C3"),  # not a pair
        ("surfaces", "s=saddle&o=sgd&sch=cosinus"),  # unknown schedule
        ("surfaces", "s=saddle&o=sgd&sch=step%3Bgama%3D0.5"),  # unknown schedule parameter
        ("surfaces", "s=saddle&o=sgd&clip=norm%3A0"),  # a zero clip
        ("surfaces", "s=saddle&o=sgd&clip=max%3A1"),  # unknown clip kind
        ("surfaces", "s=saddle&o=sgd&3d=true"),  # booleans are 1 or 0
        ("surfaces", "s=saddle&o=sgd&lang=zh"),  # not state
        ("surfaces", "?s=saddle&o=sgd"),  # a leading ?
        ("surfaces", "s=saddle&o=sgd&n=0x14"),  # JavaScript reads it, a scene should not
        ("surfaces", "s=saddle" + "&o=sgd" * 17),  # more optimizers than the page keeps
        ("network", "ds=moon"),  # unknown dataset
        ("network", "act=softplus"),  # unknown activation
        ("network", "init=glorot"),  # unknown init
        ("network", "land=pcaa"),  # unknown landscape
        ("network", "h=8%2C8%2C8%2C8%2C8%2C8%2C8%2C8%2C8"),  # more layers than the page takes
        ("network", "h=0"),  # empty layer
        ("network", "o=adam%3Blr%3D0.1" + "&o=sgd" * 8),  # more runs than the race keeps
        ("network", "o=adam%3Blr%3D0.1&o=sgd&run=2"),  # a run the race does not have
        ("network", "panel=weights"),  # not a panel
        ("network", "sharp=true"),  # booleans are 1 or 0
        ("network", "bs=0"),
        ("network", "noise=6"),
        ("network", "drop=1"),
        ("backprop", "h=3%2C2&act=tanh&x=0.5%2C-0.5&y=1&seed=0&lr=0.1&k=7&n=3"),  # unknown key
        ("backprop", "h=3%2C2&act=gelu&x=0.5%2C-0.5&y=1&seed=0&lr=0.1&k=7"),  # an activation the page does not offer
        ("backprop", "h=3%2C2&act=tanh&x=0.5%2C-0.5&y=1&seed=0&lr=0.1&k=7&task=classify"),  # unknown task
        ("backprop", "h=3%2C2&act=tanh&x=0.5%2C-0.5&y=1&seed=0&lr=0.1&k=7&task=classification"),  # default
        ("backprop", "h=3%2C2&act=tanh&x=0.5%2C-0.5&y=1&seed=0&lr=0.1&k=7&init=glorot"),  # unknown init
        ("backprop", "h=5&act=tanh&x=0.5%2C-0.5&y=1&seed=0&lr=0.1&k=7"),  # more units than the page takes
        ("backprop", "h=2%2C2%2C2%2C2&act=tanh&x=0.5%2C-0.5&y=1&seed=0&lr=0.1&k=7"),  # more layers than the page takes
        ("backprop", "h=3%2C2&act=tanh&x=0.5&y=1&seed=0&lr=0.1&k=7"),  # not a pair
        ("backprop", "h=3%2C2&act=tanh&x=0.5%2C-0.5&y=0.5&seed=0&lr=0.1&k=7"),  # not a label
        ("backprop", "h=3%2C2&act=tanh&x=0.5%2C-0.5&y=1&seed=1.5&lr=0.1&k=7"),  # not an integer
        ("backprop", "h=3%2C2&act=tanh&x=0.5%2C-0.5&y=1&seed=0&lr=0.1&k=20"),  # past the last of the 20 steps
        ("backprop", "h=3%2C2&act=tanh&x=0.5%2C-0.5&y=1&seed=0&k=7"),  # the page writes lr in its address
        ("backprop", "h=3%2C2&act=tanh&x=0.5%2C-0.5&y=1&seed=0&lr=0.1&opt=adam&k=21"),  # Adam's walk has 21 steps
        ("map", "s=saddle"),  # a page without a known grammar
    ],
)
def test_the_strict_grammar_refuses_what_the_page_would_drop(page, query, catalog):
    with pytest.raises(SceneError):
        scene_request({"page": page, "query": query}, catalog)


def test_canonical_form_is_the_pages_own():
    messy = "n=20&o=sgd;lr=0.10&s=custom&start=-5.0,-2&f=x**2 %2B 2*y**2"  # a bare + would be a space
    assert canonical(messy, EXPLORER_FIELDS) == "s=custom&f=x**2+%2B+2*y**2&start=-5%2C-2&o=sgd%3Blr%3D0.1&n=20"
    assert canonical("o=sgd;nesterov=true;momentum=0.9&h=8,8", NETWORK_FIELDS) == (
        "h=8%2C8&o=sgd%3Bnesterov%3Dtrue%3Bmomentum%3D0.9"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (20.0, "20"),
        (0.1, "0.1"),
        (-5.0, "-5"),
        (1e-7, "1e-7"),
        (1e-6, "0.000001"),
        (1e21, "1e+21"),
        (2.5e-4, "0.00025"),
    ],
)
def test_numbers_are_written_as_javascript_writes_them(value, text):
    assert js_number(value) == text


@pytest.mark.parametrize(
    ("source", "fields"),
    [
        ("static/js/state.js", EXPLORER_FIELDS),
        ("static/js/network/state.js", NETWORK_FIELDS),
        ("static/js/sweep/state.js", SWEEP_FIELDS[len(SWEEP_SHARED) :]),
    ],
)
def test_the_mirror_has_the_pages_fields_in_their_order(source, fields):
    """A field added to a page's table must be added to the mirror too, or scenes could not use it."""
    in_js = re.findall(r'\{ key: "([^"]+)", path: "([^"]+)"', (REPO / source).read_text(encoding="utf-8"))
    assert in_js == [(key, path) for key, path, _, _ in fields]


@pytest.mark.parametrize("scene", [s for s in SCENES if s["page"] == "surfaces"], ids=lambda s: s["id"])
def test_the_start_is_on_the_plot(scene, catalog, client):
    """Every surface scene starts inside the box its page plots: a path is never half off the picture."""
    path, body = scene_request(scene, catalog)
    answer = client.post(path, json=body).json()
    domain = answer["surface"]["domain"]
    for run in answer["runs"]:
        x, y = run["x"][0], run["y"][0]
        assert domain["x"][0] < x < domain["x"][1] and domain["y"][0] < y < domain["y"][1], (scene["id"], x, y, domain)
