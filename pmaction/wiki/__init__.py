"""The wiki: page names, render and merge of the incident page, the index and sidebar, and the git writer
(the wiki edge).
"""
