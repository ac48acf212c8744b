"""The OAI-PMH 2.0 protocol: a request's arguments in, the response document out (lists written
record by record as the response is sent).

The six verbs, every error condition the specification lists for them, selective harvesting by set
and by datestamp (seconds granularity; a day is accepted too), keyset resumption tokens, and
withdrawn records announced as deleted (deletedRecord: persistent).

Choices where the specification leaves room:
- OAI identifiers are `oai:<OAI_REPOSITORY_IDENTIFIER>:<record id>`, the id of `/records/<id>`.
- Sets: `community:<slug>` for each thematic community and `type:<resourceTypeGeneral>` for each
  DataCite resource type in use, under the parents `community` and `type` (harvesting a parent
  gives every record of its children, i.e. all of them). An unknown set matches nothing
  (noRecordsMatch). Estran always has sets, so noSetHierarchy never applies.
- An argument whose value cannot be what the schema allows (a metadataPrefix or set with other
  characters, a malformed date) is a badArgument, so that the `request` element echoing it
  stays valid.
- The list of a ListRecords or ListIdentifiers is read again at each page, from the key of the
  last item sent: items published or modified during a harvest come at its end (see the README,
  *Harvesting Estran*). `completeListSize` is counted at the first page and revised at each
  following one with what changed since (an index range, not a count of the whole list).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from lxml import etree

from . import selectors, tokens
from .formats import FORMATS, XSI_NS, document_of

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"

PREFIX_RE = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$")
SET_RE = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SECONDS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
IDENTIFIER_RE = re.compile(r"^oai:(?P<namespace>[^:]+):(?P<pk>[1-9][0-9]{0,17})$")  # fits a bigint

# verb: (required arguments, optional arguments); resumptionToken is exclusive where allowed.
VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset({"resumptionToken"})),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set", "resumptionToken"})),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set", "resumptionToken"})),
}


class OaiError(Exception):
    """One or more OAI-PMH errors: (code, message) pairs."""

    def __init__(self, code: str, message: str, *more: tuple[str, str]):
        super().__init__(message)
        self.errors = [(code, message), *more]


def _tag(name: str, ns: str = OAI_NS) -> str:
    return f"{{{ns}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None, ns: str = OAI_NS, **attrs) -> etree._Element:
    el = etree.SubElement(parent, _tag(name, ns), **attrs)
    if text is not None:
        el.text = text
    return el


def datestamp(value: datetime) -> str:
    """UTC, to the second: the granularity Estran announces."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def base_url() -> str:
    return f"{settings.SITE_URL}/oai"


def oai_identifier(pk: int) -> str:
    return f"oai:{settings.OAI_REPOSITORY_IDENTIFIER}:{pk}"


def _record_pk(identifier: str) -> int | None:
    match = IDENTIFIER_RE.match(identifier)
    if not match or match["namespace"] != settings.OAI_REPOSITORY_IDENTIFIER:
        return None
    return int(match["pk"])


# --- Arguments ----------------------------------------------------------------------------------


def _arguments(verb: str, raw: dict[str, list[str]]) -> dict[str, str]:
    required, optional = VERBS[verb]
    args: dict[str, str] = {}
    for name, values in raw.items():
        if name == "verb":
            continue
        if name not in required | optional:
            raise OaiError("badArgument", f"{verb} takes no argument {name!r}.")
        if len(values) != 1:
            raise OaiError("badArgument", f"The argument {name!r} is repeated.")
        if not values[0]:
            raise OaiError("badArgument", f"The argument {name!r} is empty.")
        args[name] = values[0]
    if "resumptionToken" in args:
        if len(args) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument: send it alone with the verb.")
        return args
    missing = sorted(required - args.keys())
    if missing:
        raise OaiError("badArgument", f"{verb} needs the argument {', '.join(missing)}.")
    if "metadataPrefix" in args and not PREFIX_RE.match(args["metadataPrefix"]):
        raise OaiError("badArgument", "metadataPrefix has characters a metadata prefix cannot have.")
    if "set" in args and not SET_RE.match(args["set"]):
        raise OaiError("badArgument", "set is not a setSpec (letters, digits, -_.!~*'() and : between levels).")
    if "identifier" in args and (len(args["identifier"]) > 1000 or re.search(r"\s", args["identifier"])):
        raise OaiError("badArgument", "identifier is not a URI.")
    _datestamp_range(args.get("from", ""), args.get("until", ""))
    return args


