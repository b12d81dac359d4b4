"""The practitioner back-office (/admin): sign-in, sessions, and the pages staff work in."""
