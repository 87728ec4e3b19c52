"""The reader's own decks in a headless chromium: "Add to deck" on the views, the /decks page (order,
rename, edit, export, import, copy a built-in deck), refusals of bad files with nothing of them shown
as HTML, and the header's language switch."""

from __future__ import annotations

import copy
import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
from playwright.sync_api import Page, expect

SURFACE_VIEW = "s=quadratic&n=30&o=sgd;lr=0.1"
NETWORK_VIEW = "ds=moons&steps=60"
LECTURE: dict[str, Any] = {
    "id": "lecture-3",
    "title": {"en": "Lecture 3", "zh": "第三讲"},
    "scenes": [
        {
            "id": "a",
            "section": 1,
            "title": {"en": "Steps too small", "zh": "步长太小"},
            "page": "surfaces",
            "query": "s=quadratic&n=30&o=sgd;lr=0.01",
            "narration": {"en": "It crawls.", "zh": "它走得很慢。"},
            "notice": {"en": ["The path is short."], "zh": ["轨迹很短。"]},
            "try": {"en": ["Raise the learning rate."], "zh": ["把学习率调大。"]},
            "autoplay": True,
        },
        {
            "id": "b",
            "title": {"en": "Steps just right", "zh": "步长合适"},
            "page": "surfaces",
            "query": "s=quadratic&n=30&o=sgd;lr=0.1",
            "narration": {"en": "It arrives.", "zh": "它到达了最小值。"},
        },
        {
            "id": "c",
            "title": {"en": "A tiny network", "zh": "一个小网络"},
            "page": "network",
            "query": NETWORK_VIEW,
            "narration": {"en": "Now a network.", "zh": "现在换成一个网络。"},
        },
    ],
}
INJECTED = "<img src=x onerror=window.__pwned=1>"


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


def wait_for_run(page: Page) -> None:
    page.wait_for_function("() => document.body.hasAttribute('data-runs')", timeout=30_000)


def add_view(page: Page, name: str | None = None) -> None:
    """Presses "Add to deck" and confirms the dialog (typing a new deck's name when given)."""
    page.locator(tid("add-to-deck")).click()
    expect(page.locator(tid("deck-dialog"))).to_be_visible()
    if name is not None:
        page.locator(tid("deck-choice")).select_option("")
        page.locator(tid("deck-name")).fill(name)
    page.locator(tid("deck-add")).click()
    expect(page.locator(tid("deck-dialog"))).to_have_count(0)


def import_file(page: Page, data: Any, name: str = "deck.json") -> None:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    page.locator(tid("deck-import")).set_input_files(
        files=[{"name": name, "mimeType": "application/json", "buffer": text.encode()}]
    )


def scene_titles(page: Page) -> list[str]:
    return page.locator(f"{tid('scene')} {tid('scene-title')}").evaluate_all("els => els.map((e) => e.value)")


def local_deck_names(page: Page) -> list[str]:
    return page.locator(f"{tid('local-decks')} .deck-item-title").all_inner_texts()


def exported(page: Page) -> dict[str, Any]:
    with page.expect_download() as info:
        page.locator(tid("deck-export")).click()
    download = info.value
    assert download.suggested_filename.endswith(".json")
    return json.loads(Path(download.path()).read_text(encoding="utf-8"))


def test_add_views_to_a_deck_and_find_them_on_decks(page: Page) -> None:
    page.goto(f"/?{SURFACE_VIEW}&lang=en&theme=projector")
    wait_for_run(page)
    page.locator(tid("add-to-deck")).click()
    # No deck yet: the dialog offers a new one, named my-deck.
    expect(page.locator(tid("deck-choice"))).to_have_value("")
    expect(page.locator(tid("deck-name"))).to_have_value("my-deck")
    page.locator(tid("deck-add")).click()
    note = page.locator(tid("header-note"))
    expect(note).to_contain_text("“my-deck” as scene 1")
    expect(note.locator("a")).to_have_attribute("href", "/decks#local:my-deck")

    page.goto(f"/network?{NETWORK_VIEW}")
    wait_for_run(page)
    page.locator(tid("add-to-deck")).click()
    expect(page.locator(tid("deck-choice"))).to_have_value("my-deck")  # the deck used last
    page.locator(tid("deck-add")).click()
    expect(note).to_contain_text("scene 2")

    note.locator("a").click()
    page.wait_for_url("**/decks#local:my-deck")
    expect(page.locator(tid("scene"))).to_have_count(2)
    assert local_deck_names(page) == ["my-deck"]
    # The scenes keep the views' own state and drop the view options (lang, theme).
    opens = page.locator(tid("scene-open"))
    expect(opens.nth(0)).to_have_attribute("href", f"/?{SURFACE_VIEW}")
    expect(opens.nth(1)).to_have_attribute("href", f"/network?{NETWORK_VIEW}")
    assert scene_titles(page) == ["Surfaces, view 1", "Networks, view 2"]
    expect(page.locator(tid("deck-present"))).to_have_attribute("href", "/present?deck=local:my-deck")

    opens.nth(0).click()
    page.wait_for_url(f"**/?{SURFACE_VIEW}")
    wait_for_run(page)


