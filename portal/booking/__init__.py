"""Appointments: availability, booking online, managing a booking."""
