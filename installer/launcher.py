"""The bundled program's entry point: the same as the `mentor-app` command."""

import sys

from mentor_app.start import main

if __name__ == "__main__":
    sys.exit(main())
