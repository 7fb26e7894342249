"""Domain errors. Services raise these; the web layer maps them to HTTP answers in one place
(`secretariat.core.web.errors`) and the CLI prints their message.

Every message names the problem in words an operator can act on, and never carries a
resident's personal data (messages may end up in logs).
"""


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """The caller sent something malformed (a bad date, a missing field, a bad code)."""

    status_code = 422


class NotFound(DomainError):
    """The thing does not exist, or exists in a tenant the actor may not see.

    Both answer the same, so a liaison cannot probe for another municipality's identifiers.
    """

    status_code = 404

    @classmethod
    def of(cls, what: str, key: object) -> "NotFound":
        """The one wording for a missing `what` (its Japanese name: 事業, 申請, 振込データ) and for one the
        actor may not see, so the two read the same."""
        return cls(f"{what} {key} が見つかりません（存在しないか、閲覧できる範囲にありません）")


class PermissionDenied(DomainError):
    """The actor is known but their role may not do this."""

    status_code = 403


class Conflict(DomainError):
    """The request clashes with what is stored (a duplicate number, an illegal transition)."""

    status_code = 409


class TooManyAttempts(DomainError):
    """Login throttling: too many failures from one account or address."""

    status_code = 429
