"""GET /docs and /redoc: pages and assets served by the app, nothing from a CDN, no inline script."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import fastapi_offline
import pytest

from gdviz.api.routes.docs import offline_redoc

VENDOR = Path(fastapi_offline.__file__).parent / "static"
ASSET = re.compile(r'(?:src|href|spec-url)="([^"]+)"')


def assets(html: str) -> list[str]:
    return ASSET.findall(html)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_a_docs_page_loads_nothing_from_elsewhere_and_has_no_inline_script(client, path):
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    urls = assets(page.text)
    assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert "googleapis" not in page.text and "cdn." not in page.text
    # Every <script> has a src (the CSP allows no inline script) and no element has an inline handler.
    assert re.findall(r"<script\b[^>]*>", page.text) and all(
        " src=" in tag for tag in re.findall(r"<script\b[^>]*>", page.text)
    )
    assert not re.search(r"\son[a-z]+=", page.text)
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg' in page.text


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_every_asset_of_a_docs_page_is_served_by_the_app(client, path):
    for url in assets(client.get(path).text):
        answer = client.get(url)
        assert answer.status_code == 200, url
        kind = answer.headers["content-type"]
        if url.endswith(".js") or ".js?" in url:
            assert kind.startswith("text/javascript") and len(answer.content) > 400, (url, kind)
        elif ".css" in url:
            assert kind.startswith("text/css") and "body" in answer.text, (url, kind)
        elif ".svg" in url:
            assert kind.startswith("image/svg+xml") and b"<svg" in answer.content, (url, kind)
        elif url == "/openapi.json":
            assert answer.json()["info"]["title"] == "gdviz"


def test_swagger_ui_comes_from_fastapi_offline(client):
    page = client.get("/docs").text
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f"/static/vendor/docs/{name}?v=" in page
        answer = client.get(f"/static/vendor/docs/{name}")
        assert answer.content == (VENDOR / name).read_bytes()
        assert answer.headers["cache-control"] == "public, max-age=86400"
    assert b"SwaggerUIBundle" in client.get("/static/vendor/docs/swagger-ui-bundle.js").content


def test_swagger_ui_starts_from_a_static_module_without_the_validator_badge(client):
    page = client.get("/docs").text
    assert '<div id="swagger-ui" data-openapi-url="/openapi.json">' in page
    assert '<script type="module" src="/static/js/swagger-init.js' in page
    script = client.get("/static/js/swagger-init.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "root.dataset.openapiUrl" in script.text
    # The badge would fetch an image from swagger.io on any host that is not localhost.
    assert "validatorUrl: null" in script.text


def test_redoc_reads_the_schema_from_its_element_and_never_asks_its_cdn(client):
    page = client.get("/redoc").text
    assert '<redoc spec-url="/openapi.json"></redoc>' in page
    bundle = client.get("/static/vendor/docs/redoc.standalone.js")
    assert bundle.status_code == 200 and bundle.headers["etag"]
    original = (VENDOR / "redoc.standalone.js").read_bytes()
    assert b"https://cdn.redoc.ly/" in original  # what the patch is for: Redocly's logo in the sidebar
    assert b"cdn.redoc.ly" not in bundle.content
    assert len(original) - len(bundle.content) == len(b"https://cdn.redoc.ly/redoc/logo-mini.svg")


def test_offline_redoc_empties_every_quoted_cdn_url_and_nothing_else():
    bundle = (
        b"""a("https://cdn.redoc.ly/redoc/logo-mini.svg");b=`https://cdn.redoc.ly/x.svg`;c='https://redocly.com/'"""
    )
    assert offline_redoc(bundle) == b"""a("");b=``;c='https://redocly.com/'"""


def test_only_the_vendored_files_are_served_from_the_docs_folder(client):
    assert client.get("/static/vendor/docs/favicon.png").status_code == 404
    assert client.get("/static/vendor/docs/core.py").status_code == 404
    assert client.get("/static/vendor/docs/..%2F__init__.py").status_code == 404


def test_the_favicon_is_a_small_svg(client):
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert ElementTree.fromstring(icon.content).tag == "{http://www.w3.org/2000/svg}svg"
    assert len(icon.content) < 2048


def test_fastapis_own_docs_are_off_and_the_schema_stays(client):
    assert client.get("/docs/oauth2-redirect").status_code == 404
    schema = client.get("/openapi.json").json()
    assert "/api/run" in schema["paths"]
    assert not any(path in schema["paths"] for path in ("/docs", "/redoc", "/static/vendor/docs/{name}"))
