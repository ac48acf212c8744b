"""FAIR Signposting (https://signposting.org/FAIR/) of a landing page: the typed links a machine
follows from it without parsing HTML, as HTTP `Link` headers (level 1) and as a linkset (level 2,
RFC 9264 `application/linkset+json`, at `/records/<id>/export/linkset`).

- `cite-as`: the DOI's URL; `type`: `schema.org/Dataset` (the resource type) and
  `schema.org/AboutPage` (a landing page);
- `author`: each creator's ORCID iD (creators without one have no URI to give);
- `describedby`: each metadata format, with its media type (DataCite XML and JSON, schema.org
  JSON-LD, ISO 19115-3, PROV-O provenance in JSON-LD and Turtle, and the citation formats) and, for
  a media type that does not say which format it holds (`application/ld+json`, `text/turtle`), the
  format's URI as `profile` (`https://schema.org/`, PROV-O's namespace);
- `item`: each file, with its media type, when anyone may download it (not under embargo, not
  withdrawn);
- `license`: the licence's URL; `linkset`: the linkset, with its media type.

Media types (`type`) are given where the recipe defines them, on `describedby`, `item` and
`linkset`, and nowhere else. `cite-as` has none on purpose: the recipe gives it none, F-UJI reads
only its target, and none would be true: the DOI resolves to the landing page for a browser but to
any of the exports for a client that negotiates (at doi.org as at `/doi/<doi>`). `author`,
`license` and `type` name things (people, licences, classes), not documents to fetch.

The linkset (level 2) also has the links whose origin is a file (`collection`: its landing page)
or a metadata format (`describes`: the landing page), as the recipe asks; the files and exports
send the same links in their own `Link` headers (level 1), with the linkset's. They do not send
`cite-as`: the DOI is the dataset's, not a file's nor a metadata record's, and the recipe says not
to give an object's identifier on its parts.

A `Link` header with hundreds of files would outgrow what proxies accept (nginx reads 4-8 KiB of
response headers by default), and a partial list of items would mislead a harvester: with more than
`MAX_HEADER_ITEMS` files the header names none of them and points to the linkset, which has all.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_HEADER_ITEMS = 20
DATASET = "https://schema.org/Dataset"
ABOUT_PAGE = "https://schema.org/AboutPage"
LINKSET_TYPE = "application/linkset+json"
LANDING_TYPE = "text/html"


@dataclass(frozen=True)
class Link:
    href: str
    rel: str
    type: str | None = None
    profile: str | None = None

    def header(self) -> str:
        href = self.href.replace(">", "%3E").replace("<", "%3C")
        value = f'<{href}>; rel="{self.rel}"'
        if self.type:
            value += f'; type="{self.type}"'
        if self.profile:
            value += f'; profile="{self.profile}"'
        return value

    def target(self) -> dict:
        """The link's target object in a JSON linkset."""
        target = {"href": self.href}
        if self.type:
            target["type"] = self.type
        if self.profile:
            target["profile"] = self.profile
        return target


def record_links(
    *,
    doi: str,
    creators_orcids: list[str],
    describedby: list[tuple[str, str, str | None]],
    items: list[tuple[str, str]],
    licences: list[str],
    linkset_url: str | None,
) -> list[Link]:
    """Every link of a record's landing page: `describedby` are (URL, media type, profile or None),
    `items` (URL, media type)."""
    links = [Link(f"https://doi.org/{doi}", "cite-as"), Link(DATASET, "type"), Link(ABOUT_PAGE, "type")]
    links += [Link(f"https://orcid.org/{orcid}", "author") for orcid in dict.fromkeys(creators_orcids)]
    links += [Link(url, "describedby", media_type, profile) for url, media_type, profile in describedby]
    links += [Link(url, "item", media_type) for url, media_type in items]
    links += [Link(url, "license") for url in dict.fromkeys(licences)]
    if linkset_url:
        links.append(Link(linkset_url, "linkset", LINKSET_TYPE))
    return links


def link_header(links: list[Link]) -> str:
    """The `Link` header's value; item links left out when there are more than MAX_HEADER_ITEMS."""
    items = [link for link in links if link.rel == "item"]
    shown = [link for link in links if link.rel != "item" or len(items) <= MAX_HEADER_ITEMS]
    return ", ".join(link.header() for link in shown)


def part_links(landing_url: str, rel: str, linkset_url: str) -> str:
    """The `Link` header of a file (`rel` "collection") or of a metadata format ("describes"): its
    landing page, and the linkset."""
    return ", ".join(
        link.header() for link in (Link(landing_url, rel, LANDING_TYPE), Link(linkset_url, "linkset", LINKSET_TYPE))
    )


def linkset(anchor: str, links: list[Link]) -> dict:
    """RFC 9264's JSON linkset of the landing page (`anchor`), every link included but the
    linkset's own, then one context per file (`collection`) and per metadata format (`describes`)
    pointing back at the page."""
    context: dict = {"anchor": anchor}
    for link in links:
        if link.rel != "linkset":
            context.setdefault(link.rel, []).append(link.target())
    back = {"item": "collection", "describedby": "describes"}
    parts = [
        {"anchor": link.href, back[link.rel]: [{"href": anchor, "type": LANDING_TYPE}]}
        for link in links
        if link.rel in back
    ]
    return {"linkset": [context, *parts]}