def test_a_named_deck_and_a_cancelled_dialog(page: Page) -> None:
    page.goto(f"/?{SURFACE_VIEW}&lang=en")
    wait_for_run(page)
    page.locator(tid("add-to-deck")).click()
    page.keyboard.press("Escape")  # cancels: nothing is added, and the page's own keys do not act
    expect(page.locator(tid("deck-dialog"))).to_have_count(0)
    add_view(page, "Week 2 Demos")
    expect(page.locator(tid("header-note"))).to_contain_text("“Week 2 Demos” as scene 1")
    page.goto("/decks")
    assert local_deck_names(page) == ["Week 2 Demos"]
    expect(page.locator(tid("deck-present"))).to_have_attribute("href", "/present?deck=local:week-2-demos")
    expect(page.locator(tid("scene"))).to_have_count(1)
    page.locator(tid("deck-present")).click()
    page.wait_for_url("**/present?deck=local:week-2-demos")
    expect(page.locator(tid("scene-title"))).to_have_text("Surfaces, view 1")
    expect(page.locator(tid("scene-index"))).to_have_text("1 / 1")


def test_reorder_rename_edit_and_export(page: Page) -> None:
    page.goto("/decks?lang=en")
    import_file(page, LECTURE, "lecture.json")
    expect(page.locator(tid("decks-message"))).to_have_text("Imported “Lecture 3”.")
    assert scene_titles(page) == ["Steps too small", "Steps just right", "A tiny network"]

    page.locator(tid("scene-down")).nth(0).click()
    expect(page.locator(tid("scene-title")).nth(0)).to_have_value("Steps just right")
    page.locator(tid("scene-up")).nth(2).click()
    assert scene_titles(page) == ["Steps just right", "A tiny network", "Steps too small"]
    # The focus follows the moved scene's button, so that ↑ can be pressed again.
    assert page.evaluate("document.activeElement.closest('[data-index]').dataset.index") == "1"

    page.locator(tid("deck-title")).fill("Week 3: step sizes")
    page.locator(tid("deck-title")).press("Enter")
    expect(page.locator(f"{tid('local-decks')} .current")).to_contain_text("Week 3: step sizes")
    narration = page.locator(tid("scene-narration")).nth(0)
    narration.fill("Now it arrives in a few steps.")
    narration.press("Tab")
    expect(page.locator(tid("decks-message"))).to_have_text("Saved.")
    notice = page.locator(tid("scene-notice")).nth(2)
    notice.fill("First line\n\n  Second line  ")
    notice.press("Tab")
    page.locator(tid("scene-delete")).nth(1).click()

    page.reload()
    assert scene_titles(page) == ["Steps just right", "Steps too small"]
    expect(page.locator(tid("deck-title"))).to_have_value("Week 3: step sizes")
    expect(page.locator(tid("scene-narration")).nth(0)).to_have_value("Now it arrives in a few steps.")

    deck = exported(page)
    assert deck["id"] == "lecture-3"
    assert deck["title"] == {"en": "Week 3: step sizes", "zh": "第三讲"}  # the other language is kept
    assert [s["id"] for s in deck["scenes"]] == ["b", "a"]
    b, a = deck["scenes"]
    assert b["narration"] == {"en": "Now it arrives in a few steps.", "zh": "它到达了最小值。"}
    assert a["notice"] == {"en": ["First line", "Second line"], "zh": ["轨迹很短。"]}
    assert a["try"] == LECTURE["scenes"][0]["try"]
    assert (a["page"], a["query"], a["section"], a["autoplay"]) == ("surfaces", LECTURE["scenes"][0]["query"], 1, True)


