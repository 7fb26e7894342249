from enum import StrEnum

class Role(StrEnum):
    operator = "operator"      # mailroom: checks in returned forms
    agent = "agent"            # call center: logs inquiries
    supervisor = "supervisor"  # plans staffing, watches every programme
    liaison = "liaison"        # a municipality's own staff: sees that municipality only
    admin = "admin"            # manages users, municipalities and programmes
    system = "system"          # the CLI and scheduled jobs; never a login


LOGIN_ROLES = tuple(role for role in Role if role is not Role.system)

# Roles that may move an application between states by hand (the municipality records its
# payment decisions through the exchange's files, not by clicking).
STATUS_CHANGERS = frozenset({Role.operator, Role.supervisor, Role.admin, Role.system})
