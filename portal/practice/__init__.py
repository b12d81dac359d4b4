"""The practice and its practitioners, services, hours and exceptions."""
