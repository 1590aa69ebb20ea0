#!/usr/bin/env python
"""Django's manage.py, for developers used to it; ``opensend`` is the same thing."""

from opensend.cli import main

if __name__ == "__main__":
    main()
