"""Operators and roles (the API checks them in a later issue; the data model has them now)."""
