"""Flask's JSON provider on orjson: the API's footprints are several kB of JSON, encoded on every request."""

from __future__ import annotations

import decimal
from datetime import date
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider


def _default(value: Any) -> Any:
    # Carbon and money are Decimals: always strings, never floats.
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class OrjsonProvider(DefaultJSONProvider):
    """Same behaviour as Flask's default provider (UTF-8, no key sorting), faster."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, default=_default, option=orjson.OPT_NON_STR_KEYS).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any):
        data = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(
            orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS) + b"\n",
            mimetype=self.mimetype,
        )
