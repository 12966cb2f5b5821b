"""The status comment on the incident issue: its text, finding it by marker, and posting it once."""
