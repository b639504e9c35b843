"""The project's small error family. Every error a user can cause is one of these and
carries one clear sentence; entry points print that sentence, never a traceback."""


class KioskError(Exception):
    """Base of every error that is shown to a user as one sentence."""

    exit_code = 1


class ConfigError(KioskError):
    """The branch configuration is missing or wrong (names the file and the key)."""

    exit_code = 2


class QueueError(KioskError):
    """A queue operation was refused; nothing was changed."""


class NotFound(QueueError):
    """A ticket, service, counter or station that does not exist."""


class IllegalTransition(QueueError):
    """The ticket or counter is not in a state that allows the operation."""


class ClockSkew(QueueError):
    """This station's clock disagrees with the branch's (the database's) too much to write."""


class InvalidIdentifier(KioskError):
    """A card number or resident ID that fails its check (Luhn, GB 11643)."""


class DatabaseUnavailable(KioskError):
    """The shared database cannot be reached."""

    exit_code = 3
