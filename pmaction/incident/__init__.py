"""One incident as read from GitHub: the issue, its comments and events; its body's form fields; its
severity; who wrote what.
"""
