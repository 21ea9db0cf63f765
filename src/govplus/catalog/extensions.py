"""Guide notes: what a later module has to say on a service guide, without the catalogue knowing it.

A module registers a note source in its `AppConfig.ready()`:

    from govplus.catalog.extensions import guide_note_register
    guide_note_register(tell_us_once_note)   # licences: "本事项 1 项材料可由电子证照库提供，无需提交"

`source(item=, materials=)` returns the notes for one published item ([] when it has nothing to say).
The guide's body is cached per item version under the catalogue stamp (`catalog_stamp`), and the whole
page is shared by every anonymous reader, so a note must depend on catalogue data only — never on the
visitor, the time of day or another module's live state. A module whose own data changes what its note
says calls `catalog.services.catalog_changed()` after that write (licences does, when its licence
types are loaded). Sources run while the body is rendered: they answer from memory or one query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from govplus.catalog.models import Material, ServiceItem


@dataclass(frozen=True)
class GuideNote:
    """One line on a guide, in both languages (`localized` picks one); `testid` names it for tests."""

    text: str
    text_en: str = ""
    testid: str = ""


class GuideNoteSource(Protocol):
    def __call__(self, *, item: ServiceItem, materials: Sequence[Material]) -> list[GuideNote]: ...


_sources: list[Callable[..., list[GuideNote]]] = []


def guide_note_register(source: GuideNoteSource) -> None:
    """Add a note source (registering the same one twice is harmless)."""
    if source not in _sources:
        _sources.append(source)


def guide_note_unregister(source: GuideNoteSource) -> None:
    if source in _sources:
        _sources.remove(source)


def guide_notes_for(*, item: ServiceItem, materials: Sequence[Material]) -> list[GuideNote]:
    """Every registered source's notes for the item, in the order the sources registered."""
    return [note for source in _sources for note in source(item=item, materials=materials)]
