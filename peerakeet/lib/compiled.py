"""Reads of a fixed shape, built by the ORM once per thread and connection, then only executed.

Through the ORM, building a statement can cost more CPU than the database spends answering it.
The session lock on every Zoom meeting's critical path selects about sixty columns over three
tables: compiling it took 1.6 ms of CPU, running it 0.2 ms (docs/benchmarks.md §7). A
``Compiled`` read takes a queryset whose only varying parameters are its keys (ids, or a moment
in time). The first call on a thread compiles it with the ORM's own compiler; every call then
executes that SQL with the new keys and builds the rows with the ORM's own converters,
``from_db`` and ``select_related`` populators. So what it returns is what the queryset would
return, and a change to the models or the query is picked up with no SQL written by hand.

Only what the queryset says is compiled in: a constant in a filter stays constant. A lock
(``select_for_update``) is refused outside a transaction, as the ORM refuses it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.db import connections, models
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.db.transaction import TransactionManagementError
from django.utils import timezone

M = TypeVar("M", bound=models.Model)
Key = int | datetime

# What stands for each key while compiling: found among the compiled parameters, then replaced
# by each call's key. Never a real value (ids are positive; no moment here is in 1901), so it
# cannot be mistaken for a constant; an id's is within a 32-bit integer column's range, which
# the ORM checks a lookup's value against.
_STAND_IN: dict[type, Callable[[int], Key]] = {
    int: lambda i: -1_900_000_417 - i,
    datetime: lambda i: datetime(1901, 2, 3, 4, 5, 6, 789_000 + i, tzinfo=UTC),
}


class _Plan:
    """One compiled read, for one thread's connection."""

    def __init__(self, queryset: models.QuerySet[Any], alias: str, kinds: tuple[type, ...]):
        connection = connections[alias]
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()  # refuses a lock outside a transaction, as on every call
        self.connection = connection
        self.sql = sql
        self.params = list(params)
        self.slots: list[tuple[int, int]] = []  # (parameter position, key position)
        for k, kind in enumerate(kinds):
            stand_in = self._adapt(_STAND_IN[kind](k))
            found = [i for i, value in enumerate(self.params) if value == stand_in]
            if not found:
                raise ValueError(f"the queryset does not take key {k} as a plain parameter")
            self.slots += [(i, k) for i in found]
        self.locks = queryset.query.select_for_update and connection.features.has_select_for_update
        self.compiler = compiler
        select = compiler.select
        self.converters = compiler.get_converters([column for column, _, _ in select])
        klass_info = compiler.klass_info
        if compiler.annotation_col_map or klass_info is None:
            self.model: type[models.Model] | None = None  # values: rows as they are
            return
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.model = klass_info["model"]
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, alias)

    def _adapt(self, key: Key) -> Any:
        """A key as the ORM hands it to the database driver."""
        if isinstance(key, datetime):
            return self.connection.ops.adapt_datetimefield_value(key)
        return key

    def rows(self, keys: tuple[Key, ...]) -> list[Any]:
        if self.locks and self.connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(self.params)
        for slot, k in self.slots:
            params[slot] = self._adapt(keys[k])
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows


class Compiled(Generic[M]):
    """``build(*keys)`` is a queryset; ``objects(*keys)``, ``get(*keys)`` and ``values(*keys)``
    run it. ``keys`` are the kinds of key it takes, in order: ``int`` (an id) or ``datetime``
    (an aware moment).

    ``build`` must use each key only as a plain value (``pk=key``, ``run_after__lte=now``):
    compiling checks that it appears among the parameters, unchanged.
    """

    def __init__(
        self, build: Callable[..., models.QuerySet[M, Any]], *, keys: tuple[type, ...] = (int,)
    ) -> None:
        if not keys or any(kind not in _STAND_IN for kind in keys):
            raise TypeError("keys are int or datetime")
        self._build = build
        self._kinds = keys
        self._local = threading.local()

    def _plan(self) -> _Plan:
        plan: _Plan | None = getattr(self._local, "plan", None)
        if plan is not None and plan.connection is connections[plan.connection.alias]:
            return plan
        queryset = self._build(*(_STAND_IN[kind](k) for k, kind in enumerate(self._kinds)))
        plan = self._local.plan = _Plan(queryset, queryset.db, self._kinds)
        return plan

    def objects(self, *keys: Key) -> list[M]:
        plan = self._plan()
        assert plan.model is not None, "objects() needs a queryset of model instances"
        found, alias = [], plan.connection.alias
        for row in plan.rows(self._checked(keys)):
            obj = plan.model.from_db(alias, plan.init_list, row[plan.start : plan.end])
            for populator in plan.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found  # type: ignore[return-value]  # plan.model is the queryset's model, M

    def get(self, *keys: Key) -> M:
        """The one object, or the model's ``DoesNotExist``, as ``QuerySet.get``."""
        found = self.objects(*keys)
        if len(found) == 1:
            return found[0]
        model: Any = self._plan().model
        name = model._meta.object_name
        if not found:
            raise model.DoesNotExist(f"{name} matching query does not exist.")
        raise model.MultipleObjectsReturned(f"get() returned more than one {name}")

    def values(self, *keys: Key) -> list[tuple[Any, ...]]:
        """Rows as tuples, for a ``values_list()`` queryset."""
        return [tuple(row) for row in self._plan().rows(self._checked(keys))]

    def _checked(self, keys: tuple[Any, ...]) -> tuple[Key, ...]:
        if len(keys) != len(self._kinds):
            raise TypeError(f"{len(self._kinds)} key(s) expected, {len(keys)} given")
        for key, kind in zip(keys, self._kinds, strict=True):
            if isinstance(key, bool) or not isinstance(key, kind):
                raise TypeError(f"a key is {kind.__name__}, not {type(key).__name__}")
            if isinstance(key, datetime) and timezone.is_naive(key):
                raise TypeError("a moment as a key must be aware of its time zone")
        return keys
