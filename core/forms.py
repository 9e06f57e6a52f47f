"""The base of every HTML form: Flask-WTF's CSRF token plus WTForms' own messages in the reader's language."""

from __future__ import annotations

from babel import support
from flask_babel import get_babel, get_locale
from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.i18n import messages_path

_WTFORMS_CATALOGS: dict[str, support.Translations] = {}


class _WTFormsCatalog:
    """WTForms' messages ("This field is required.", "Not a valid integer value.") from the catalog WTForms ships,
    read once per language and process, and only when a message is needed (Flask-WTF reads the file on every
    request, a sixth of a submission's time)."""

    def _catalog(self) -> support.Translations:
        babel = get_babel()
        key = babel.locale_selector() if babel.locale_selector else ""  # a plain name: no Locale.parse per request
        catalog = _WTFORMS_CATALOGS.get(key)
        if catalog is None:
            catalog = _WTFORMS_CATALOGS[key] = support.Translations.load(messages_path(), [get_locale()],
                                                                         domain="wtforms")
        return catalog

    def gettext(self, string: str) -> str:
        return self._catalog().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog().ungettext(singular, plural, n)


WTFORMS_CATALOG = _WTFormsCatalog()


class Form(FlaskForm):
    """Every page's form derives from this one, so that no built-in validator speaks English on a Chinese page."""

    class Meta:
        def get_translations(self, form):
            return WTFORMS_CATALOG


class QuantityField(DecimalField):
    """A decimal shown as written (1000, not 1E+3, which is how a normalised Decimal prints)."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format(self.data, "f") if self.data is not None else ""
