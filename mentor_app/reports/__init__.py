"""Figures and reports for supervisors and funders (counts, never identities), and the mentor's own calendar."""
