"""HTML pages: the explorer and its chrome-less embed view."""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from ... import __version__

templates = Jinja2Templates(directory=Path(__file__).resolve().parents[3] / "templates")
router = APIRouter(include_in_schema=False)
# Served from the installed plotly package: no CDN, the page works offline.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/static/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/", response_class=HTMLResponse)
def explorer(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "index.html", {"embed": False, "version": __version__})


@router.get("/embed", response_class=HTMLResponse)
def embed(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "index.html", {"embed": True, "version": __version__})


@router.get("/network", response_class=HTMLResponse)
def network(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "network.html", {"embed": False, "version": __version__})


@router.get("/network/embed", response_class=HTMLResponse)
def network_embed(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "network.html", {"embed": True, "version": __version__})
