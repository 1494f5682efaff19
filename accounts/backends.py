"""Who is signed in: Django's ModelBackend, with the one query every signed-in request makes
compiled once per thread instead of on every request.

Every signed-in request reads its person by primary key (``get_user``). Through the ORM, building
that statement costs more CPU than PostgreSQL spends answering it (docs/benchmarks.md §7). The
statement never changes, so it is compiled once per thread and database connection, by the ORM
itself, and then only executed: the same SQL, the same converters, the same ``from_db`` the ORM
uses, so a person read here is the person ``User.objects.get`` would give. Everything else
(signing in, permissions, the session hash check) is Django's.
"""

from __future__ import annotations

import threading
from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connections, router

from accounts.models import User

_compiled = threading.local()


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = user_by_pk(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def user_by_pk(user_id: Any) -> User | None:
    """``User.objects.filter(pk=user_id).first()``, without building the query again."""
    alias = router.db_for_read(User)
    connection = connections[alias]
    compiled = getattr(_compiled, alias, None)
    if compiled is None or compiled[0] is not connection:
        compiled = _compile(alias)
        setattr(_compiled, alias, compiled)
    _, sql, compiler, converters, attnames = compiled
    pk = User._meta.pk
    assert pk is not None
    value = pk.get_db_prep_value(pk.to_python(user_id), connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    if converters:
        row = next(compiler.apply_converters([row], converters))
    return User.from_db(alias, attnames, row)


def _compile(alias: str) -> tuple[Any, str, Any, dict[int, Any], list[str]]:
    compiler = User._default_manager.filter(pk=0).query.get_compiler(alias)
    sql, params = compiler.as_sql()
    assert list(params) == [0], params  # exactly one parameter: the primary key
    select = [column for column, _, _ in compiler.select]
    attnames = [column.target.attname for column in select]
    return compiler.connection, sql, compiler, compiler.get_converters(select), attnames
