"""Generated editions for tests and benchmarks: never presented as a real text."""

from __future__ import annotations


def synthetic_text(paragraphs: int, subparagraphs: int = 3, sections_every: int = 10) -> str:
    """A Markdown edition of ``paragraphs`` paragraphs with ``subparagraphs`` each."""
    lines = ["# Synthetic edition", "", "Generated for tests.", "", "---", ""]
    for n in range(1, paragraphs + 1):
        if (n - 1) % sections_every == 0:
            lines += [f"## Section {(n - 1) // sections_every + 1}", ""]
        lines.append(f"{n}. Paragraph {n} says something about clause {n}.")
        lines += [f"  - {n}.{k} item {k} of paragraph {n};" for k in range(1, subparagraphs + 1)]
        lines.append("")
    return "\n".join(lines)