def test_an_exported_deck_imports_again(page: Page) -> None:
    page.goto("/decks?lang=en")
    import_file(page, LECTURE)
    first = exported(page)
    import_file(page, first, "again.json")
    # A second copy gets its own id: nothing is overwritten.
    assert local_deck_names(page) == ["Lecture 3", "Lecture 3"]
    expect(page.locator(tid("deck-present"))).to_have_attribute("href", "/present?deck=local:lecture-3-2")
    second = exported(page)
    assert {**second, "id": first["id"]} == first


def test_imported_deck_reads_in_the_pages_language(page: Page) -> None:
    page.goto("/decks?lang=en")
    import_file(page, LECTURE)
    page.goto("/decks?lang=zh#local:lecture-3")
    assert scene_titles(page) == ["步长太小", "步长合适", "一个小网络"]
    expect(page.locator(tid("scene-narration")).nth(0)).to_have_value("它走得很慢。")
    expect(page.locator(tid("scene-try")).nth(0)).to_have_value("把学习率调大。")
    assert local_deck_names(page) == ["第三讲"]


def bad_scene(**fields: Any) -> dict[str, Any]:
    scene = {"page": "surfaces", "query": "s=quadratic", **fields}
    return {"title": "Bad", "scenes": [{k: v for k, v in scene.items() if v is not None}]}


BAD_FILES = [
    ("{not json", "not JSON"),
    ({"title": "No scenes"}, "no list of scenes"),
    ({"title": "Empty", "scenes": []}, "1 to 200 scenes"),
    (bad_scene(page="javascript:alert(1)"), "Scene 1 has an unknown page “javascript:alert(1)”"),
    (bad_scene(page="../../etc"), "unknown page"),
    (bad_scene(page=INJECTED), f"unknown page “{INJECTED}”"),
    (bad_scene(page=None), "Scene 1 has no page"),
    (bad_scene(query=None), "Scene 1 needs a query"),
    (bad_scene(query=["s=quadratic"]), "needs a query"),
    (bad_scene(title=7), "Scene 1: “Title” is not text."),
    (bad_scene(notice={"en": [INJECTED, 3]}), "“What to notice” is not text"),
    ([LECTURE], "no list of scenes"),
]


@pytest.mark.parametrize(("content", "said"), BAD_FILES, ids=[f"bad{i}" for i in range(len(BAD_FILES))])
def test_bad_files_are_refused_with_a_message(page: Page, content: Any, said: str) -> None:
    page.goto("/decks?lang=en")
    import_file(page, content, "bad.json")
    message = page.locator(tid("decks-message"))
    expect(message).to_contain_text(said)
    expect(message).to_have_class(re.compile(r"\berror\b"))
    assert local_deck_names(page) == []
    assert page.locator("img").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_nothing_from_a_file_becomes_html(page: Page) -> None:
    deck = copy.deepcopy(LECTURE)
    deck["title"] = {"en": INJECTED}
    deck["scenes"][0]["title"] = {"en": INJECTED}
    deck["scenes"][0]["narration"] = {"en": f"<b>bold</b>{INJECTED}"}
    deck["scenes"][0]["query"] = '"><img src=x onerror=window.__pwned=1>'
    page.goto("/decks?lang=en")
    import_file(page, deck)
    assert local_deck_names(page) == [INJECTED]
    expect(page.locator(tid("deck-title"))).to_have_value(INJECTED)
    assert scene_titles(page)[0] == INJECTED
    expect(page.locator(tid("scene-narration")).nth(0)).to_have_value(f"<b>bold</b>{INJECTED}")
    expect(page.locator(tid("decks-message"))).to_have_text(f"Imported “{INJECTED}”.")
    assert page.locator("img, b").count() == 0
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None


def test_language_switch_changes_html_lang_and_persists(page: Page) -> None:
    page.goto("/decks?lang=en")
    assert page.evaluate("document.documentElement.lang") == "en"
    with page.expect_navigation():
        page.locator(tid("lang")).select_option("zh")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    expect(page.locator(tid("deck-new"))).to_have_text("新建")
    for path in ("/decks", "/"):  # no lang= in the address: the stored choice holds
        page.goto(path)
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
    expect(page.locator(tid("add-to-deck"))).to_have_text("加入演示")
    with page.expect_navigation():
        page.locator(tid("lang")).select_option("en")
    page.goto("/decks")
    assert page.evaluate("document.documentElement.lang") == "en"


