"""Tables and echoed text for the terminal and GitHub Markdown, with one escaping rule for both.

Everything shown from input (rule, tier and model names, request ids, queries, file names) goes
through ``printable``: it stays on one line and shows control characters as ``\\xNN`` instead of
sending them to the terminal. Markdown adds ``md_cell``: HTML-escaped and with every character that
can start formatting, a link or a table cell backslash-escaped, so a logged query is inert in a PR comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import rich.console
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


def rich_table(table: Table, *, fold: bool = False) -> Fitted:
    """The table for a terminal, fitted to its width; every cell, header and the title as plain text."""
    return Fitted(table, fold)


class Fitted:
    """A table laid out for the width it gets, so that no number is ever cut.

    As is when it fits. When it is wider than the terminal, the numeric (right-aligned) columns
    keep the width of their widest cell, their headers break between words, and names wrap
    instead of being cut; when even that does not fit, each row is printed as ``header: value`` lines.
    """

    def __init__(self, table: Table, fold: bool) -> None:
        self.table, self.fold = table, fold

    def __rich_console__(self, console: rich.console.Console, options: rich.console.ConsoleOptions) -> Iterator[Any]:
        from rich.measure import Measurement

        natural = _rich(self.table, fold=self.fold, narrow=False)
        if Measurement.get(console, options.update_width(10_000), natural).maximum <= options.max_width:
            yield natural
        elif _narrow_width(self.table) <= options.max_width:
            yield _rich(self.table, fold=True, narrow=True)
        else:
            yield _records(self.table)


NAME_WIDTH = 6  # the least a names' column gets in a narrowed table


def _narrow_width(table: Table) -> int:
    """The width the narrowed table needs: numbers whole, names at ``NAME_WIDTH``, borders and padding."""
    widths = []
    for i, justify in enumerate(table.alignment()):
        if justify == "right":
            cells = [printable(row[i]) for row in table.rows]
            widths.append(max(len(text) for text in [*_words(table.headers[i]), *cells]))
        else:
            widths.append(NAME_WIDTH)
    return sum(widths) + 3 * len(widths) - 1


def _records(table: Table) -> rich.text.Text:
    """Each row as ``header: value`` lines, a blank line between rows, under the title."""
    from rich.text import Text

    blocks = [
        "\n".join(f"{printable(head)}: {printable(cell)}" for head, cell in zip(table.headers, row, strict=True))
        for row in table.rows
    ]
    title = [printable(table.title)] if table.title else []
    return Text("\n\n".join(title + blocks))


def _rich(table: Table, *, fold: bool, narrow: bool) -> rich.table.Table:
    from rich.table import Table as RichTable

    title = plain(table.title) if table.title else None
    out = RichTable(title=title, title_justify="left", pad_edge=not narrow)
    for head, justify in zip(table.headers, table.alignment(), strict=True):
        if narrow and justify == "right":  # a number is never cut: its header breaks between words
            out.add_column(_stacked(head), justify=justify, no_wrap=True)
        else:
            out.add_column(plain(head), justify=justify, overflow="fold" if fold else "ellipsis")
    if table.row_headers and out.columns:
        out.columns[0].style = "bold"
    for row in table.rows:
        out.add_row(*(plain(cell) for cell in row))
    return out


def _stacked(head: str) -> rich.text.Text:
    """A header with a word per line (hyphens break too), shown as ``printable``."""
    from rich.text import Text

    return Text("\n".join(printable(word) for word in _words(head)))


def _words(head: str) -> list[str]:
    """A header's words, broken at spaces and after hyphens: the lines of a stacked header."""
    return [word for word in re.split(r" |(?<=-)", head) if word]


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
