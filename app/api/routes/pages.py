"""HTML pages: the explorer and its chrome-less embed view."""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from ... import __version__
from ...assets import asset_dir

templates = Jinja2Templates(directory=asset_dir("templates"))
router = APIRouter(include_in_schema=False)
# Served from the installed plotly package: no CDN, the page works offline.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/static/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})


def _page(request: Request, template: str, page: str, embed: bool) -> HTMLResponse:
    context = {"embed": embed, "page": page, "version": __version__}
    return templates.TemplateResponse(request, template, context)


@router.get("/", response_class=HTMLResponse)
def explorer(request: Request) -> HTMLResponse:
    return _page(request, "index.html", "surfaces", embed=False)


@router.get("/embed", response_class=HTMLResponse)
def embed(request: Request) -> HTMLResponse:
    """The explorer's view with no page chrome, for an iframe."""
    return _page(request, "index.html", "surfaces", embed=True)


@router.get("/network", response_class=HTMLResponse)
def network(request: Request) -> HTMLResponse:
    return _page(request, "network.html", "network", embed=False)


@router.get("/network/embed", response_class=HTMLResponse)
def network_embed(request: Request) -> HTMLResponse:
    return _page(request, "network.html", "network", embed=True)
