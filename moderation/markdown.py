"""Safe rendering of the Markdown people write in comments.

Two locks, because a comment is written by one party and read, signed in, by the other:
markdown-it-py parses with raw HTML turned off (a `<script>` stays text), and nh3 (the Ammonia
sanitiser) then keeps only a short list of tags and `http`, `https` and `mailto` links, so no
`javascript:` or `data:` URL survives even if the parser let one through. Links get
`rel="nofollow noopener"`.

Images are not rendered: `![alt](url)` becomes a link to the image. A remote image would be
fetched by the reader's browser as soon as the page opens (a tracking pixel in a moderation
thread), and files of the deposit are previewed on the review page anyway.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

MAX_RENDERED_INPUT = 20_000  # a comment is at most 10 000 characters; older or API text is cut here

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "strong",
        "em",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"style"},  # markdown-it's column alignment; nh3 filters the properties below
    "td": {"style"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.disable("image")  # see the module's docstring
    return parser


def render(text: str) -> str:
    """HTML safe to insert in a page, from a comment's Markdown."""
    html = _parser().render((text or "")[:MAX_RENDERED_INPUT])
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="nofollow noopener",
        filter_style_properties={"text-align"},
        strip_comments=True,
    ).strip()
