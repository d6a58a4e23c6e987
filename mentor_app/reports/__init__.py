"""Figures and reports for supervisors and funders: counts, never identities."""