# Latin words a zh page may show: the product's and formats' names, and the language switch's "English".
NAMES = {"gdviz", "API", "HTML", "JSON", "English"}
READABLE_TEXT = """() => {
  const shown = [document.body.innerText];
  for (const el of document.querySelectorAll("[title], [placeholder], [aria-label]")) {
    if (el.closest("[hidden]")) continue;
    for (const name of ["title", "placeholder", "aria-label"]) shown.push(el.getAttribute(name) ?? "");
  }
  return shown.join("\\n");
}"""


def english_left(text: str) -> set[str]:
    return {word for word in re.findall(r"[A-Za-z]{2,}", text) if word not in NAMES}


def api(server: str, path: str) -> Any:
    with urllib.request.urlopen(f"{server}{path}") as response:
        return json.load(response)


def test_decks_page_in_chinese_has_no_english_left(page: Page, server: str) -> None:
    page.goto("/decks?lang=zh")
    zh_only = copy.deepcopy(LECTURE)
    for scene in zh_only["scenes"]:
        for field in ("title", "narration", "notice", "try"):
            if field in scene:
                scene[field] = {"zh": scene[field]["zh"]}
    zh_only["title"] = {"zh": "第三讲"}
    import_file(page, zh_only)
    expect(page.locator(tid("scene"))).to_have_count(3)
    page.locator(tid("deck-delete")).click()  # the armed button's own words, too
    text = page.evaluate(READABLE_TEXT)
    assert "导入" in text and "第三讲" in text
    assert english_left(text) == set()

    # A built-in deck as it is shown: apart from the deck's own words (names and formulas such as Adam or
    # f(x, y) are the course's, whose texts its own tests check), the page is all Chinese.
    builtin = api(server, "/api/decks")[0]
    whole = api(server, f"/api/decks/{builtin['id']}")
    page.locator(f"{tid('builtin-decks')} a").first.click()
    expect(page.locator(tid("scene"))).to_have_count(builtin["scenes"])
    text = page.evaluate(READABLE_TEXT)
    words = [whole["title"]["zh"]]
    for scene in whole["scenes"]:
        words += [
            scene["title"]["zh"],
            scene.get("narration", {}).get("zh", ""),
            *scene.get("notice", {}).get("zh", []),
        ]
    for own in sorted(words, key=len, reverse=True):
        assert own in text
        text = text.replace(own, "")
    assert english_left(text) == set()


def test_copy_a_builtin_deck_to_edit_it(page: Page, server: str) -> None:
    first = api(server, "/api/decks")[0]
    page.goto("/decks?lang=en")
    expect(page.locator(f"{tid('builtin-decks')} a").first).to_contain_text(first["title"]["en"])
    page.locator(f"{tid('builtin-decks')} a").first.click()
    expect(page.locator(tid("scene"))).to_have_count(first["scenes"])
    expect(page.locator(tid("deck-present"))).to_have_attribute("href", f"/present?deck={first['id']}")
    page.locator(tid("deck-copy")).click()
    assert local_deck_names(page) == [first["title"]["en"]]
    expect(page.locator(tid("deck-present"))).to_have_attribute("href", f"/present?deck=local:{first['id']}")
    expect(page.locator(tid("scene-up"))).to_have_count(first["scenes"])  # now editable
    assert exported(page) == api(server, f"/api/decks/{first['id']}")


def test_offline_html_of_the_view_and_of_a_deck(page: Page) -> None:
    page.goto(f"/?{SURFACE_VIEW}&lang=en")
    wait_for_run(page)
    with page.expect_download(timeout=60_000) as info:
        page.locator(tid("offline-html")).click()
    assert info.value.suggested_filename == "gdviz-surfaces.html"
    html = Path(info.value.path()).read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    expect(page.locator(tid("header-note"))).to_contain_text("Saved gdviz-surfaces.html")

    one_scene = {**LECTURE, "scenes": LECTURE["scenes"][:1]}
    page.goto("/decks?lang=en")
    import_file(page, one_scene)
    with page.expect_download(timeout=60_000) as info:
        page.locator(tid("deck-offline")).click()
    assert info.value.suggested_filename == "lecture-3-en.html"
    html = Path(info.value.path()).read_text(encoding="utf-8")
    assert "Steps too small" in html and "It crawls." in html
