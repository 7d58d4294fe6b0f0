"""Tables of the amendments app: filled in by the issue that builds it."""
