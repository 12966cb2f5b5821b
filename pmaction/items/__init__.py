"""Agreed action items: read them from Markdown, decide against the backlog, describe and create their
issues, edit their lines.
"""
