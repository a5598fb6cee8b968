"""The case and its rules: submitting a complaint, routing it, its states, receipts, evidence, intake limits.

Plain functions over the store; no Flask in here. ``complaints.submit`` is the one path a case is
created by; ``cases`` holds every later change of state.
"""
