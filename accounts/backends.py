"""Who is signed in: Django's ModelBackend, with the one query every signed-in request makes
compiled once per thread instead of on every request.

Every signed-in request reads its person by primary key (``get_user``). Through the ORM, building
that statement costs more CPU than PostgreSQL spends answering it (docs/benchmarks.md §7). The
statement never changes, so it is compiled once per thread and database connection, by the ORM
itself, and then only executed (peerakeet.lib.compiled): the same SQL, the same converters, the
same ``from_db`` the ORM uses, so a person read here is the person ``User.objects.get`` would
give. Everything else (signing in, permissions, the session hash check) is Django's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from accounts.models import User
from peerakeet.lib.compiled import Compiled

_BY_PK = Compiled(lambda pk: User._default_manager.filter(pk=pk).order_by())


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = user_by_pk(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def user_by_pk(user_id: Any) -> User | None:
    """``User.objects.filter(pk=user_id).first()``, without building the query again. A key
    that is not a number (sessions store it as text) is refused before any statement."""
    pk = User._meta.pk
    assert pk is not None
    found = _BY_PK.objects(pk.to_python(user_id))
    return found[0] if found else None
