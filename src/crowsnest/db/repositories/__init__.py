"""Repositories: every database query of crowsnest lives in this package."""
