from django.contrib import admin

from .models import Concept, Thesaurus


@admin.register(Thesaurus)
class ThesaurusAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "version", "concept_count", "loaded_at", "source")
    readonly_fields = ("uri", "version", "source", "loaded_at", "concept_count")
    search_fields = ("title", "slug", "uri")


@admin.register(Concept)
class ConceptAdmin(admin.ModelAdmin):
    """Concepts come from SKOS files (manage.py estran_load_thesaurus): read here, changed there."""

    list_display = ("pref_label_en", "pref_label_fr", "notation", "thesaurus", "deprecated")
    list_filter = ("thesaurus", "deprecated")
    search_fields = ("pref_label_en", "pref_label_fr", "uri", "notation")
    list_select_related = ("thesaurus",)
    raw_id_fields = ("broader",)
    readonly_fields = ("thesaurus", "uri", "created", "modified")
