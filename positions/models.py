"""Tables of the positions app: filled in by the issue that builds it."""
