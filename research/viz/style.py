"""One look for every HTML page the package writes: fonts, colours, hover labels, templates.

Chinese must render on Windows, macOS and Linux alike, so every page and figure names a list of
CJK fonts. Pages are rendered from the Jinja2 templates in research/viz/templates/ (the page
shell, the CSS and the scripts are files there) and are self-contained: CSS and JS are inlined
at render time, no web fonts, so they open offline.
"""

from __future__ import annotations

import html
import textwrap
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

FONT_FAMILY = ("Noto Sans CJK SC, Microsoft YaHei, PingFang SC, WenQuanYi Micro Hei, SimHei, "
               "sans-serif")

#: Colour-blind friendly qualitative palette (Okabe-Ito + Tableau extras); cycles when needed.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#4E79A7", "#F28E2B", "#59A14F", "#B07AA1", "#9C755F", "#76B7B2", "#EDC948",
           "#FF9DA7", "#E15759"]
OUTLIER_COLOUR = "#BBBBBB"


def esc(value: Any) -> str:
    """HTML-escape any value (numbers, None) for text and attributes (figure hover text)."""
    return html.escape("" if value is None else str(value), quote=True)


@lru_cache(maxsize=1)
def templates() -> Environment:
    """The Jinja2 environment of research/viz/templates/.

    HTML templates (``*.html.j2``) autoescape, so every value a page shows is escaped unless it
    is :class:`~markupsafe.Markup`; the CSS and JS files included into pages are not escaped.
    Undefined names are errors, not blanks.
    """
    return Environment(
        loader=PackageLoader("research.viz", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"),
                                     disabled_extensions=("css", "js"),
                                     default_for_string=True, default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)


def render(template: str, **context: Any) -> str:
    """Render one template of research/viz/templates/ (with the shared font list)."""
    return templates().get_template(template).render(font_family=FONT_FAMILY, **context)


def wrap(text: str, width: int = 30, limit: int = 120) -> str:
    """Hover text: escaped, truncated to ``limit`` chars, broken with <br> every ``width``.

    textwrap breaks CJK runs (which have no spaces) at ``width`` characters as well.
    """
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[:limit].rstrip() + "…"
    lines = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def ink_on(background: str) -> str:
    """Black or white text, whichever reads better on a ``#rrggbb`` background."""
    r, g, b = (int(background[i:i + 2], 16) for i in (1, 3, 5))
    return "#1f2933" if 0.299 * r + 0.587 * g + 0.114 * b > 160 else "#ffffff"


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)] if i >= 0 else OUTLIER_COLOUR


def style_figure(fig: Any, title: str | None = None, height: int | None = None) -> Any:
    """Shared layout: CJK fonts, readable white hover labels, white background."""
    fig.update_layout(
        font=dict(family=FONT_FAMILY, size=13, color="#1f2933"),
        hoverlabel=dict(bgcolor="white", bordercolor="#888",
                        font=dict(family=FONT_FAMILY, size=13, color="#1f2933"),
                        align="left"),
        template="plotly_white", margin=dict(l=60, r=30, t=60 if title else 30, b=50),
    )
    if title is not None:
        fig.update_layout(title=dict(text=title, x=0.01, xanchor="left", font=dict(size=16)))
    if height is not None:
        fig.update_layout(height=height)
    return fig
