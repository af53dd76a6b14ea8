"""One self-contained HTML page: sections of headings, paragraphs, tables and PNG figures
(embedded as data URIs), no script and no external file, so it can be mailed or archived."""

from __future__ import annotations

import base64
import dataclasses
import html

STYLE = """
body { font-family: sans-serif; max-width: 75em; margin: 2em auto; padding: 0 1em; color: #222 }
h1 { font-size: 1.6em } h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; margin-top: 2em }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1em }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top }
th { background: #f0f0f0 } img { max-width: 100%; border: 1px solid #eee }
.warning { color: #a00; font-weight: bold } .small { font-size: 0.8em; color: #555 }
"""


@dataclasses.dataclass
class Section:
    """A titled part of the page: its blocks, each already HTML, in order."""

    title: str
    blocks: list[str] = dataclasses.field(default_factory=list)

    def text(self, paragraph: str, css: str = "") -> None:
        attribute = f' class="{css}"' if css else ""
        self.blocks.append(f"<p{attribute}>{html.escape(paragraph)}</p>")

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        self.blocks.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def figure(self, png: bytes, caption: str) -> None:
        data = base64.b64encode(png).decode("ascii")
        self.blocks.append(
            f'<figure><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(caption, quote=True)}">'
            f'<figcaption class="small">{html.escape(caption)}</figcaption></figure>'
        )

    def markdown_table(self, text: str) -> None:
        """A pipe table as g2fit writes them (| a | b |, then | --- |); other lines as text."""
        header: list[str] | None = None
        rows: list[list[str]] = []
        for line in text.splitlines():
            if line.startswith("|"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if header is None:
                    header = cells
                elif not all(set(c) <= {"-", " ", ":"} for c in cells):
                    rows.append(cells)
                continue
            if header is not None:
                self.table(header, rows)
                header, rows = None, []
            if line.strip():
                self.text(line, "warning" if line.startswith("WARNING") else "")
        if header is not None:
            self.table(header, rows)


def render(title: str, sections: list[Section]) -> str:
    """The page as HTML text."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        parts.extend(section.blocks)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
