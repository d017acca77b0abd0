"""``python -m notifications`` is the worker too."""

from notifications.worker import main

main()
