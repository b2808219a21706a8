"""One look for every HTML page the package writes: CSS, fonts, hover labels, page shell.

Chinese must render on Windows, macOS and Linux alike, so every page and figure names a list of
CJK fonts; pages are self-contained (inline CSS, no web fonts) so they open offline.
"""

from __future__ import annotations

import html
import textwrap
from typing import Any

FONT_FAMILY = ("Noto Sans CJK SC, Microsoft YaHei, PingFang SC, WenQuanYi Micro Hei, SimHei, "
               "sans-serif")

#: Colour-blind friendly qualitative palette (Okabe-Ito + Tableau extras); cycles when needed.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#4E79A7", "#F28E2B", "#59A14F", "#B07AA1", "#9C755F", "#76B7B2", "#EDC948",
           "#FF9DA7", "#E15759"]
OUTLIER_COLOUR = "#BBBBBB"

CSS = f"""
:root {{ --ink:#1f2933; --muted:#5f6b7a; --line:#d9dee5; --bg:#f6f7f9; --card:#ffffff;
        --accent:#0072B2; }}
* {{ box-sizing: border-box; }}
body {{ margin:0; background:var(--bg); color:var(--ink);
       font-family:{FONT_FAMILY}; font-size:15px; line-height:1.6; }}
header.page {{ background:var(--card); border-bottom:1px solid var(--line); padding:18px 32px; }}
header.page h1 {{ margin:0; font-size:24px; }}
header.page p {{ margin:4px 0 0; color:var(--muted); }}
nav.toc {{ padding:8px 32px; background:var(--card); border-bottom:1px solid var(--line);
          font-size:13px; }}
nav.toc a {{ margin-right:14px; color:var(--accent); text-decoration:none; white-space:nowrap; }}
main {{ max-width:1280px; margin:0 auto; padding:16px 24px 48px; }}
section {{ background:var(--card); border:1px solid var(--line); border-radius:8px;
          margin:18px 0; padding:16px 22px; }}
section h2 {{ margin:0 0 4px; font-size:19px; }}
section p.explain {{ margin:0 0 10px; color:var(--muted); max-width:980px; }}
table {{ border-collapse:collapse; font-size:13px; margin:8px 0; }}
th, td {{ border:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }}
th {{ background:#eef1f5; }}
td.num {{ text-align:right; font-variant-numeric:tabular-nums; }}
.table-wrap {{ overflow-x:auto; }}
dl.facts {{ display:grid; grid-template-columns:max-content 1fr; gap:2px 16px; margin:8px 0; }}
dl.facts dt {{ color:var(--muted); }} dl.facts dd {{ margin:0; }}
details {{ margin:8px 0; }} summary {{ cursor:pointer; color:var(--accent); }}
code, pre {{ font-family:ui-monospace, Menlo, Consolas, monospace; font-size:12px; }}
pre {{ background:#f3f5f8; padding:8px; overflow-x:auto; }}
.figure {{ width:100%; margin:6px 0; }}
.note {{ color:var(--muted); font-size:13px; }}
.missing-files {{ border-left:4px solid #D55E00; background:#fff4ec; padding:6px 12px;
                  margin:8px 0; font-size:14px; }}
.missing-files ul {{ margin:4px 0; padding-left:20px; }}
.chip {{ display:inline-block; border-radius:10px; padding:0 8px; margin:0 4px 2px 0;
        font-size:12px; color:#fff; white-space:nowrap; }}
.legend .chip {{ cursor:pointer; }}
.chip.off {{ opacity:.35; }}
.para {{ border-left:4px solid var(--line); padding:6px 10px; margin:8px 0; background:#fafbfc; }}
.para .meta {{ color:var(--muted); font-size:12px; }}
.bar {{ display:inline-block; height:10px; background:var(--accent); vertical-align:middle; }}
"""


def esc(value: Any) -> str:
    """HTML-escape any value (numbers, None) for text and attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def page(title: str, body_html: str, head_extra: str = "") -> str:
    """A complete, self-contained HTML document with the shared CSS."""
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n{head_extra}\n</head>\n"
            f"<body>\n{body_html}\n</body>\n</html>\n")


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
