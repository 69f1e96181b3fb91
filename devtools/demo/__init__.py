"""The demo portfolio: the reference data, then invented records and logins on it (`manage.py load_demo`)."""
