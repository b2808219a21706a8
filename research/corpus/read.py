"""Read reports as text: .txt in any common Chinese encoding, .docx and .pdf.

New reports arrive from many offices and websites, so the encoding is detected, not assumed.
Every failure becomes an :class:`InputError` that names the file and says what is wrong.
"""

from __future__ import annotations

import codecs
import io
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from research.errors import InputError

#: Encodings tried for text files, in the order a tie is broken.
CHINESE_ENCODINGS = ("utf_8", "gb18030", "big5", "big5hkscs", "utf_16", "utf_32")
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
STDIN_NAME = "-"


@dataclass(frozen=True)
class RawDocument:
    """A document's name (file stem, or '-' for stdin) and its decoded text."""

    name: str
    source: str
    text: str
    encoding: str


def _strip_bom(data: bytes) -> tuple[bytes, str | None]:
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf_32"),
        (codecs.BOM_UTF32_BE, "utf_32"),
        (codecs.BOM_UTF8, "utf_8_sig"),
        (codecs.BOM_UTF16_LE, "utf_16"),
        (codecs.BOM_UTF16_BE, "utf_16"),
    ):
        if data.startswith(bom):
            return data, encoding
    return data, None


def _looks_like_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: Chinese text has no NUL bytes except as UTF-16 halves."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4000]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    # ASCII punctuation and digits leave NULs in one half; CJK leaves none, so use a low bar.
    # Characters such as U+4E00 put a NUL in the other half too, so compare, don't demand zero.
    if odd_nuls > 0.05 * half and even_nuls * 4 < odd_nuls:
        return "utf_16_le"
    if even_nuls > 0.05 * half and odd_nuls * 4 < even_nuls:
        return "utf_16_be"
    return None


def _text_share(text: str) -> float:
    """Share of characters that belong in a Chinese report: CJK, punctuation, ASCII, spaces."""
    if not text:
        return 0.0
    good = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f"
               or "\uff00" <= ch <= "\uffef" or " " <= ch <= "~" or ch in "\n\r\t")
    return good / len(text)


def _chinese_utf16(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a byte-order mark whose text is almost all Chinese: few NUL bytes, so
    :func:`_looks_like_utf16` misses it, but one byte order decodes to plain Chinese text."""
    if len(data) % 2:
        return None
    best: tuple[float, str, str] | None = None
    for encoding in ("utf_16_le", "utf_16_be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        share = _text_share(text[:4000])
        if share >= 0.9 and (best is None or share > best[0]):
            best = (share, text, encoding)
    return (best[1], best[2]) if best else None


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Decode bytes of a text file; return (text, encoding) or raise :class:`InputError`."""
    if not data or data.isspace():  # isspace, not strip: no copy of a 50 MB file
        raise InputError(source, "file is empty")
    data, bom_encoding = _strip_bom(data)
    if bom_encoding:
        try:
            return data.decode(bom_encoding).lstrip("\ufeff"), bom_encoding
        except UnicodeDecodeError:
            raise InputError(source, f"starts with a {bom_encoding} byte-order mark "
                                     "but does not decode as it") from None
    utf16 = _looks_like_utf16(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf_8"), "utf_8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        decoded = _chinese_utf16(data)
        if decoded:
            return decoded
        raise InputError(source, "looks like a binary file, not text "
                                 "(expected .txt, .docx or .pdf)")
    best = from_bytes(data, cp_isolation=list(CHINESE_ENCODINGS[1:])).best()
    if best is None or best.encoding is None:
        raise InputError(source, "could not detect the text encoding "
                                 "(tried UTF-8, UTF-16, GB18030, Big5)")
    return str(best), best.encoding


def _read_docx(data: bytes, source: str) -> str:
    import docx  # python-docx; imported lazily, only .docx input needs it

    try:
        document = docx.Document(io.BytesIO(data))
        lines = [paragraph.text for paragraph in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                lines.extend(cell.text for cell in row.cells)
    except Exception as exc:  # noqa: BLE001 - a damaged file fails in zipfile, zlib, lxml …
        raise InputError(source, f"not a valid .docx file ({exc.__class__.__name__})") from None
    return "\n".join(lines)


def _read_pdf(data: bytes, source: str) -> str:
    from pypdf import PdfReader

    # pypdf logs its repairs ("EOF marker not found", …) on stderr; the outcome is ours to say.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError(source, "PDF is encrypted; decrypt it first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types for damaged files
        raise InputError(source, f"not a readable PDF ({exc.__class__.__name__})") from None
    return "\n".join(pages)


def _require_text(text: str, source: str, what: str) -> str:
    if not text.strip():
        raise InputError(source, f"{what} contains no text")
    return text


def read_bytes(data: bytes, source: str, suffix: str) -> RawDocument:
    """Decode ``data`` according to the file type given by ``suffix``."""
    name = Path(source).stem if source != STDIN_NAME else STDIN_NAME
    suffix = suffix.lower()
    if not data:
        raise InputError(source, "file is empty")
    if suffix == ".docx" or (suffix not in TEXT_SUFFIXES and data[:4] == b"PK\x03\x04"):
        text = _require_text(_read_docx(data, source), source, ".docx file")
        return RawDocument(name, source, text, "docx")
    if suffix == ".pdf" or data[:5] == b"%PDF-":
        text = _require_text(_read_pdf(data, source), source,
                             "PDF (scanned images need OCR first)")
        return RawDocument(name, source, text, "pdf")
    text, encoding = decode_text(data, source)
    return RawDocument(name, source, _require_text(text, source, "file"), encoding)


def read_document(path: str | Path) -> RawDocument:
    """Read one report from a path, or from standard input when ``path`` is '-'."""
    source = str(path)
    if source == STDIN_NAME:
        if sys.stdin is None or sys.stdin.closed:
            raise InputError(STDIN_NAME, "standard input is closed; give a file instead")
        try:
            data = sys.stdin.buffer.read()
        except OSError as exc:
            raise InputError(STDIN_NAME, f"cannot be read ({exc.strerror})") from None
        return read_bytes(data, STDIN_NAME, ".txt")
    file = Path(path)
    if not file.exists():
        raise InputError(source, "file not found")
    if file.is_dir():
        raise InputError(source, "is a directory, expected a file")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(source, f"cannot be read ({exc.strerror})") from None
    return read_bytes(data, source, file.suffix)


def list_documents(folder: Path) -> list[Path]:
    """Readable documents in a folder, sorted so that every run sees the same order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "folder not found")
    suffixes = {".txt", ".docx", ".pdf"}
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
    if not files:
        raise InputError(folder, "contains no .txt, .docx or .pdf files")
    return files
