"""Event classes looked up by type name from a table instead of a walk over all subclasses per event.

`Event.resolve_by_type` lists every (transitively) imported Event subclass and checks each for
abstractness on every call, i.e. for every event read from the tracker store or returned by an
action: one message in twenty of a turn's CPU time. The class hierarchy does not change while the
server runs, so the table is built once; unknown names still go to Rasa's own lookup.
"""

from __future__ import annotations

from functools import lru_cache

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_rasa_resolve_by_type = Event.resolve_by_type


@lru_cache(maxsize=1)
def _event_classes() -> dict[str, type[Event]]:
    """Type name -> concrete Event class; the first class wins, as in Rasa's lookup."""
    table: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    return table


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """The Event class for `type_name` (Rasa's semantics for unknown names and defaults)."""
    known = _event_classes().get(type_name)
    return known if known is not None else _rasa_resolve_by_type(type_name, default)


def install() -> None:
    """Make Event deserialisation in this process use the table."""
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
