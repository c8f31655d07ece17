"""Complaint analytics: reports, demo data, imports and the part/model early warning."""
