"""Encrypted storage: the profile folder, its keys, database, migrations and backups."""
