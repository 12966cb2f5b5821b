"""What a reader sees of a wiki page: the Markdown rendered (CommonMark + GFM tables, by markdown-it-py, the
dev extra the Markdown scanner is tested against), then cleaned the way GitHub's HTML sanitizer cleans it:
the elements it removes WITH their content are dropped, and so is everything after one left open (an
unclosed ``<textarea>`` or ``<plaintext>`` swallows the rest of the page); other tags go, their text stays.

A test oracle, not GitHub's code: it is stricter where unsure (more elements dropped with their content).
"""

from __future__ import annotations

from html.parser import HTMLParser

from markdown_it import MarkdownIt

# GitHub drops these with what they hold (script, style, iframe ... as github-facts.md says), plus the
# other elements whose content a browser does not show as text.
REMOVED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "iframe",
        "textarea",
        "title",
        "noscript",
        "noembed",
        "noframes",
        "xmp",
        "plaintext",
        "svg",
        "math",
        "template",
        "object",
        "select",
        "frameset",
        "head",
    }
)
VOID = frozenset(
    {"br", "hr", "img", "input", "meta", "link", "wbr", "area", "base", "col", "embed", "source"}
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden: list[str] = []  # the open elements whose content is dropped
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in REMOVED_WITH_CONTENT:
            self.hidden.append(tag)
        elif tag == "a":
            self.links.extend(value or "" for name, value in attrs if name == "href")
        elif tag in VOID or tag in ("td", "th", "p", "li", "tr"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.hidden:
            while self.hidden and self.hidden.pop() != tag:
                pass
        elif tag in ("td", "th", "p", "li", "tr"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def render_html(markdown: str) -> str:
    return _markdown().render(markdown)


def visible_text(markdown: str) -> str:
    """The page's words as a reader sees them, whitespace collapsed to single spaces."""
    parser = _Text()
    parser.feed(render_html(markdown))
    parser.close()
    return " ".join("".join(parser.parts).split())


def links(markdown: str) -> list[str]:
    parser = _Text()
    parser.feed(render_html(markdown))
    parser.close()
    return parser.links
