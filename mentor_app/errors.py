"""Errors a person may see: each carries one plain-language sentence.

Messages never contain record content, passphrases or keys: they may end up
on a screen in a café or in a script's log.
"""

from __future__ import annotations


class MentorAppError(Exception):
    """Base for every error shown to a user; str(e) is the plain message."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "", detail: str = ""):
        super().__init__(message)
        self.message = message
        # What to do next, as a key: the command line and the window each put it in their own words
        # (cli.HINTS and ui/messages.HINTS), so no window tells a mentor to type a command.
        self.hint = hint
        self.detail = detail  # e.g. a file name the hint needs


class ProfileNotFound(MentorAppError):
    pass


class ProfileExists(MentorAppError):
    pass


class ProfileInUse(MentorAppError):
    pass


class NewerVersion(MentorAppError):
    pass


class WrongPassphrase(MentorAppError):
    pass


class WrongRecoveryCode(MentorAppError):
    pass


class SecretNeeded(MentorAppError):
    """The keyring could not open the profile and no passphrase was given."""

    def __init__(self, message: str, keyring_status: object | None = None):
        super().__init__(message)
        self.keyring_status = keyring_status


class DatabaseDamaged(MentorAppError):
    pass


class BadInput(MentorAppError):
    exit_code = 2


class BackupError(MentorAppError):
    pass
