"""Tenants (utilities), staff and customer users, roles, and who may do what."""

from __future__ import annotations

import enum
import re

import attrs

from urbis.kernel import errors, ids


class InvalidUser(errors.InvalidValue):
    code = "invalid_user"


class RoleRequired(errors.Forbidden):
    code = "role_required"


class WrongTenant(errors.Forbidden):
    code = "wrong_tenant"


class Role(enum.Enum):
    ADMIN = "admin"
    AGENT = "agent"
    BILLING_ANALYST = "billing_analyst"
    COLLECTIONS = "collections"
    FIELD = "field"
    RULES_AUTHOR = "rules_author"
    TARIFF_ADMIN = "tariff_admin"  # loads tariffs and their versions
    CUSTOMER = "customer"


STAFF_ROLES = frozenset(r for r in Role if r is not Role.CUSTOMER)

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")


@attrs.frozen
class Tenant:
    """A utility (or city) whose data is kept apart from every other tenant's."""

    id: ids.TenantId
    code: str
    name: str
    nit: str
    country: str
    currency: str
    timezone: str

    def __attrs_post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise errors.InvalidValue(
                "A tenant code has 2 to 32 lowercase letters, digits or '-'",
                details={"code": self.code},
            )


@attrs.frozen
class User:
    id: ids.UserId
    tenant_id: ids.TenantId
    username: str
    display_name: str
    roles: frozenset[Role]
    password_hash: str
    party_id: ids.PartyId | None = None
    active: bool = True

    def __attrs_post_init__(self) -> None:
        if not _USERNAME.match(self.username):
            raise InvalidUser(
                "A username has 3 to 64 lowercase letters, digits, '.', '_', '@' or '-'",
                details={"username": self.username},
            )
        if not self.roles:
            raise InvalidUser("A user needs at least one role")
        if Role.CUSTOMER in self.roles and self.party_id is None:
            raise InvalidUser("A customer user is linked to the customer (party) it acts for")
        if Role.CUSTOMER in self.roles and self.roles & STAFF_ROLES:
            raise InvalidUser("A customer user cannot also hold staff roles")


@attrs.frozen
class Actor:
    """Who is acting: the user, their tenant and roles, as the interfaces authenticated them."""

    user_id: ids.UserId
    tenant_id: ids.TenantId
    roles: frozenset[Role]
    party_id: ids.PartyId | None = None

    @property
    def is_customer(self) -> bool:
        return Role.CUSTOMER in self.roles


def require_role(*, actor: Actor, allowed: frozenset[Role]) -> None:
    """
    Check the actor holds one of the allowed roles (admins hold every staff permission).

    :raises RoleRequired: if none of the actor's roles is allowed.
    """
    if actor.roles & allowed:
        return
    if Role.ADMIN in actor.roles and allowed & STAFF_ROLES:
        return
    raise RoleRequired(
        "Your role does not allow this; ask for one of: "
        + ", ".join(sorted(r.value for r in allowed)),
        details={"allowed": sorted(r.value for r in allowed)},
    )


def require_tenant(*, actor: Actor, tenant_id: ids.TenantId) -> None:
    """
    Check the actor works for the tenant that owns the data.

    :raises WrongTenant: if the data belongs to another tenant.
    """
    if actor.tenant_id != tenant_id:
        raise WrongTenant("That record belongs to another utility")
