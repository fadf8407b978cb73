"""The command line: run, migrate, check, backup and the terminal demo."""
