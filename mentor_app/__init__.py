"""Mentor App: encrypted, offline records for peer mentors."""

import logging as _logging

__version__ = "0.1.0"
APP_NAME = "Mentor App"

# Until mentor_app.logs.setup() runs (a script importing the package, a test), the app's lines go
# nowhere rather than to stderr, whichever module logs first.
_logging.getLogger("mentor_app").addHandler(_logging.NullHandler())
