"""Reading reports: encodings are detected, docx and pdf are read, bad files fail clearly."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from research.corpus.read import read_document
from research.errors import InputError
from tests.conftest import seed_file
from tests.helpers import make_docx, make_pdf

SEED = seed_file("002")
TEXT = SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be",
                                      "utf-8-sig"])
def test_seed_copy_decodes_to_the_same_text(tmp_path: Path, encoding: str) -> None:
    copy = tmp_path / f"copy-{encoding}.txt"
    copy.write_bytes(TEXT.encode(encoding))
    document = read_document(copy)
    assert document.text == TEXT


def test_big5_is_detected(tmp_path: Path) -> None:
    traditional = "義務教育均衡發展是實現教育公平的重要方法,關係著國民素質的整體提高。\n" * 3
    path = tmp_path / "big5.txt"
    path.write_bytes(traditional.encode("big5"))
    assert read_document(path).text == traditional


def test_utf8_bom_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(codecs.BOM_UTF8 + "留守儿童".encode())
    assert read_document(path).text == "留守儿童"


def test_docx_paragraphs_are_read(tmp_path: Path) -> None:
    paragraphs = [line for line in TEXT.splitlines() if len(line) > 50][:3]
    document = read_document(make_docx(tmp_path / "report.docx", paragraphs))
    assert document.text.splitlines() == paragraphs
    assert document.encoding == "docx"


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    line = "义务教育均衡发展是实现教育公平的重要方法,关系着国民素质的整体提高。"
    document = read_document(make_pdf(tmp_path / "report.pdf", [line]))
    assert line in document.text.replace("\n", "")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "file is empty"),
    (b"   \n\n", "file is empty"),
    (bytes(range(256)) * 20, "binary"),
])
def test_bad_files_raise_one_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_document(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_document(tmp_path / "nope.txt")


def test_corrupt_docx_and_pdf_fail_clearly(tmp_path: Path) -> None:
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(InputError, match="not a valid .docx"):
        read_document(tmp_path / "broken.docx")
    with pytest.raises(InputError, match="PDF"):
        read_document(tmp_path / "broken.pdf")
