"""Text rules used everywhere, each once: hidden markers, the Markdown line scanner, times and durations'
formats, escaping.
"""
