"""Persistence for claimwatch: tables, engine set-up, migrations and every SQL query the application runs."""
