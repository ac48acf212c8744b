"""The size limits of the metadata document: how long each text and how many items each list may be.

Generous for real science (a consortium paper's 2,000 authors, a coastline of 1,000 points), small
enough that no deposit makes a page, an export or a DataCite registration pathological (a
100,000-point polygon made a 15 MB DataCite XML; 5,000 creators a 12-second review page). The schema
(`repository.metadata`) checks them at submission, the README lists them, and the settings size
Django's form-field limit from them. Plain numbers, importable from the settings.
"""

from __future__ import annotations

# Texts, in characters
NAME = 300  # a creator's, contributor's, contact's or organisation's name, a place, a publisher
GIVEN_FAMILY_NAME = 200
TITLE = 500
DESCRIPTION = 20_000  # an abstract, the lineage
IDENTIFIER = 100  # an ORCID iD, a ROR id, a licence's SPDX identifier
URI = 2_000  # a concept, thesaurus, licence or award address
RELATED_IDENTIFIER = 1_000
LANGUAGE = 35  # a BCP 47 tag
VERSION = 100
DATE = 21  # YYYY-MM-DD/YYYY-MM-DD
UNIT = 100  # a measured variable's unit, as text or as a code

# Lists, in items
TITLES = 20
CREATORS = 2_000
CONTRIBUTORS = 500
AFFILIATIONS = 10  # per person
DESCRIPTIONS = 20
SUBJECTS = 500
FUNDING_REFERENCES = 200
RIGHTS = 10
GEO_LOCATIONS = 100
POLYGON_POINTS = 1_000  # per polygon
POLYGON_POINTS_TOTAL = 10_000  # in all the polygons of a document
DATES = 100
RELATED_IDENTIFIERS = 500
VARIABLES = 500  # measured variables (a NetCDF preview lists at most 200 a file)

# The wizard posts all of a step's fields at once, and the people step of the largest deposit is
# the largest form: at most 6 fields a person (kind, name, family and given names, ORCID iD, a
# contributor's role), 2 an affiliation (name, ROR id), 6 a funder, a few for the contact and the
# step itself (revision, step, CSRF token). Django refuses a form with more fields than
# DATA_UPLOAD_MAX_NUMBER_FIELDS, 1,000 by default: about 200 creators.
WIZARD_MAX_FORM_FIELDS = (CREATORS + CONTRIBUTORS) * (6 + 2 * AFFILIATIONS) + FUNDING_REFERENCES * 6 + 100
