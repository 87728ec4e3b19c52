"""The message catalogs in app/messages: en and zh hold the same keys with the same placeholders, each key
once; zh translates every text of the catalog entities the engine serves, and speaks the glossary's words."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatch
from functools import cache

import pytest

from gdviz.api.i18n import LANGS, ROOT
from gdviz.engine.nn.datasets import DATASETS
from gdviz.engine.optimizers import OPTIMIZERS
from gdviz.engine.schedules import SCHEDULES
from gdviz.engine.surfaces import SURFACES

ENTITY = "entity."
ENTITY_ROOM = "catalog.json"

# zh texts with no Chinese in them: names, formulas, numbers. Exact keys or fnmatch patterns. Every other zh
# text has Chinese characters (a text whose only letters sit in placeholders is exempt); a listed entity
# text is the engine's English, unchanged.
SAME_IN_BOTH = frozenset(
    {
        "header.api",
        "why.col.l1",  # λ₁, λ₂, κ, 2/λ₂: formula headers, the same in both languages
        "why.col.l2",
        "why.col.kappa",
        "why.col.edge",
        "network.activation.tanh",
        "network.activation.relu",
        "network.activation.sigmoid",
        "network.activation.leaky_relu",
        "network.l2",
        "network.hover.sample",
        # surfaces named after people
        "entity.surfaces.rosenbrock.title",
        "entity.surfaces.beale.title",
        "entity.surfaces.himmelblau.title",
        "entity.surfaces.booth.title",
        "entity.surfaces.goldstein_price.title",
        "entity.surfaces.rastrigin.title",
        "entity.surfaces.ackley.title",
        # optimizers whose names are names
        "entity.optimizers.adagrad.title",
        "entity.optimizers.rmsprop.title",
        "entity.optimizers.adam.title",
        "entity.optimizers.adamw.title",
        "entity.optimizers.adamax.title",
        "entity.optimizers.nadam.title",
        "entity.optimizers.radam.title",
        "entity.optimizers.adadelta.title",
        "entity.optimizers.lion.title",
        # update rules and descriptions that are formulas only
        "entity.optimizers.adagrad.update",
        "entity.optimizers.adagrad.params.lr_decay.description",
        "entity.optimizers.adam.update",
        "entity.optimizers.adamax.update",
        "entity.optimizers.adadelta.update",
        "entity.optimizers.saddle_free_newton.update",
        "entity.optimizers.lion.update",
        "entity.optimizers.*.params.betas.description",
        "entity.schedules.constant.formula",
        "entity.schedules.step.formula",
        "entity.schedules.exponential.formula",
        "entity.schedules.cosine.formula",
    }
)

# Variants the glossary rules out, each with the word to use instead.
FORBIDDEN = (
    ("学习速率", "学习率"),
    ("批次", "批量"),
    ("批大小", "批量大小"),
    ("鞍部", "鞍点"),
    ("马鞍点", "鞍点"),
    ("海森", "黑塞矩阵"),
    ("海塞", "黑塞矩阵"),
    ("海瑟", "黑塞矩阵"),
    ("冲量", "动量"),
    ("超参(?!数)", "超参数"),
    ("极小值", "最小值"),
    ("极小点", "最小值"),
    ("代价函数", "损失函数"),
    ("权值", "权重"),
    ("偏置校正", "偏差校正"),
    ("偏差修正", "偏差校正"),
    ("病态", "条件不佳"),
    ("热身", "预热"),
    ("余弦退火", "余弦调度器"),
    ("循环学习率", "周期性学习率"),
    ("线性搜索", "线搜索"),
    ("梯度剪裁", "梯度裁剪"),
    ("梯度截断", "梯度裁剪"),
    ("随机失活", "暂退法"),
    ("丢弃法", "暂退法"),
    ("批量?归一化", "批量规范化"),
    ("层归一化", "层规范化"),
    ("准确度", "准确率"),
    ("激励函数", "激活函数"),
    ("逻辑斯[蒂谛]", "逻辑回归"),
    ("本征值", "特征值"),
    ("吸引盆", "吸引域"),
    ("尖锐度", "锐度"),
    ("稳定边缘", "稳定性边缘"),
    ("后向传播", "反向传播"),
    ("牛顿方法", "牛顿法"),
    ("泄露平均", "泄漏平均值"),
    ("纪元", "轮"),
    ("Nesterov 动量", "Nesterov动量"),
    ("(Xavier|He) 初始化", "Xavier初始化 / He初始化"),
)

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
LETTER = re.compile(r"[^\W\d_]")
# A half-width , . : ; ? ! ( right after a Chinese character, or , : ; ? ! right before one.
HALF_WIDTH = re.compile(r"[\u4e00-\u9fff][,.:;?!(]|[,:;?!][\u4e00-\u9fff]")


def _refuse_duplicates(pairs: list[tuple[str, str]]) -> dict[str, str]:
    keys = [key for key, _ in pairs]
    twice = {key for key in keys if keys.count(key) > 1}
    assert not twice, f"defined twice in one file: {sorted(twice)}"
    return dict(pairs)


@cache
def rooms(lang: str) -> dict[str, dict[str, str]]:
    """Each file of a language, by file name, read so that a key written twice in one file is an error."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_refuse_duplicates)
        for path in sorted((ROOT / lang).glob("*.json"))
    }


