"""The sensitive-information guard over every piece of people's text a public page would show."""
