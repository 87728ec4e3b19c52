"""GET /, /embed, the Plotly bundle and the OpenAPI schema."""

from __future__ import annotations

from pathlib import Path

import plotly


def test_the_explorer_is_served_from_the_template(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "<title>gdviz" in page.text


def test_embed_has_no_page_chrome(client):
    assert 'class="embed"' in client.get("/embed").text
    assert 'class="embed"' not in client.get("/").text


def test_plotly_comes_from_the_installed_package(client):
    bundle = client.get("/static/vendor/plotly.min.js")
    assert bundle.status_code == 200
    assert bundle.content == (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()


def test_openapi_documents_models_and_examples(client):
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    assert {"RunRequest", "RunResponse", "GridRequest", "AdamParams", "CosineSchedule"} <= set(components)
    assert components["RunRequest"]["examples"][0]["optimizers"]
    assert components["AdamParams"]["properties"]["lr"]["exclusiveMinimum"] == 0
    assert "/api/run/stream" in schema["paths"]


def test_2d_views_get_the_cartesian_plotly_and_the_3d_view_the_full_one(client) -> None:
    for path in ("/", "/embed", "/network", "/network?3d=1", "/decks"):
        page = client.get(path).text
        assert '/static/vendor/plotly-cartesian.min.js"' in page and "/static/vendor/plotly.min.js" not in page, path
    for path in ("/?3d=1", "/embed?3d=1&lang=zh"):
        page = client.get(path).text
        assert '/static/vendor/plotly.min.js"' in page and "plotly-cartesian" not in page, path
    bundle = client.get("/static/vendor/plotly-cartesian.min.js")
    assert bundle.status_code == 200 and b"plotly.js (cartesian" in bundle.content[:200]


def test_the_vendored_plotly_names_no_cdn(client) -> None:
    """The only fetchable default the npm bundle has (topojsonURL) points into the app, not to a CDN."""
    bundle = client.get("/static/vendor/plotly-cartesian.min.js").text
    assert 'topojsonURL:{valType:"string",noBlank:!0,dflt:"/static/vendor/topojson/"}' in bundle
    for host in ("cdn.", "unpkg", "jsdelivr", "googleapis"):
        assert host not in bundle, host
