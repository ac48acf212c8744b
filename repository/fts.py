"""SQLite's full-text search (the embedded default): the FTS5 table that `repository.indexing`
fills, and a query read the way PostgreSQL's `websearch_to_tsquery` reads it, written as FTS5 MATCH
expressions that are always valid.

The table (`repository_record_fts`, migration 0006, SQLite only) has one row per indexed record,
its rowid the record's id, and three columns weighted as PostgreSQL's A, B and C: the titles, the
keywords and creators, the abstract. Its tokenizer, `porter unicode61 remove_diacritics 2`, folds
case and accents ("Température" meets "temperature") and stems with Porter's English rules.

The syntax is websearch_to_tsquery's: words are AND-ed, `"a phrase"` finds the words in that order,
`or` between two words (or phrases) joins alternatives (AND binds tighter: `a b or c` is
`(a b) or c`), a `-` before a word or phrase leaves it out; everything else a user may type
(FTS5's own `AND`, `NOT`, `NEAR(`, `col:x`, `*`, `^`, parentheses, an unbalanced quote) is only
punctuation between words. Every word reaches FTS5 inside double quotes, so nothing typed can be
read as an FTS5 operator, column filter or prefix: a query never fails. As PostgreSQL's English
configuration does, common English and French words (`the`, `of`, `la`, `des`...; the stop-word
lists of PostgreSQL's `english` and `french` configurations, `repository/data/stopwords_*.txt`) are
not required outside quotes, unless a group of words holds nothing else.

What differs from PostgreSQL (the README's *Search and browse* says it to users):
- stemming is English only (Porter's rules; PostgreSQL stems with both the English and the French
  Snowball stemmers): "profiles" finds "profile", "salinités" "salinité" and "mesurées" "mesure",
  but "eaux" does not find "eau", nor "coraux" "corail";
- a phrase is matched word for word, stop words included ("surface of the sea" needs "of the");
  PostgreSQL skips its stop words in a phrase and only keeps their distance;
- ranking is FTS5's bm25, column by column, with PostgreSQL's weights (title 1.0, keywords and
  creators 0.4, abstract 0.2), rather than `ts_rank`'s weighted frequency: the same order in the
  usual cases (a title match above a keyword match above an abstract match), not always among
  records matching alike (bm25 favours rare words and short records, `ts_rank` words close
  together when all are required);
- a snippet is one fragment of the abstract (PostgreSQL's `ts_headline` joins up to two).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

FTS_TABLE = "repository_record_fts"
# The table's columns, in order (snippets name the abstract by its position).
FTS_COLUMNS = ("title", "people_and_keywords", "abstract")
# PostgreSQL's default weights of A, B and C (`ts_rank`), for the columns in the same order.
WEIGHTS = (1.0, 0.4, 0.2)
SNIPPET_TOKENS = 35

# Letters and digits: what FTS5's unicode61 tokenizer keeps as a word (it splits on the rest,
# underscores included).
_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'[^\s"]+')


def fold(text: str) -> str:
    """Case-folded, without accents, as the tokenizer compares words."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _stopwords() -> frozenset[str]:
    folder = Path(__file__).resolve().parent / "data"
    words = set()
    for name in ("stopwords_english.txt", "stopwords_french.txt"):
        words.update(fold(line.strip()) for line in (folder / name).read_text(encoding="utf-8").splitlines())
    words.discard("")
    return frozenset(words)


STOPWORDS = _stopwords()


def normalized(text: str) -> str:
    """Text as it is given to FTS5, written and searched: composed (NFC), so that an accent typed
    as a combining mark is folded like a precomposed one instead of splitting the word."""
    return unicodedata.normalize("NFC", text or "")


@dataclass(frozen=True)
class Term:
    """A word, or a phrase of words in that order; `negated` when it must not appear."""

    words: tuple[str, ...]
    negated: bool = False
    quoted: bool = False

    @property
    def is_stopword(self) -> bool:
        return not self.quoted and all(fold(word) in STOPWORDS for word in self.words)

    @property
    def fts5(self) -> str:
        # A string in double quotes is a phrase to FTS5, never an operator, a column or a prefix;
        # the words hold only letters and digits, the escape is there for safety's sake.
        return '"' + " ".join(self.words).replace('"', '""') + '"'


