"""?lang= on the catalog endpoints: zh answers Chinese titles and descriptions, and nothing else changes."""

from __future__ import annotations

import pytest

from gdviz.api.i18n import catalog
from gdviz.engine.nn.datasets import DATASETS
from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.engine.schedules import SCHEDULES
from gdviz.engine.surfaces import SURFACES
from tests.test_messages import has_cjk, same_in_both

# path -> (entity kind, its text fields, the engine's registry)
ENDPOINTS = {
    "/api/surfaces": ("surfaces", ("title", "description"), SURFACES),
    "/api/optimizers": ("optimizers", ("title", "update"), OPTIMIZERS),
    "/api/schedules": ("schedules", ("title", "formula"), SCHEDULES),
    "/api/datasets": ("datasets", ("title", "description"), DATASETS),
}


def texts(kind: str, fields: tuple[str, ...], items: list[dict]) -> dict[str, str]:
    """Every translatable text of an answer, by its entity key."""
    found: dict[str, str] = {}
    for item in items:
        found |= {f"entity.{kind}.{item['name']}.{field}": item[field] for field in fields}
        if isinstance(item.get("params"), list):  # a surface's params are its values, not described
            found |= {
                f"entity.{kind}.{item['name']}.params.{p['name']}.description": p["description"] for p in item["params"]
            }
    return found


def without_texts(fields: tuple[str, ...], items: list[dict]) -> list[dict]:
    """An answer with its translatable texts taken out: what must not depend on the language."""
    kept = []
    for item in items:
        rest = {key: value for key, value in item.items() if key not in fields}
        if isinstance(rest.get("params"), list):
            rest["params"] = [{key: value for key, value in p.items() if key != "description"} for p in rest["params"]]
        kept.append(rest)
    return kept


@pytest.mark.parametrize("path", ENDPOINTS)
def test_zh_changes_only_the_texts(client, path: str) -> None:
    _, fields, registry = ENDPOINTS[path]
    en, zh = client.get(path).json(), client.get(path, params={"lang": "zh"}).json()
    assert [item["name"] for item in zh] == [item["name"] for item in en] == list(registry)
    assert [set(item) for item in zh] == [set(item) for item in en]
    assert without_texts(fields, zh) == without_texts(fields, en)
    assert zh != en


@pytest.mark.parametrize("path", ENDPOINTS)
def test_zh_texts_are_chinese_and_come_from_the_zh_catalog(client, path: str) -> None:
    kind, fields, _ = ENDPOINTS[path]
    en = texts(kind, fields, client.get(path).json())
    zh = texts(kind, fields, client.get(path, params={"lang": "zh"}).json())
    assert zh.keys() == en.keys()
    for key, text in zh.items():
        if not en[key]:  # no English description: nothing to translate
            assert text == "", key
        elif same_in_both(key):
            assert text == en[key], key
        else:
            assert has_cjk(text) and text != en[key], (key, text)
            assert text == catalog("zh")[key]
    assert sum(has_cjk(text) for text in zh.values()) >= len(zh) // 2


@pytest.mark.parametrize("path", ["/api/surfaces", "/api/datasets"])
def test_every_description_is_chinese_in_zh(client, path: str) -> None:
    for item in client.get(path, params={"lang": "zh"}).json():
        assert has_cjk(item["description"]), (item["name"], item["description"])


@pytest.mark.parametrize("path", ENDPOINTS)
def test_en_is_the_default_and_the_engines_own_text(client, path: str) -> None:
    _, fields, registry = ENDPOINTS[path]
    default = client.get(path).json()
    assert client.get(path, params={"lang": "en"}).json() == default
    for item in default:
        assert all(item[field] == getattr(registry[item["name"]], field) for field in fields), item["name"]
        assert not any(has_cjk(item[field]) for field in fields)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("lang", ["fr", "", "ZH-TW", "zh;q=1", "x" * 300])
def test_an_unknown_language_is_english(client, path: str, lang: str) -> None:
    answer = client.get(path, params={"lang": lang})
    assert answer.status_code == 200
    assert answer.json() == client.get(path).json()


def test_datasets_have_a_title_and_a_description_in_both_languages(client) -> None:
    for lang in ("en", "zh"):
        answer = client.get("/api/datasets", params={"lang": lang}).json()
        assert {d["name"]: d["task"] for d in answer} == {name: d.task for name, d in DATASETS.items()}
        for d in answer:
            assert set(d) == {"name", "task", "title", "description"}
            assert d["title"].strip() and len(d["description"]) > len(d["title"]), d
    spiral = {d["name"]: d for d in client.get("/api/datasets", params={"lang": "zh"}).json()}["spiral"]
    assert spiral["title"] == "螺旋" and "螺旋" in spiral["description"]


def test_a_name_stays_a_name_and_a_method_becomes_its_chinese_word(client) -> None:
    optimizers = {o["name"]: o for o in client.get("/api/optimizers", params={"lang": "zh"}).json()}
    assert optimizers["adam"]["title"] == "Adam" and optimizers["rmsprop"]["title"] == "RMSProp"
    assert optimizers["newton"]["title"] == "牛顿法"
    assert optimizers["sgd"]["params"][0]["description"] == "学习率"
    surfaces = {s["name"]: s for s in client.get("/api/surfaces", params={"lang": "zh"}).json()}
    assert surfaces["rosenbrock"]["title"] == "Rosenbrock" and "(a, a²)" in surfaces["rosenbrock"]["description"]
    assert "鞍点" in surfaces["saddle"]["description"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_lang_is_documented_in_the_openapi(client, path: str) -> None:
    operation = client.get("/openapi.json").json()["paths"][path]["get"]
    (lang,) = [p for p in operation["parameters"] if p["name"] == "lang"]
    assert lang["in"] == "query" and not lang.get("required", False)
    assert "zh" in lang["description"] and "en" in lang["description"]
