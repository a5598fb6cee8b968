"""Officers: accounts, sign-in and the one rule of who may see and act on which case. No Flask in here."""