@cache
def merged(lang: str) -> dict[str, str]:
    return {key: text for room in rooms(lang).values() for key, text in room.items()}


@cache
def served_entity_texts() -> dict[str, str]:
    """Every text of a catalog entity the engine serves, by its `entity.*` key, in the engine's English.
    An empty English text (a parameter with no description) has nothing to translate."""
    texts: dict[str, str] = {}
    for name, s in SURFACES.items():
        texts |= {f"entity.surfaces.{name}.title": s.title, f"entity.surfaces.{name}.description": s.description}
    for kind, registry, prose in (("optimizers", OPTIMIZERS, "update"), ("schedules", SCHEDULES, "formula")):
        for name, d in registry.items():
            texts |= {f"entity.{kind}.{name}.title": d.title, f"entity.{kind}.{name}.{prose}": getattr(d, prose)}
            texts |= {f"entity.{kind}.{name}.params.{p.name}.description": p.description for p in d.params}
    for name, d in DATASETS.items():
        texts |= {f"entity.datasets.{name}.title": d.title, f"entity.datasets.{name}.description": d.description}
    return {key: text for key, text in texts.items() if text}


def same_in_both(key: str) -> bool:
    return any(fnmatch(key, pattern) for pattern in SAME_IN_BOTH)


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


@pytest.mark.parametrize("lang", LANGS)
def test_every_key_is_defined_once(lang: str) -> None:
    seen: dict[str, str] = {}
    for room, texts in rooms(lang).items():  # reading a file refuses a key written twice in it
        for key in texts:
            assert key not in seen, f"{lang}: {key!r} is in both {seen[key]} and {room}"
            seen[key] = room
    assert seen, f"no messages for {lang}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_is_a_non_empty_string(lang: str) -> None:
    bad = [key for key, text in merged(lang).items() if not isinstance(text, str) or not text.strip()]
    assert not bad, f"{lang}: {bad}"


def test_every_key_exists_in_both_languages() -> None:
    en = {key for key in merged("en") if not key.startswith(ENTITY)}
    zh = {key for key in merged("zh") if not key.startswith(ENTITY)}
    assert not en - zh, f"missing in zh: {sorted(en - zh)}"
    assert not zh - en, f"missing in en: {sorted(zh - en)}"


def test_a_key_has_the_same_placeholders_in_both_languages() -> None:
    en, zh = merged("en"), merged("zh")
    differ = {
        key: (sorted(PLACEHOLDER.findall(en[key])), sorted(PLACEHOLDER.findall(zh[key])))
        for key in en.keys() & zh.keys()
        if set(PLACEHOLDER.findall(en[key])) != set(PLACEHOLDER.findall(zh[key]))
    }
    assert not differ, f"placeholders differ (en, zh): {differ}"