def _parse_datestamp(name: str, value: str) -> tuple[datetime, bool]:
    """A `from` or `until` as a UTC datetime, and whether it was a day."""
    try:
        if DAY_RE.match(value):
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC), True
        if SECONDS_RE.match(value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), False
    except ValueError:
        pass
    raise OaiError("badArgument", f"{name} must be a UTC datestamp, YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")


def _datestamp_range(from_: str, until: str) -> tuple[datetime | None, datetime | None]:
    """The bounds to query: `from` included, `until` excluded after widening it to the end of its
    second (or day), since datestamps are shown to the second and a record modified at
    10:00:00.4 has the datestamp 10:00:00."""
    lower = upper = None
    lower_is_day = upper_is_day = None
    if from_:
        lower, lower_is_day = _parse_datestamp("from", from_)
    if until:
        start, upper_is_day = _parse_datestamp("until", until)
        try:
            upper = start + (timedelta(days=1) if upper_is_day else timedelta(seconds=1))
        except OverflowError:  # until 9999-12-31: no bound
            upper = datetime.max.replace(tzinfo=UTC)
    if from_ and until:
        if lower_is_day != upper_is_day:
            raise OaiError("badArgument", "from and until must have the same granularity.")
        if lower >= upper:
            raise OaiError("badArgument", "from is later than until.")
    return lower, upper


# --- Verbs --------------------------------------------------------------------------------------


@dataclass
class Listing:
    """The records of a GetRecord, ListRecords or ListIdentifiers response, written one at a time
    when the response is sent (`stream`), so that a page of large ISO records never sits whole in
    memory; and what its resumptionToken says."""

    verb: str
    records: list
    prefix: str
    headers_only: bool = False
    token: str | None = None
    expires: datetime | None = None
    complete_list_size: int = 0
    cursor: int = 0
    resumed: bool = False  # a page after the first: the list was split

    @property
    def has_token_element(self) -> bool:
        """A token while the list goes on; an empty one closing a list that was split."""
        return self.token is not None or self.resumed


def identify(parent: etree._Element, args: dict[str, str]) -> None:
    earliest = selectors.earliest_datestamp()
    el = _sub(parent, "Identify")
    _sub(el, "repositoryName", settings.OAI_REPOSITORY_NAME)
    _sub(el, "baseURL", base_url())
    _sub(el, "protocolVersion", "2.0")
    _sub(el, "adminEmail", settings.OAI_ADMIN_EMAIL)
    _sub(el, "earliestDatestamp", datestamp(earliest) if earliest else "1970-01-01T00:00:00Z")
    _sub(el, "deletedRecord", "persistent")
    _sub(el, "granularity", GRANULARITY)
    description = _sub(el, "description")
    ident = etree.SubElement(description, _tag("oai-identifier", OAI_IDENTIFIER_NS), nsmap={None: OAI_IDENTIFIER_NS})
    ident.set(
        f"{{{XSI_NS}}}schemaLocation", f"{OAI_IDENTIFIER_NS} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
    )
    _sub(ident, "scheme", "oai", ns=OAI_IDENTIFIER_NS)
    _sub(ident, "repositoryIdentifier", settings.OAI_REPOSITORY_IDENTIFIER, ns=OAI_IDENTIFIER_NS)
    _sub(ident, "delimiter", ":", ns=OAI_IDENTIFIER_NS)
    _sub(ident, "sampleIdentifier", oai_identifier(42), ns=OAI_IDENTIFIER_NS)


