"""What an operator's tools ask the service: ``/metrics`` (Prometheus) and ``/readyz`` (readiness).

``/healthz`` says the process answers and the database reads; ``/readyz`` says the installation can
do its work now (the notice worker's heartbeat is fresh, no notice waits past what the retry policy
allows, the disk under ``var/`` has room); ``/metrics`` gives the figures behind both, and more, to
networks in ``METRICS_ALLOW_NETWORKS`` only. The checks and figures are plain functions that know no
Flask (``readiness``, ``metrics``), so ``wagesafe ready`` and the tests call them as the views do.
"""

from .blueprint import bp  # noqa: F401  (what formsvc.create_app registers)
from . import views  # noqa: E402,F401  (registers the routes on bp)
