"""URL converters every module's pages use. Importing this module registers them (config/urls.py does,
before it includes any module's URLs)."""

from django.urls import register_converter


class RowIdConverter:
    """A database id: at most 18 digits, so that a longer number is a 404 and never overflows the
    database's 64-bit integer (a 500)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RowIdConverter, "id")