def list_metadata_formats(parent: etree._Element, args: dict[str, str]) -> None:
    if "identifier" in args:
        pk = _record_pk(args["identifier"])
        if pk is None or selectors.record_by_pk(pk, with_metadata=False) is None:
            raise OaiError("idDoesNotExist", f"No record has the identifier {args['identifier']}.")
    el = _sub(parent, "ListMetadataFormats")
    for fmt in FORMATS.values():
        format_el = _sub(el, "metadataFormat")
        _sub(format_el, "metadataPrefix", fmt.prefix)
        _sub(format_el, "schema", fmt.schema)
        _sub(format_el, "metadataNamespace", fmt.namespace)


def list_sets(parent: etree._Element, args: dict[str, str]) -> None:
    if "resumptionToken" in args:
        # The list of sets always fits in one response: no token is ever issued for it.
        raise OaiError("badResumptionToken", "ListSets issues no resumptionToken; this one is not valid.")
    el = _sub(parent, "ListSets")
    for oai_set in selectors.sets():
        set_el = _sub(el, "set")
        _sub(set_el, "setSpec", oai_set.spec)
        _sub(set_el, "setName", oai_set.name)
        if oai_set.description:
            dc = etree.SubElement(
                _sub(set_el, "setDescription"), _tag("dc", OAI_DC_NS), nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS}
            )
            dc.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
            _sub(dc, "description", oai_set.description, ns=DC_NS)


def get_record(parent: etree._Element, args: dict[str, str]) -> Listing:
    prefix, identifier = args["metadataPrefix"], args["identifier"]
    pk = _record_pk(identifier)
    record = selectors.record_by_pk(pk) if pk is not None else None
    errors = []
    if prefix not in FORMATS:
        errors.append(("cannotDisseminateFormat", f"Estran does not disseminate {prefix!r}: see ListMetadataFormats."))
    if record is None:
        errors.append(("idDoesNotExist", f"No record has the identifier {identifier}."))
    if errors:
        raise OaiError(*errors[0], *errors[1:])
    return Listing("GetRecord", [record], prefix)


def _listing(verb: str, args: dict[str, str], *, headers_only: bool) -> Listing:
    position = None
    if "resumptionToken" in args:
        try:
            position = tokens.decode(args["resumptionToken"], verb=verb)
        except tokens.BadToken as exc:
            raise OaiError("badResumptionToken", str(exc)) from None
        prefix, set_spec = position.metadata_prefix, position.set_spec
        from_, until, after, cursor = position.from_, position.until, position.after, position.cursor
    else:
        prefix, set_spec = args["metadataPrefix"], args.get("set", "")
        from_, until, after, cursor = args.get("from", ""), args.get("until", ""), None, 0
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"Estran does not disseminate {prefix!r}: see ListMetadataFormats.")
    lower, upper = _datestamp_range(from_, until)
    records = selectors.harvest_records(set_spec=set_spec, from_=lower, until=upper)
    if records is None:
        raise OaiError("noRecordsMatch", f"There is no set {set_spec!r}: see ListSets.")
    size = settings.OAI_PAGE_SIZE
    page = selectors.harvest_page(records, after=after, size=size, with_metadata=not headers_only)
    if not page:
        raise OaiError("noRecordsMatch", "No record matches these arguments.")
    listing = Listing(verb, page[:size], prefix, headers_only=headers_only, cursor=cursor, resumed=after is not None)
    if position is not None:
        # Counted at the first page, plus what was published or changed since: each of those comes
        # again at the end of the list (one too many for a change not sent yet: OAI-PMH lets
        # completeListSize be an estimate, revised at each page). An index range, whatever the
        # list's length.
        counted, counted_at = position.counted, position.counted_at
        since = records.filter(modified__gte=datetime.fromisoformat(counted_at)).count()
        listing.complete_list_size = counted + since
    elif len(page) > size:
        counted_at = timezone.now().isoformat()
        counted = listing.complete_list_size = records.count()
    else:
        listing.complete_list_size = len(listing.records)
    if len(page) > size:
        last = listing.records[-1]
        listing.token, listing.expires = tokens.encode(
            tokens.Position(
                verb=verb,
                metadata_prefix=prefix,
                set_spec=set_spec,
                from_=from_,
                until=until,
                last_modified=last.modified.isoformat(),
                last_pk=last.pk,
                cursor=cursor + len(listing.records),
                counted=counted,
                counted_at=counted_at,
            )
        )
    return listing


