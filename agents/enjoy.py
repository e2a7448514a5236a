"""Watch a trained agent play in a pygame window: ``python -m agents.enjoy RUN_DIR``."""

import sys

from agents.evaluate import main

if __name__ == "__main__":
    sys.exit(main(watch_only=True))
