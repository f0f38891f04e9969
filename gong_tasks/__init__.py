"""The ``gong-tasks`` command line: one entry point over the toolkit's packages."""