def list_records(parent: etree._Element, args: dict[str, str]) -> Listing:
    return _listing("ListRecords", args, headers_only=False)


def list_identifiers(parent: etree._Element, args: dict[str, str]) -> Listing:
    return _listing("ListIdentifiers", args, headers_only=True)


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}


# --- Writing ------------------------------------------------------------------------------------


def _write_text(xf, name: str, text: str, **attrs) -> None:
    with xf.element(_tag(name), attrs):
        xf.write(text)


def _write_header(xf, record) -> None:
    with xf.element(_tag("header"), {"status": "deleted"} if record.is_withdrawn else {}):
        _write_text(xf, "identifier", oai_identifier(record.pk))
        _write_text(xf, "datestamp", datestamp(record.modified))
        for spec in selectors.record_set_specs(record):
            _write_text(xf, "setSpec", spec)


CHUNK = 64 * 1024


def stream(root: etree._Element, listing: Listing) -> Iterator[bytes]:
    """The response: `root`'s start, responseDate and request, then the listing record by record
    (each record's metadata is built, written and dropped in turn)."""
    buffer = io.BytesIO()

    def drain() -> bytes:
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return data

    with etree.xmlfile(buffer, encoding="UTF-8", buffered=False) as xf:
        xf.write_declaration()
        with xf.element(root.tag, dict(root.attrib), nsmap=root.nsmap):
            for child in root:  # responseDate, request (written anew: no namespace redeclared)
                with xf.element(child.tag, dict(child.attrib)):
                    xf.write(child.text)
            with xf.element(_tag(listing.verb)):
                for record in listing.records:
                    if listing.headers_only:
                        _write_header(xf, record)
                    else:
                        with xf.element(_tag("record")):
                            _write_header(xf, record)
                            if not record.is_withdrawn:
                                with xf.element(_tag("metadata")):
                                    xf.write(FORMATS[listing.prefix].build(record, document_of(record)))
                    if buffer.tell() >= CHUNK:
                        yield drain()
                if listing.has_token_element:
                    attrs = {"completeListSize": str(listing.complete_list_size), "cursor": str(listing.cursor)}
                    if listing.expires is not None:
                        attrs["expirationDate"] = datestamp(listing.expires)
                    with xf.element(_tag("resumptionToken"), attrs):
                        if listing.token:
                            xf.write(listing.token)
    yield drain()


def respond(raw: dict[str, list[str]]) -> Iterator[bytes]:
    """The response to a request's arguments (every value of every name), as chunks of bytes.
    Everything that reads the database or may fail happens before the first chunk."""
    root = etree.Element(_tag("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
    _sub(root, "responseDate", datestamp(timezone.now()))
    request = _sub(root, "request", base_url())
    verbs = raw.get("verb", [])
    try:
        if len(verbs) != 1 or verbs[0] not in VERBS:
            raise OaiError(
                "badVerb",
                "The verb is missing, repeated or not an OAI-PMH verb."
                if len(verbs) != 1
                else f"{verbs[0]!r} is not an OAI-PMH verb.",
            )
        verb = verbs[0]
        args = _arguments(verb, raw)
        # Only a request without badVerb or badArgument is echoed (OAI-PMH 3.2).
        request.set("verb", verb)
        for name, value in args.items():
            request.set(name, value)
        listing = HANDLERS[verb](root, args)
    except OaiError as exc:
        for code, message in exc.errors:
            _sub(root, "error", message, code=code)
        listing = None
    if listing is not None:
        return stream(root, listing)
    return iter([etree.tostring(root, xml_declaration=True, encoding="UTF-8")])
