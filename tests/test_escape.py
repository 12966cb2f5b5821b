"""People's text on the wiki shows as text: HTML GitHub's sanitizer would throw away (with the words in it)
is escaped, while what people mean as Markdown (autolinks, code spans, a < b, arrows, line breaks) looks
as it did. Checked on the rendered page (tests/github_render.py), not on the Markdown source."""

from __future__ import annotations

import pytest
from github_render import links, visible_text

from pmaction.text.escape import cell, inline, link, link_text

LOST_WITH_THEIR_CONTENT = [
    "<script>alert(1)</script> lost words",
    "<style>body { display: none }</style> style words",
    "<iframe src=https://x.example>frame words</iframe> after",
    "<textarea>area words</textarea> after",
    "<textarea>an unclosed text area swallows the rest",
    "<plaintext>and so does plaintext",
    "<title>title words</title> <noscript>noscript words</noscript> <xmp>xmp words</xmp>",
    "<svg><text>svg words</text></svg> <math>math words</math> <template>template words</template>",
    "we hit the <ENV> limit and the <TODO> list",
    "a comment <!-- that hides --> words, and <?php echo ?> and <![CDATA[ x ]]>",
    "</td></tr></table> breaking out of the table",
    "<img src=x onerror=alert(1)> image",
    "\\<script>escaped opener</script>",
    "`code` <script>after code</script> `more`",
]


@pytest.mark.parametrize("text", LOST_WITH_THEIR_CONTENT)
@pytest.mark.parametrize("escape", [cell, inline], ids=["cell", "inline"])
def test_html_in_peoples_text_shows_as_text_on_the_page(escape: object, text: str) -> None:
    if escape is cell:
        shown = visible_text(f"| x |\n|---|\n| {cell(text)} |\n").removeprefix("x ")
    else:
        shown = visible_text(f"- {inline(text)}\n")
    assert shown == " ".join(text.replace("\\<", "<").replace("`", "").split())  # Markdown eats \ and `


KEPT_AS_WRITTEN = [
    ("a < b and b > c", "a < b and b > c"),
    ("x <3 y, a <= b, <- and ->, <> and < tag", "x <3 y, a <= b, <- and ->, <> and < tag"),
    ("see <https://status.example/incidents/7>", "see https://status.example/incidents/7"),
    ("mail <oncall@example.com>", "mail oncall@example.com"),
    ("the `<div>` and ``<b>`` tags", "the <div> and <b> tags"),
    ("a &lt;b&gt; entity", "a <b> entity"),
]


@pytest.mark.parametrize(("text", "seen"), KEPT_AS_WRITTEN)
def test_everyday_text_looks_as_it_did(text: str, seen: str) -> None:
    assert visible_text(f"- {inline(text)}\n") == seen
    assert visible_text(f"| x |\n|---|\n| {cell(text)} |\n") == f"x {seen}"


def test_autolinks_stay_links() -> None:
    assert links(f"- {inline('see <https://status.example/7> and <oncall@example.com>')}\n") == [
        "https://status.example/7",
        "mailto:oncall@example.com",
    ]


def test_line_breaks_pmaction_writes_in_a_cell_stay_line_breaks() -> None:
    assert cell("first\nsecond <br> third") == "first<br>second <br> third"


def test_escaping_twice_changes_nothing() -> None:
    for text, _ in KEPT_AS_WRITTEN:
        assert cell(cell(text)) == cell(text) and inline(inline(text)) == inline(text)
    for text in LOST_WITH_THEIR_CONTENT:
        assert cell(cell(text)) == cell(text) and inline(inline(text)) == inline(text)


def test_a_title_in_link_text_stays_text_even_after_its_backslashes_are_doubled() -> None:
    title = "\\<script>x</script> y"
    shown = visible_text(f"- {link(link_text(inline(title)), 'https://x.example/1')}\n")
    assert "x" in shown and "y" in shown and shown.startswith("\\")
    assert "<script>" not in link_text(inline(title)).replace("&lt;", "")
