"""The mentor's records: mentees, consent, needs, meetings, risk and safeguarding.

Plain functions over the open profile's connection; no Qt here.
"""