def test_entity_texts_are_the_engines_in_english_and_live_in_the_zh_catalog_room() -> None:
    assert not [key for key in merged("en") if key.startswith(ENTITY)], "the engine's English is the en text"
    elsewhere = {
        room: [key for key in texts if key.startswith(ENTITY)]
        for room, texts in rooms("zh").items()
        if room != ENTITY_ROOM
    }
    assert not any(elsewhere.values()), f"entity keys outside {ENTITY_ROOM}: {elsewhere}"


def test_zh_translates_exactly_the_entity_texts_the_engine_serves() -> None:
    served = set(served_entity_texts())
    translated = {key for key in merged("zh") if key.startswith(ENTITY)}
    assert len(served) > 100  # every surface, optimizer, schedule and dataset: the enumeration found them
    assert not served - translated, f"not translated: {sorted(served - translated)}"
    assert not translated - served, f"translated but not served: {sorted(translated - served)}"


def test_zh_text_is_chinese_unless_it_is_a_name_or_a_formula() -> None:
    untranslated = []
    for key, text in merged("zh").items():
        if same_in_both(key):
            continue
        letters = LETTER.findall(PLACEHOLDER.sub("", text))
        if letters and not has_cjk(text):
            untranslated.append(f"{key}: {text!r}")
    assert not untranslated, "no Chinese (a name or formula goes in SAME_IN_BOTH):\n" + "\n".join(untranslated)


def test_an_entity_text_listed_as_the_same_in_both_languages_is_the_engines() -> None:
    """A name or formula copied into zh/catalog.json must still be the engine's: a stale copy would
    show zh readers an old formula."""
    zh = merged("zh")
    listed = [key for key in zh if key.startswith(ENTITY) and same_in_both(key)]
    assert "entity.optimizers.adam.update" in listed
    engine = served_entity_texts()
    differ = [f"{key}: zh {zh[key]!r}, engine {engine.get(key)!r}" for key in listed if zh[key] != engine.get(key)]
    assert not differ, "listed in SAME_IN_BOTH but not the engine's text:\n" + "\n".join(differ)


def test_every_entry_of_the_same_in_both_list_matches_a_zh_key() -> None:
    zh = merged("zh")
    unused = [pattern for pattern in SAME_IN_BOTH if not any(fnmatch(key, pattern) for key in zh)]
    assert not unused, f"SAME_IN_BOTH entries that match no zh key: {unused}"


def test_zh_uses_the_glossary_terms() -> None:
    found = [
        f"{key}: {wrong!r} (use {right}) in {text!r}"
        for key, text in merged("zh").items()
        for wrong, right in FORBIDDEN
        if re.search(wrong, text)
    ]
    assert not found, "\n".join(found)


def test_zh_sentences_use_full_width_punctuation() -> None:
    found = [f"{key}: {text!r}" for key, text in merged("zh").items() if HALF_WIDTH.search(text)]
    assert not found, "use ，。：；？！（） in Chinese sentences:\n" + "\n".join(found)


def test_the_glossary_checks_can_fail_and_pass_the_glossary_words() -> None:
    plain = [wrong for wrong, _ in FORBIDDEN if re.escape(wrong) == wrong]
    assert len(plain) > 30 and all(re.search(wrong, f"这里写了{wrong}。") for wrong in plain)
    assert re.search("超参(?!数)", "调超参") and re.search("逻辑斯[蒂谛]", "逻辑斯蒂回归")
    assert re.search("批量?归一化", "批归一化") and not re.search("批量?归一化", "批量规范化")
    assert re.search("(Xavier|He) 初始化", "He 初始化")
    right = "学习率 批量大小 鞍点 黑塞矩阵 动量法 超参数 局部最小值 偏差校正 预热 周期性学习率 Nesterov动量 He初始化"
    assert not [wrong for wrong, _ in FORBIDDEN if re.search(wrong, right)]
    assert HALF_WIDTH.search("分段常数(StepLR)") and HALF_WIDTH.search("好,走")
    assert not HALF_WIDTH.search("分段常数（StepLR），lr · γ^⌊k / step_size⌋：f(x)")
