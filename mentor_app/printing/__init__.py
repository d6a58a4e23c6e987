"""Printed matter for mentees: signposting sheets and the services booklet (reportlab)."""
