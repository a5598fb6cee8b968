"""What the county publishes, edited from the desk (issue 26): policy updates (``posts``), rows of
the registry (``rows``: projects, legal-aid places, townships' officers), every change versioned and
reversible (``versions``), and the portal rebuilt in the background (``builds``).

The files stay the truth: the desk writes the same ``docs/updates/posts/*.md`` and ``data/*.csv``
an editor would write by hand, checked by the same rules as ``wagesafe check``. No Flask in here.
"""
