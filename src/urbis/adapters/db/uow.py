"""The unit of work: one database transaction over every repository."""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa

from urbis.adapters.db import repositories as r
from urbis.application import ports
from urbis.domain import accounts, premises
from urbis.kernel import errors

# Database constraint names → the domain error a person sees when the database itself refuses.
_CONSTRAINTS: tuple[tuple[str, type[errors.DomainError], str], ...] = (
    (
        "agreements_no_overlap",
        accounts.OverlappingAgreement,
        "Service point already supplied under another agreement in that span",
    ),
    (
        "installations_meter_no_overlap",
        premises.MeterAlreadyInstalled,
        "The meter is installed at another service point in that span",
    ),
    (
        "installations_point_no_overlap",
        premises.ServicePointAlreadyMetered,
        "The service point already has a meter in that span",
    ),
    ("stratum", premises.InvalidStratum, "Stratum (estrato) must be 1 to 6 or empty"),
)


def domain_error_for(exc: sa.exc.DBAPIError) -> errors.DomainError:
    """Translate a refusal by the database into the stable error code it stands for."""
    text = str(exc.orig)
    for name, error, message in _CONSTRAINTS:
        if name in text:
            return error(message, details={"constraint": name})
    if isinstance(exc, sa.exc.IntegrityError):
        return errors.Conflict(
            "The change conflicts with existing data", details={"reason": text.splitlines()[0]}
        )
    raise exc


class Transaction:
    """
    One open connection in a transaction, ended by ``__exit__``: rolled back unless committed,
    and a refusal by the database raised as the domain error it stands for. Units of work over
    different sets of repositories share it.
    """

    _connection: sa.Connection | None = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection = self._connection
        self._connection = None
        if connection is None:
            return
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            connection.close()
        if isinstance(exc, sa.exc.IntegrityError | sa.exc.OperationalError):
            mapped = domain_error_for(exc)
            raise mapped from exc

    def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit() outside the unit of work")
        try:
            self._connection.commit()
        except sa.exc.IntegrityError as exc:
            raise domain_error_for(exc) from exc

    def rollback(self) -> None:
        if self._connection is not None:
            self._connection.rollback()


class SqlUnitOfWork(Transaction):
    tenants: ports.TenantRepository
    users: ports.UserRepository
    parties: ports.PartyRepository
    premises: ports.PremiseRepository
    service_points: ports.ServicePointRepository
    meters: ports.MeterRepository
    accounts: ports.AccountRepository
    agreements: ports.AgreementRepository
    audit: ports.AuditLog

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._connection: sa.Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        connection = self._engine.connect()
        connection.begin()
        self._connection = connection
        self.tenants = r.TenantRepository(connection)
        self.users = r.UserRepository(connection)
        self.parties = r.PartyRepository(connection)
        self.premises = r.PremiseRepository(connection)
        self.service_points = r.ServicePointRepository(connection)
        self.meters = r.MeterRepository(connection)
        self.accounts = r.AccountRepository(connection)
        self.agreements = r.AgreementRepository(connection)
        self.audit = r.AuditLog(connection)
        return self


class SqlUnitOfWorkFactory:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
