"""Periodic duties the worker loop runs once a minute (``scheduler.tick``): escalation and reminders,
the daily report (一日一报), project risk classes (A/B/C) and the retention period of personal data.
"""
