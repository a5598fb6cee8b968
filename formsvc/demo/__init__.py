"""What serves only the demo (``wagesafe demo``): the mail catcher and its inbox, and the built portal
served from the form service. Never used in production.
"""
