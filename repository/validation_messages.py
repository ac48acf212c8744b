"""What a validation problem of the metadata document says, in the language of the request.

pydantic's own messages ("Input should be less than or equal to 90") are English and worded for
programmers: each error type the document's schema can produce is mapped here to a sentence
marked for translation, with pydantic's context values as its placeholders (`%(le)s`,
`%(max_length)s`). The document's own checks raise `ValueError`s whose message is already such a
sentence (marked with `gettext_noop`); it is translated as it is. `message_for` is called by
`validate_document`, so the wizard, the deposit page and the API's `problems` all read the
message in the active language (the API keeps each problem's `field`, only `message` follows
the request's `Accept-Language`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _, gettext_noop as N_

NUMBER = N_("Enter a number (decimal degrees or metres, with a point).")
DATE = N_("Enter a date as YYYY-MM-DD.")
REQUIRED = N_("This is required.")
FORM = N_("This value is not in the expected form.")
# pydantic's `expected` lists the accepted values ("'Cites' or 'IsCitedBy'"): API clients need them.
CHOICE_OF = N_("Choose one of the values offered: %(expected)s.")

# error type -> message (its placeholders are names of the error's `ctx`)
BY_TYPE: dict[str, str] = {
    "missing": REQUIRED,
    "string_too_short": N_("Enter at least %(min_length)s characters."),
    "string_too_long": N_("Keep it under %(max_length)s characters."),
    "too_short": N_("At least %(min_length)s are required."),
    "too_long": N_("At most %(max_length)s are allowed here."),
    "less_than_equal": N_("Must be at most %(le)s."),
    "greater_than_equal": N_("Must be at least %(ge)s."),
    "less_than": N_("Must be less than %(lt)s."),
    "greater_than": N_("Must be more than %(gt)s."),
    "float_type": NUMBER,
    "float_parsing": NUMBER,
    "finite_number": NUMBER,
    "int_type": N_("Enter a whole number."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "int_parsing_size": N_("Enter a whole number."),
    "date_type": DATE,
    "date_parsing": DATE,
    "date_from_datetime_parsing": DATE,
    "date_from_datetime_inexact": DATE,
    "bool_type": N_("Answer yes or no."),
    "bool_parsing": N_("Answer yes or no."),
    "enum": CHOICE_OF,
    "literal_error": CHOICE_OF,
    "extra_forbidden": N_("This field is not part of the description."),
    "model_type": FORM,
    "model_attributes_type": FORM,
    "dict_type": FORM,
    "list_type": FORM,
    "string_type": FORM,
    "string_unicode": FORM,
}
# a minimum of one is "required" rather than "at least 1"
_AT_LEAST_ONE = {"string_too_short": REQUIRED, "too_short": N_("At least one is required.")}
FALLBACK = N_("This value is not accepted.")


def _plain(value: Any) -> Any:
    """A bound as a person writes it: 90, not 90.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def message_for(error: dict[str, Any]) -> str:
    """The message of one of pydantic's `ValidationError.errors()`, in the active language."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and ctx.get("error") is not None:
        return _(str(ctx["error"]))
    if ctx.get("min_length") == 1 and kind in _AT_LEAST_ONE:
        return _(_AT_LEAST_ONE[kind])
    template = BY_TYPE.get(kind, FALLBACK)
    values = {key: _plain(value) for key, value in ctx.items()}
    try:
        return _(template) % values if "%(" in template else _(template)
    except (KeyError, TypeError, ValueError):
        return _(FALLBACK)
