"""Reads of a fixed shape, built by the ORM once per thread and connection, then only executed.

Through the ORM, building a statement can cost more CPU than the database spends answering it.
The session lock on every Zoom meeting's critical path selects about sixty columns over three
tables: compiling it took 1.6 ms of CPU, running it 0.2 ms (docs/benchmarks.md §7). A
``Compiled`` read takes a queryset whose only varying parameter is one key. The first call on a
thread compiles it with the ORM's own compiler; every call then executes that SQL with the new
key and builds the rows with the ORM's own converters, ``from_db`` and ``select_related``
populators. So what it returns is what the queryset would return, and a change to the models or
the query is picked up with no SQL written by hand.

Only what the queryset says is compiled in: a constant in a filter stays constant. A lock
(``select_for_update``) is refused outside a transaction, as the ORM refuses it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections, models
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=models.Model)

# Stands for the key while compiling: found in the compiled parameters, then replaced by each
# call's key. Never a real key (they are positive), so it cannot be mistaken for a constant; and
# within a 32-bit integer column's range, which the ORM checks a lookup's value against.
_KEY = -1_900_000_417


class _Plan:
    """One compiled read, for one thread's connection."""

    def __init__(self, queryset: models.QuerySet[Any], alias: str) -> None:
        connection = connections[alias]
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()  # refuses a lock outside a transaction, as on every call
        self.connection = connection
        self.sql = sql
        self.params = list(params)
        self.slots = [i for i, value in enumerate(self.params) if value == _KEY]
        if not self.slots:
            raise ValueError("the queryset does not take its key as a plain parameter")
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

    def rows(self, key: Any) -> list[Any]:
        if self.locks and self.connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(self.params)
        for slot in self.slots:
            params[slot] = key
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows


class Compiled(Generic[M]):
    """``build(key)`` is a queryset; ``objects(key)``, ``get(key)`` and ``values(key)`` run it.

    ``build`` must use the key only as a plain value (``pk=key``, ``session_id=key``): compiling
    checks that it appears among the parameters, unchanged.
    """

    def __init__(self, build: Callable[[int], models.QuerySet[M, Any]]) -> None:
        self._build = build
        self._local = threading.local()

    def _plan(self) -> _Plan:
        plan: _Plan | None = getattr(self._local, "plan", None)
        if plan is not None and plan.connection is connections[plan.connection.alias]:
            return plan
        queryset = self._build(_KEY)  # built again for each new connection, as the ORM would
        plan = self._local.plan = _Plan(queryset, queryset.db)
        return plan

    def objects(self, key: int) -> list[M]:
        plan = self._plan()
        assert plan.model is not None, "objects() needs a queryset of model instances"
        found, alias = [], plan.connection.alias
        for row in plan.rows(self._key(key)):
            obj = plan.model.from_db(alias, plan.init_list, row[plan.start : plan.end])
            for populator in plan.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found  # type: ignore[return-value]  # plan.model is the queryset's model, M

    def get(self, key: int) -> M:
        """The one object, or the model's ``DoesNotExist``, as ``QuerySet.get``."""
        found = self.objects(key)
        if len(found) == 1:
            return found[0]
        model: Any = self._plan().model
        name = model._meta.object_name
        if not found:
            raise model.DoesNotExist(f"{name} matching query does not exist.")
        raise model.MultipleObjectsReturned(f"get() returned more than one {name}")

    def values(self, key: int) -> list[tuple[Any, ...]]:
        """Rows as tuples, for a ``values_list()`` queryset."""
        return [tuple(row) for row in self._plan().rows(self._key(key))]

    @staticmethod
    def _key(key: Any) -> int:
        if isinstance(key, bool) or not isinstance(key, int):
            raise TypeError(f"a key is an int, not {type(key).__name__}")
        return key
