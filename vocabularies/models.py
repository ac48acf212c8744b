"""Thesauri loaded from SKOS files, their concepts, and the label index the type-ahead searches.

Deposits never point at these rows: a keyword is copied into the deposit's metadata (label, concept
URI, thesaurus title and URI), so reloading or deprecating a concept never changes a deposit."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _

LANGUAGES = ("en", "fr")


class Thesaurus(models.Model):
    """One concept scheme (or NVS collection): the unit a file is loaded into and a picker offers."""

    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=300)
    uri = models.CharField(max_length=500, blank=True, help_text=_("Concept scheme or collection URI."))
    version = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=300, blank=True, help_text=_("File it was last loaded from."))
    loaded_at = models.DateTimeField(null=True, blank=True)
    concept_count = models.PositiveIntegerField(default=0, help_text=_("Concepts not deprecated."))

    class Meta:
        ordering = ["title"]
        verbose_name_plural = _("thesauri")

    def __str__(self) -> str:
        return self.title


class Concept(models.Model):
    thesaurus = models.ForeignKey(Thesaurus, on_delete=models.CASCADE, related_name="concepts")
    uri = models.CharField(max_length=500)
    notation = models.CharField(max_length=100, blank=True)
    pref_label_en = models.CharField(max_length=500, blank=True)
    pref_label_fr = models.CharField(max_length=500, blank=True)
    alt_labels = models.JSONField(default=dict, blank=True, help_text=_('{"en": [...], "fr": [...]}'))
    definition = models.TextField(blank=True)
    # NVS broader links mostly point into collections that are not loaded: the URI is always kept,
    # the row only when a loaded thesaurus has it.
    broader_uri = models.CharField(max_length=500, blank=True)
    broader = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="narrower")
    replaced_by_uri = models.CharField(max_length=500, blank=True)
    deprecated = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pref_label_en"]
        constraints = [models.UniqueConstraint(fields=["thesaurus", "uri"], name="vocab_concept_uri_unique")]
        indexes = [models.Index(fields=["uri"], name="vocab_concept_uri")]

    def __str__(self) -> str:
        return self.label("en") or self.uri

    def label(self, lang: str = "en") -> str:
        """The preferred label in `lang`, else in English, else in French."""
        return self.label_and_language(lang)[0]

    def label_and_language(self, lang: str = "en") -> tuple[str, str]:
        for code in (lang, "en", "fr"):
            text = self.pref_label_fr if code == "fr" else self.pref_label_en
            if text:
                return text, code
        return self.uri, ""


class ConceptLabel(models.Model):
    """The search index: one row per distinct label of a concept that is not deprecated
    (deprecated concepts have none, so the search never sees them)."""

    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="labels")
    # Denormalised to filter by thesaurus without a join. Not indexed on purpose: with an index,
    # PostgreSQL walked a whole thesaurus to find a rare word; without, it filters the rows that
    # the label indexes return (deleting a thesaurus scans instead, which is rare).
    thesaurus = models.ForeignKey(Thesaurus, on_delete=models.CASCADE, related_name="+", db_index=False)
    text = models.CharField(max_length=500)
    norm = models.CharField(max_length=500, help_text=_("vocabularies.text.normalise(text)"))
    lang = models.CharField(max_length=2)
    is_pref = models.BooleanField()

    class Meta:
        indexes = [
            # PostgreSQL only (migration 0001 creates them there and nowhere else; SQLite, the
            # embedded default with a few thousand concepts, scans). Prefix matches: a btree on the
            # C-collated text serves `norm COLLATE "C" LIKE 'tem%' ORDER BY norm COLLATE "C"` in
            # index order, so a one-letter query reads only the rows it returns, whatever the
            # database's own collation.
            models.Index(Collate("norm", "C"), name="vocab_label_prefix"),
            # Word and infix matches (`norm LIKE '%water%'`): trigrams (pg_trgm).
            GinIndex(fields=["norm"], opclasses=["gin_trgm_ops"], name="vocab_label_trgm"),
        ]

    def __str__(self) -> str:
        return self.text
