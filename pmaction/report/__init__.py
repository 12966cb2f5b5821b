"""The cross-incident report: each page's facts line, and the report page built from them."""
