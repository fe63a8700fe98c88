"""Fixtures for the template tests."""

from __future__ import annotations
