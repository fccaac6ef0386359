"""Tenants, users and signing in."""

from __future__ import annotations

from collections.abc import Iterable

from urbis.application import ports
from urbis.application._support import Env, audit
from urbis.domain import identity
from urbis.kernel import errors, ids


class DuplicateTenant(errors.Conflict):
    code = "duplicate_tenant"


class DuplicateUser(errors.Conflict):
    code = "duplicate_user"


class UnknownTenant(errors.NotFound):
    code = "unknown_tenant"


class WrongCredentials(errors.NotAuthenticated):
    code = "wrong_credentials"


class WeakPassword(errors.InvalidValue):
    code = "weak_password"


SYSTEM_USER = ids.UserId("system")


def create_tenant(
    *,
    uow_factory: ports.UnitOfWorkFactory,
    clock: ports.Clock,
    id_generator: ports.IdGenerator,
    code: str,
    name: str,
    nit: str,
    country: str = "CO",
    currency: str = "COP",
    timezone: str = "America/Bogota",
) -> identity.Tenant:
    """
    Create a tenant (a utility); done by the operator at installation, not by a tenant's user.

    :raises DuplicateTenant: if the code is taken.
    """
    tenant = identity.Tenant(
        id=ids.TenantId(id_generator.new_id()),
        code=code,
        name=name,
        nit=nit,
        country=country,
        currency=currency,
        timezone=timezone,
    )
    env = Env(
        uow=uow_factory,
        actor=identity.Actor(
            user_id=SYSTEM_USER, tenant_id=tenant.id, roles=frozenset({identity.Role.ADMIN})
        ),
        clock=clock,
        ids=id_generator,
    )
    with uow_factory() as uow:
        if uow.tenants.by_code(code) is not None:
            raise DuplicateTenant(f"Tenant {code!r} already exists", details={"code": code})
        uow.tenants.add(tenant)
        audit(env=env, uow=uow, entity="tenant", entity_id=tenant.id, action="create", after=tenant)
        uow.commit()
    return tenant


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise WeakPassword("A password has at least 8 characters")


def create_user(
    *,
    env: Env,
    hasher: ports.PasswordHasher,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[identity.Role],
    party_id: ids.PartyId | None = None,
) -> identity.User:
    """
    Create a staff or customer user with an argon2-hashed password.

    :raises RoleRequired: if the actor is not an admin.
    :raises DuplicateUser: if the username is taken in this tenant.
    :raises WeakPassword: if the password is shorter than 8 characters.
    :raises InvalidUser: if the username or roles are not acceptable.
    """
    identity.require_role(actor=env.actor, allowed=frozenset({identity.Role.ADMIN}))
    _check_password(password)
    user = identity.User(
        id=ids.UserId(env.ids.new_id()),
        tenant_id=env.actor.tenant_id,
        username=username.strip().lower(),
        display_name=display_name.strip(),
        roles=frozenset(roles),
        password_hash=hasher.hash(password),
        party_id=party_id,
    )
    with env.uow() as uow:
        if uow.users.by_username(user.tenant_id, user.username) is not None:
            raise DuplicateUser(
                f"User {user.username!r} already exists", details={"username": user.username}
            )
        if party_id is not None and uow.parties.get(user.tenant_id, party_id) is None:
            raise errors.NotFound(f"No party {party_id}", details={"what": "party"})
        uow.users.add(user)
        audit(
            env=env,
            uow=uow,
            entity="user",
            entity_id=user.id,
            action="create",
            after=user,
            hide=("password_hash",),
        )
        uow.commit()
    return user


def authenticate(
    *,
    uow_factory: ports.UnitOfWorkFactory,
    hasher: ports.PasswordHasher,
    tenant_code: str,
    username: str,
    password: str,
) -> identity.Actor:
    """
    Check a user's password and return who they act as.

    :raises UnknownTenant: if no tenant has that code.
    :raises WrongCredentials: if the user does not exist, is inactive or the password is wrong.
    """
    with uow_factory() as uow:
        tenant = uow.tenants.by_code(tenant_code.strip().lower())
        if tenant is None:
            raise UnknownTenant(f"No utility {tenant_code!r}", details={"tenant": tenant_code})
        user = uow.users.by_username(tenant.id, username.strip().lower())
    if user is None or not user.active or not hasher.verify(user.password_hash, password):
        raise WrongCredentials("Wrong username or password")
    return identity.Actor(
        user_id=user.id, tenant_id=user.tenant_id, roles=user.roles, party_id=user.party_id
    )


def actor_for(*, uow_factory: ports.UnitOfWorkFactory, user_id: ids.UserId) -> identity.Actor:
    """
    Rebuild the actor for a user id taken from a verified token or session.

    :raises WrongCredentials: if the user no longer exists or is inactive.
    """
    with uow_factory() as uow:
        user = uow.users.get(user_id)
    if user is None or not user.active:
        raise WrongCredentials("Your sign-in is no longer valid")
    return identity.Actor(
        user_id=user.id, tenant_id=user.tenant_id, roles=user.roles, party_id=user.party_id
    )
