"""The analysts' files in rules/: loading, validation with file:line:column errors, and the typed result."""
