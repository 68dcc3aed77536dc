"""Domain errors: every failure a reviewer can act on is a Stage8Error with a plain message.

Code raises the named subclasses only (a test scans stage8/ for `raise Stage8Error`), so callers
can tell bad input from a missing thing or a conflict; the command line exits with `exit_code`.
"""


class Stage8Error(Exception):
    """Base of every error the desk reports to a person (page or command line); never raised
    itself."""

    exit_code = 1  # the command line's exit status for a domain error (2 is for usage errors)


class ConfigError(Stage8Error):
    """A setting is missing or malformed."""


class InvalidInput(Stage8Error):
    """A value a person gave (a count, a prompt, a filter, a name) is empty, malformed or out of
    range; the message says what is accepted."""


class NotARegularFile(InvalidInput):
    """A path given to read or write is a folder, device, pipe or socket, not a regular file."""


class NotFound(Stage8Error):
    """A project, scene, asset, attempt or image that was asked for does not exist."""


class InvalidImage(Stage8Error):
    """Bytes that are not an image the desk accepts (format, size, corruption, animation)."""


class StorageError(Stage8Error):
    """The image store failed or refused an operation."""


class ObjectNotFound(StorageError):
    """The image store has no object under the given key."""


class StorageUnavailable(StorageError):
    """The image store cannot be used at all (bucket missing, key without rights): fix a setting."""


class DatabaseUnavailable(Stage8Error):
    """The database cannot be reached or refused the connection: check STAGE8_DATABASE_URL."""


class DecisionConflict(Stage8Error):
    """A decision cannot be made in the current state (e.g. trashing the selected attempt)."""


class ProviderError(Stage8Error):
    """The image provider failed. `transient` errors are retried by the job runner."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class NotAllowed(Stage8Error):
    """The person's role may not do this; the message says which role can and who grants it."""
