"""Identity: tenants, users, roles and permission checks."""

from urbis.domain.identity._identity import (
    STAFF_ROLES,
    Actor,
    InvalidUser,
    Role,
    RoleRequired,
    Tenant,
    User,
    WrongTenant,
    require_role,
    require_tenant,
)

__all__ = [
    "STAFF_ROLES",
    "Actor",
    "InvalidUser",
    "Role",
    "RoleRequired",
    "Tenant",
    "User",
    "WrongTenant",
    "require_role",
    "require_tenant",
]