def parse(q: str) -> list[list[Term]]:
    """`q` read as `websearch_to_tsquery` reads it: groups of terms (AND-ed) that are alternatives
    (OR-ed). Terms without a letter or digit are dropped; so are empty groups."""
    q = normalized(q)
    groups: list[list[Term]] = [[]]
    negated = False
    i, n = 0, len(q)
    while i < n:  # every turn moves i forward
        char = q[i]
        if char.isspace():
            i += 1
            continue
        if char == "-":
            # Before a word or phrase (spaces allowed, as PostgreSQL allows them); `--` cancels out.
            negated = not negated
            i += 1
            continue
        if char == '"':
            end = q.find('"', i + 1)
            end = n if end < 0 else end  # an unbalanced quote runs to the end, as in PostgreSQL
            text, quoted, i = q[i + 1 : end], True, end + 1
        else:
            if groups[-1] and not negated and _is_or(q, i):
                groups.append([])
                i += 2
                continue
            token = _TOKEN.match(q, i)
            text, quoted, i = token.group(), False, token.end()
        words = tuple(_WORD.findall(text))
        if not quoted and len(words) > 1:
            # "sea's", "l'eau": the stop words a word is glued to are not required either.
            words = tuple(w for w in words if fold(w) not in STOPWORDS) or words
        if words:
            groups[-1].append(Term(words=words, negated=negated, quoted=quoted))
        negated = False
    return [group for group in map(_without_stopwords, groups) if group]


def _is_or(q: str, i: int) -> bool:
    """`or` as an operator: after a term, a word of its own, with something after it (else it is
    the word "or"), as PostgreSQL's `parse_or_operator` decides."""
    if q[i : i + 2].lower() != "or":
        return False
    after = q[i + 2 : i + 3]
    if not after or after in "-_" or after.isalnum():
        return False
    return bool(q[i + 2 :].strip())


def _without_stopwords(group: list[Term]) -> list[Term]:
    """PostgreSQL's English configuration drops stop words from a query and its French one the
    French ones, and a record matches when either does: neither is required here, unless the group
    holds nothing else (then PostgreSQL's other language still looks for them)."""
    kept = [term for term in group if not term.is_stopword]
    return kept or group


@dataclass(frozen=True)
class Match:
    """A query as FTS5 MATCH expressions. `positive`: the groups with a term to find (what ranks
    and marks snippets). `excluded`: for the groups made only of `-terms`, what a record must not
    match to meet one of them (FTS5 cannot match a bare NOT)."""

    positive: str | None
    excluded: str | None

    def condition(self, id_column: str) -> tuple[str, list[str]]:
        """An SQL condition on `id_column` (a record's id) and its parameters."""
        parts, params = [], []
        if self.positive:
            parts.append(f"{id_column} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)")
            params.append(self.positive)
        if self.excluded:
            parts.append(f"{id_column} NOT IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)")
            params.append(self.excluded)
        return "(" + " OR ".join(parts) + ")", params

    def ranking(self) -> tuple[str, list[str]] | None:
        """A subquery of (id, score) for the records `positive` matches, higher first: each column's
        bm25 (only valid in a query of the table that matches), weighted as PostgreSQL weighs A, B
        and C. Not bm25's own column weights: they act inside its length normalisation, which then
        put a short record matching in its title above a longer one matching in title and keywords."""
        if not self.positive:
            return None
        per_column = []
        for column, weight in enumerate(WEIGHTS):
            only = ", ".join("1" if c == column else "0" for c in range(len(WEIGHTS)))
            per_column.append(f"{weight} * bm25({FTS_TABLE}, {only})")
        # bm25 is negative, lower is better.
        return (
            f"SELECT rowid AS id, -({' + '.join(per_column)}) AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
            [self.positive],
        )

    def snippet(self, id_column: str, start: str, stop: str) -> tuple[str, list[str]] | None:
        """A scalar subquery: the abstract of the record `id_column` around the words found, marked
        with `start` and `stop`."""
        if not self.positive:
            return None
        column = FTS_COLUMNS.index("abstract")
        return (
            f"(SELECT snippet({FTS_TABLE}, {column}, %s, %s, %s, {SNIPPET_TOKENS}) FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH %s AND rowid = {id_column})",
            [start, stop, "…", self.positive],
        )


@functools.lru_cache(maxsize=256)
def match(q: str) -> Match | None:
    """The MATCH expressions of a query, or None when it has no word to look for."""
    positive, excluded = [], []
    for group in parse(q):
        found = [t.fts5 for t in group if not t.negated]
        left_out = [t.fts5 for t in group if t.negated]
        if found:
            expression = "(" + " AND ".join(found) + ")"
            if left_out:
                expression = f"({expression} NOT ({' OR '.join(left_out)}))"
            positive.append(expression)
        else:
            # not a and not b = not (a or b); several such groups: not (all of them at once)
            excluded.append("(" + " OR ".join(left_out) + ")")
    if not positive and not excluded:
        return None
    return Match(positive=" OR ".join(positive) or None, excluded=" AND ".join(excluded) or None)
