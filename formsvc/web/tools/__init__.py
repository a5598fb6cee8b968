"""The worker's own tools, answered by the form service: the wage calculator without JavaScript
(``/tools/calculator``) and the arbitration application PDF (``/tools/application``).

Nothing a worker types here is stored: the calculator answers a GET; the application is built in
memory from the POST and sent back as a PDF (a case is only read, with its receipt and mobile).
"""

from .blueprint import bp  # noqa: F401  (what formsvc.create_app registers)
from . import views  # noqa: E402,F401  (registers the routes on bp)
