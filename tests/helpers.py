"""Small builders for test inputs made from seed text (docx, pdf, re-encoded copies)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def make_pdf(path: Path, lines: list[str]) -> Path:
    """A PDF with Chinese text in the Adobe CID font reportlab ships (no font file needed)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    pdf.setFont("STSong-Light", 10)
    y = 800
    for line in lines:
        for start in range(0, len(line), 45):
            pdf.drawString(40, y, line[start:start + 45])
            y -= 14
            if y < 40:
                pdf.showPage()
                pdf.setFont("STSong-Light", 10)
                y = 800
    pdf.save()
    return path


def run_cli(*args: str, stdin: bytes | None = None, cwd: Path = ROOT
            ) -> subprocess.CompletedProcess[str]:
    """Run the installed `research` command the way a user would."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    env.pop("RESEARCH_DEBUG", None)
    done = subprocess.run([sys.executable, "-m", "research", *args], input=stdin,
                          capture_output=True, cwd=cwd, env=env, check=False, timeout=900)
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))


def tiny_topics_config(folder: Path, name: str = "tiny", output: Path | None = None) -> Path:
    """An LDA-only topics config on one seed document (two settings, one seed): seconds to run.

    The seed file is copied into ``folder/seeds`` so the run never touches the repository.
    """
    seeds = folder / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    source = next((ROOT / "seeds" / "raw").glob("002_*.txt"))
    (seeds / source.name).write_bytes(source.read_bytes())
    path = folder / f"{name}.yaml"
    path.write_text(f"""kind: topics
name: {name}
corpus: {{folder: {seeds}}}
random_seeds: [1]
output: {output or folder / 'results'}
themes: {ROOT / 'configs' / 'themes.yaml'}
models:
  - {{kind: lda, name: lda, engine: tomotopy, k: [3, 4], iterations: 20}}
""", encoding="utf-8")
    return path


def assert_sections_open_or_close_articles(rows: list[dict[str, Any]]) -> None:
    """Within an article (rows of research classify, in order), paragraphs without a section
    come before its first heading or, as its closing passage, after its last list to its end."""
    for title in dict.fromkeys(row["title"] for row in rows):
        sections = [row["section"] for row in rows if row["title"] == title]
        inner = sections[next((i for i, s in enumerate(sections) if s), len(sections)):]
        closing = len(inner) - next((i for i, s in enumerate(reversed(inner)) if s), len(inner))
        assert all(inner[:closing]), (title, sections)
