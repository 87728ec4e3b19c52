"""HTML pages: the explorer and its chrome-less embed view."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from ... import __version__
from ...assets import asset_dir
from .. import i18n
from ..models.surface_sweep import MAX_CELL_STEPS as MAX_SURFACE_CELL_STEPS
from ..models.surface_sweep import MAX_CELLS as MAX_SURFACE_CELLS
from ..models.sweep import MAX_CELL_STEPS, MAX_CELLS

templates = Jinja2Templates(directory=asset_dir("templates"))
router = APIRouter(include_in_schema=False)
# Served from the installed plotly package: no CDN, the page works offline.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/static/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})


THEMES = ("default", "projector")


def _page(
    request: Request, template: str, page: str, embed: bool, theme: str = "default", **extra: object
) -> HTMLResponse:
    """A page in the reader's language (i18n.page_lang); `?lang=` is stored for the next visit."""
    lang, asked = i18n.page_lang(request, embed=embed)
    asked_theme = request.query_params.get("theme")
    context = {
        "embed": embed,
        "page": page,
        "version": __version__,
        "lang": lang,
        "html_lang": i18n.HTML_LANG[lang],
        "t": partial(i18n.t, lang),
        "messages_json": i18n.inline_catalog(lang),
        "theme": asked_theme if asked_theme in THEMES else theme,
        # Only the explorer's 3D view needs Plotly's full bundle (README, "Performance").
        "three_d": page == "surfaces" and request.query_params.get("3d") == "1",
        **extra,
    }
    response = templates.TemplateResponse(request, template, context)
    if asked:
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


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


@router.get("/backprop", response_class=HTMLResponse)
def backprop(request: Request) -> HTMLResponse:
    """One sample through a small network, forward and backward, step by step (README, "Backprop, one sample")."""
    return _page(request, "backprop.html", "backprop", embed=False)


@router.get("/backprop/embed", response_class=HTMLResponse)
def backprop_embed(request: Request) -> HTMLResponse:
    return _page(request, "backprop.html", "backprop", embed=True)


# The limits of a trainability map, which the page checks before it asks (README, "Trainability maps").
SWEEP_LIMITS = {"cells": MAX_CELLS, "work": MAX_CELL_STEPS}


@router.get("/trainability", response_class=HTMLResponse)
def trainability(request: Request) -> HTMLResponse:
    """Maps of which per-layer learning rates train a network and which diverge (README, "Trainability maps")."""
    return _page(request, "trainability.html", "trainability", embed=False, sweep_limits=SWEEP_LIMITS)


@router.get("/trainability/embed", response_class=HTMLResponse)
def trainability_embed(request: Request) -> HTMLResponse:
    return _page(request, "trainability.html", "trainability", embed=True, sweep_limits=SWEEP_LIMITS)


# The limits of a sweep over a surface, which the page checks before it asks (README, "Sweeps").
SURFACE_SWEEP_LIMITS = {"cells": MAX_SURFACE_CELLS, "work": MAX_SURFACE_CELL_STEPS}


@router.get("/sweep", response_class=HTMLResponse)
def sweep(request: Request) -> HTMLResponse:
    """Maps of many runs on a surface: a hyperparameter plane or the basins of the starts (README, "Sweeps")."""
    return _page(request, "sweep.html", "sweep", embed=False, sweep_limits=SURFACE_SWEEP_LIMITS)


@router.get("/sweep/embed", response_class=HTMLResponse)
def sweep_embed(request: Request) -> HTMLResponse:
    return _page(request, "sweep.html", "sweep", embed=True, sweep_limits=SURFACE_SWEEP_LIMITS)


@router.get("/decks", response_class=HTMLResponse)
def decks(request: Request) -> HTMLResponse:
    """The reader's own decks (kept in the browser) and the built-in ones."""
    return _page(request, "decks.html", "decks", embed=False)


@router.get("/present", response_class=HTMLResponse)
def present(request: Request) -> HTMLResponse:
    """A deck on a projector: `?deck=course` or `?deck=local:<name>`, the scene number in the hash."""
    return _page(request, "present.html", "present", embed=False, theme="projector")
