"""Tables and echoed text for the terminal and GitHub Markdown, with one escaping rule for both.

Everything shown from input (rule, tier and model names, request ids, queries, file names) goes
through ``printable``: it stays on one line and shows control characters as ``\\xNN`` instead of
sending them to the terminal. Markdown adds ``md_cell``: HTML-escaped and with every character that
can start formatting, a link or a table cell backslash-escaped, so a logged query is inert in a PR comment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import rich.table
    import rich.text

Align = Literal["left", "right"]

# Line breaks (as str.splitlines sees them) and tabs become one space: an echoed value is one line.
_BREAKS = re.compile(r"\r\n|[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")
# Other C0 controls, DEL and C1 controls (ESC, CSI, OSC... start escape sequences) are shown, not sent.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# HTML's specials as entities; Markdown punctuation that can open emphasis, code, links, headings,
# strikethrough or a table cell, backslash-escaped. ``<``/``>`` are entities, so no autolink or tag.
_MD = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", **{c: "\\" + c for c in "\\`*_[]#~"}})


def printable(text: str) -> str:
    """The text on one line, with control characters shown as ``\\xNN`` escapes."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", _BREAKS.sub(" ", text))


def md_cell(text: str) -> str:
    """The text, inert inside a cell of a GitHub Markdown table: no HTML, formatting, links or line breaks."""
    return printable(text).translate(_MD)


def md_text(text: str) -> str:
    """The text, inert in a Markdown line outside a table: the same rule as a cell."""
    return md_cell(text)


def plain(text: str) -> rich.text.Text:
    """Rich text that prints as ``printable(text)``, never parsed as markup."""
    from rich.text import Text

    return Text(printable(text))


@dataclass(frozen=True, slots=True)
class Table:
    """A table of text to render: headers, rows of cells, each column's alignment (default left)."""

    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    align: Sequence[Align] = ()
    title: str = ""
    row_headers: bool = False  # the first column names the rows: shown bold

    def alignment(self) -> list[Align]:
        """One alignment per column."""
        return [self.align[i] if i < len(self.align) else "left" for i in range(len(self.headers))]


def rich_table(table: Table, *, fold: bool = False) -> rich.table.Table:
    """The table for a terminal; every cell, header and the title as plain text."""
    from rich.table import Table as RichTable

    out = RichTable(title=plain(table.title) if table.title else None, title_justify="left")
    for head, justify in zip(table.headers, table.alignment(), strict=True):
        out.add_column(plain(head), justify=justify, overflow="fold" if fold else "ellipsis")
    if table.row_headers and out.columns:
        out.columns[0].style = "bold"
    for row in table.rows:
        out.add_row(*(plain(cell) for cell in row))
    return out


def markdown_table(table: Table) -> str:
    """The table as GitHub-flavoured Markdown (no title line); every cell through ``md_cell``."""
    rule = {"left": "---", "right": "---:"}
    lines = [_md_row(table.headers), "|" + "|".join(rule[a] for a in table.alignment()) + "|"]
    return "\n".join(lines + [_md_row(row, table.row_headers) for row in table.rows])


def _md_row(cells: Sequence[str], bold_first: bool = False) -> str:
    shown = [md_cell(c) for c in cells]
    if bold_first and shown:
        shown[0] = f"**{shown[0]}**"
    return "| " + " | ".join(shown) + " |"
