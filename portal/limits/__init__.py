"""Limits on what one client, one phone number or one practitioner's agenda may take: shared
fixed-window counters (counter.py) and the core rules built on them (practitioner.py, sms.py)."""
