"""The review two months later: its date, its milestone, and the nag's decisions and reminder text."""
