"""Server-rendered patient pages: find a slot, book it, manage the booking (issue 3)."""
