"""Sharing with the supervisor: keys, enrolment, consent-aware signed and encrypted batches."""
