"""The signposting directory: contacts, their freshness, CSV exchange, the shipped default set."""
