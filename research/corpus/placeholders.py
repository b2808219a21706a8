"""Template placeholders left in published reports ("xx年", "XX局", "____", "□", "***").

They are kept in the text (removing them would invent a sentence the author never wrote) and
flagged, so a researcher can filter or count paragraphs written from a template.
"""

from __future__ import annotations

import re

#: xx/XX standing for a year, a name or an office; runs of blanks, boxes or asterisks; empty
#: quotation marks where a school's name was taken out.
#: "二○○七年" (○ as a zero) and pseudonyms such as "R县" are not placeholders.
PLACEHOLDER = re.compile(
    r"(?<![A-Za-z0-9])[xX]{1,3}(?=[\u4e00-\u9fff])"
    r"|(?<=[\u4e00-\u9fff])[xX]{1,3}(?![A-Za-z0-9])"
    r"|_{2,}|□|■{2,}|\*{3,}|“”"
)


def placeholder_flags(text: str) -> tuple[str, ...]:
    """('placeholder',) when the text holds a template placeholder, else ()."""
    return ("placeholder",) if PLACEHOLDER.search(text) else ()
