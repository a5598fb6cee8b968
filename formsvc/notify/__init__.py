"""The notice pipeline: the transactional outbox, the notices a change causes, the worker that delivers
them and the senders (SMTP email, SMS providers) it delivers through.
"""
