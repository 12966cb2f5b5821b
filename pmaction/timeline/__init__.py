"""The incident's timeline: entries from a list of sources (body, comments, events), the key moments and
the one duration rule.
"""
