"""Complaint tickets: models, store, priority rules, log masking and the `tickets` commands."""
