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
