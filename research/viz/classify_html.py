"""HTML for theme classification output: each paragraph with its themes as coloured chips.

Used by the classifier's predict command; one self-contained page (inline CSS and a few lines of
JS to filter by theme), no external resources, so it can be mailed or opened offline.
"""

from __future__ import annotations

from typing import Any

from research.viz.style import PALETTE, esc, ink_on, page

FILTER_JS = """
<script>
(function () {
  var active = null;
  function apply() {
    document.querySelectorAll('.para').forEach(function (p) {
      var themes = (p.getAttribute('data-themes') || '').split(' ');
      p.style.display = (active === null || themes.indexOf(active) >= 0) ? '' : 'none';
    });
    document.querySelectorAll('.legend .chip').forEach(function (c) {
      var id = c.getAttribute('data-theme');
      c.classList.toggle('off', active !== null && id !== active);
    });
  }
  document.addEventListener('click', function (e) {
    var chip = e.target.closest('.legend .chip');
    if (!chip) return;
    var id = chip.getAttribute('data-theme');
    active = (active === id) ? null : id;
    apply();
  });
})();
</script>
"""


def theme_colours(themes: list[dict[str, Any]]) -> dict[str, str]:
    return {t["id"]: PALETTE[i % len(PALETTE)] for i, t in enumerate(themes)}


def _chip(theme_id: str, name: str, colour: str, score: float | None = None) -> str:
    label = esc(name) + (f" {score:.2f}" if score is not None else "")
    return (f"<span class=\"chip\" style=\"background:{colour};color:{ink_on(colour)}\" "
            f"data-theme=\"{esc(theme_id)}\" "
            f"title=\"{esc(theme_id)}\">{label}</span>")


def _summary_table(summaries: list[dict[str, Any]], themes: list[dict[str, Any]],
                   colours: dict[str, str]) -> str:
    head = "".join(f"<th>{esc(t['name'])}</th>" for t in themes)
    rows = []
    for s in summaries:
        shares = s.get("shares", {})
        cells = []
        for t in themes:
            share = float(shares.get(t["id"], 0.0) or 0.0)
            cells.append(f"<td class=\"num\">{share:.0%} <span class=\"bar\" style=\"width:"
                         f"{round(share * 40)}px;background:{colours[t['id']]}\"></span></td>")
        rows.append(f"<tr><td>{esc(s.get('file', ''))}</td>"
                    f"<td class=\"num\">{esc(s.get('paragraphs', ''))}</td>{''.join(cells)}</tr>")
    return ("<div class=\"table-wrap\"><table><thead><tr><th>file</th><th>paragraphs</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def render_classification_html(records: list[dict[str, Any]], summaries: list[dict[str, Any]],
                               themes: list[dict[str, Any]],
                               title: str = "Theme classification") -> str:
    """A page: legend, per-file summary table, then every paragraph with its theme chips.

    records: {"file","index","text","themes":[ids],"scores":{id: prob}};
    summaries: {"file","paragraphs","shares":{id: share}}; themes: [{"id","name"}].
    Ids not in ``themes`` still render (grey chip, id as name).
    """
    themes = list(themes)
    known = {t["id"] for t in themes}
    for r in records:
        for theme_id in r.get("themes", []):
            if theme_id not in known:
                themes.append({"id": theme_id, "name": theme_id})
                known.add(theme_id)
    colours = theme_colours(themes)
    names = {t["id"]: t["name"] for t in themes}
    legend = ("<div class=\"legend\">" + "".join(_chip(t["id"], t["name"], colours[t["id"]])
                                                 for t in themes)
              + "<p class=\"note\">Click a theme to show only its paragraphs; click it again "
              "to show all.</p></div>")
    by_file: dict[str, list[dict[str, Any]]] = {}
    for s in summaries:
        by_file.setdefault(str(s.get("file", "")), [])
    for r in records:
        by_file.setdefault(str(r.get("file", "")), []).append(r)
    blocks = []
    for n, (file, items) in enumerate(by_file.items(), 1):
        paras = []
        for r in sorted(items, key=lambda x: x.get("index", 0)):
            ids = list(r.get("themes", []))
            scores = r.get("scores", {}) or {}
            chips = "".join(_chip(t, names.get(t, t), colours.get(t, "#888888"),
                                  scores.get(t)) for t in ids) or \
                "<span class=\"note\">no theme</span>"
            border = colours.get(ids[0], "#d9dee5") if ids else "#d9dee5"
            paras.append(f"<div class=\"para\" data-themes=\"{esc(' '.join(ids))}\" "
                         f"style=\"border-left-color:{border}\"><div class=\"meta\">"
                         f"¶ {esc(r.get('index', ''))} {chips}</div>"
                         f"<div>{esc(r.get('text', ''))}</div></div>")
        blocks.append(f"<section id=\"file-{n}\"><h2>{esc(file)}</h2>"
                      f"<p class=\"explain\">{len(items)} paragraph(s)</p>{''.join(paras)}"
                      "</section>")
    body = (f"<header class=\"page\"><h1>{esc(title)}</h1><p>{len(records)} paragraph(s) in "
            f"{len(by_file)} file(s)</p></header><main><section id=\"themes\"><h2>Themes</h2>"
            f"{legend}"
            f"{_summary_table(summaries, themes, colours) if summaries else ''}</section>"
            f"{''.join(blocks)}</main>")
    return page(title, body, FILTER_JS)
