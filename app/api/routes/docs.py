"""API documentation pages, /docs (Swagger UI) and /redoc, with every asset served by the app itself."""

from __future__ import annotations

import hashlib
import re
from importlib.metadata import version
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from ... import __version__
from ...assets import asset_dir

templates = Jinja2Templates(directory=asset_dir("templates"))
router = APIRouter(include_in_schema=False)

# Swagger UI's and Redoc's bundles come from the fastapi-offline package, which ships them for exactly this
# (no CDN): the pages work in a lecture hall with no network. Its version busts browser caches on upgrade.
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
DOCS_ASSETS_VERSION = version("fastapi-offline")
_FILES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}
_CACHE = "public, max-age=86400"


def offline_redoc(bundle: bytes) -> bytes:
    """Redoc's sidebar credit shows Redocly's logo from their CDN. An empty `src` fails at once, without a
    request, and Redoc then drops the image; the credit's text and link stay."""
    return re.sub(rb"([\"'`])https://cdn\.redoc\.ly/[^\"'`]*\1", rb"\1\1", bundle)


REDOC_JS = offline_redoc((DOCS_ASSETS / "redoc.standalone.js").read_bytes())
_REDOC_ETAG = f'"{hashlib.md5(REDOC_JS, usedforsecurity=False).hexdigest()}"'


@router.get("/static/vendor/docs/redoc.standalone.js")
def redoc_js() -> Response:
    headers = {"Cache-Control": _CACHE, "ETag": _REDOC_ETAG}
    return Response(REDOC_JS, media_type="text/javascript", headers=headers)


@router.get("/static/vendor/docs/{name}")
def docs_asset(name: str) -> FileResponse:
    if name not in _FILES:
        raise HTTPException(status_code=404, detail="Not Found")
    return FileResponse(DOCS_ASSETS / name, media_type=_FILES[name], headers={"Cache-Control": _CACHE})


def _page(request: Request, template: str) -> HTMLResponse:
    context = {
        "openapi_url": request.app.openapi_url,
        "title": request.app.title,
        "version": __version__,
        "assets_version": DOCS_ASSETS_VERSION,
    }
    return templates.TemplateResponse(request, template, context)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, "docs.html")


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    return _page(request, "redoc.html")
