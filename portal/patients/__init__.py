"""Patients: identity, input validation, the consent ledger."""
