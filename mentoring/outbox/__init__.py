"""The email outbox: every email the service owes someone is a row in the database.

A row is written in the same transaction as the change that causes it, so a
change and its emails commit (or roll back) together. After commit a Celery task
is asked to send the new rows at once; a beat job sends whatever is still owed,
so a crash, a lost broker message or Redis being down delays an email but never
loses it. Each row is claimed by one sender before it goes (see sending.py), so
two workers never send the same row.

This package knows no domain app: the apps call it, never the other way round.
"""
