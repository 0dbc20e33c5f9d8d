"""Custom access control for the tests (the ROLES / AC settings)."""

from better_auth.plugins.organization.access import (
    DEFAULT_STATEMENTS,
    create_access_control,
)

ac = create_access_control({**DEFAULT_STATEMENTS, "project": ["read", "write"]})
ROLES = {
    "owner": ac.new_role({**DEFAULT_STATEMENTS, "project": ["read", "write"]}),
    "auditor": ac.new_role({"project": ["read"]}),
}
